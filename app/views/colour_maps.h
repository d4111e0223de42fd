// Colour maps for heatmaps and the categorical palette for experts. The maps
// are perceptually uniform and ordered in lightness (viridis, cividis, magma),
// so a greyscale print or a colour-blind viewer still reads low from high;
// the expert palette starts with Okabe and Ito's colour-blind-safe eight.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "app/views/geometry.h"

namespace archscope::views {

enum class ColourMap { Viridis, Cividis, Magma, Greys };

constexpr std::array<ColourMap, 4> kColourMaps{ColourMap::Viridis, ColourMap::Cividis, ColourMap::Magma,
                                               ColourMap::Greys};
const char* to_string(ColourMap m);
// Throws std::invalid_argument naming the accepted names.
ColourMap parse_colour_map(std::string_view name);

// t in [0, 1] (clamped) to a colour of the map.
Colour sample(ColourMap map, float t);
// Black or white, whichever reads better on `background`.
Colour contrasting_text(Colour background);

// Expert e's colour; the palette repeats after its length, so views also label experts by number.
Colour expert_colour(int e);
int expert_palette_size();

// 8-bit RGBA of a colour, for texture fills.
std::array<uint8_t, 4> to_rgba8(Colour c);

}  // namespace archscope::views
