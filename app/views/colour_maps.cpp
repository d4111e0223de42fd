// Colour-map control points (17 per map, from matplotlib's tables) joined by
// linear interpolation with GLM, which stays within one 8-bit step of the
// 256-entry originals.
#include "app/views/colour_maps.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <glm/glm.hpp>

namespace archscope::views {

namespace {

constexpr unsigned kViridis[17] = {0x440154, 0x48186a, 0x472d7b, 0x424086, 0x3b528b, 0x33638d,
                                   0x2c728e, 0x26828e, 0x21918c, 0x1fa088, 0x28ae80, 0x3fbc73,
                                   0x5ec962, 0x84d44b, 0xaddc30, 0xd8e219, 0xfde725};
constexpr unsigned kCividis[17] = {0x00224e, 0x002e6a, 0x1a386f, 0x32436d, 0x434e6c, 0x535a6d,
                                   0x61656f, 0x6f7073, 0x7d7c78, 0x8c8878, 0x9b9476, 0xaba072,
                                   0xbcae6c, 0xcdbb63, 0xdec958, 0xf0d846, 0xfee838};
constexpr unsigned kMagma[17] = {0x000004, 0x0a0822, 0x1d1147, 0x36106b, 0x51127c, 0x6a1c81,
                                 0x832681, 0x9c2e7f, 0xb73779, 0xd0416f, 0xe75263, 0xf56b5c,
                                 0xfc8961, 0xfea772, 0xfec488, 0xfde2a3, 0xfcfdbf};

// Okabe & Ito (2008), then Paul Tol's "muted" scheme: distinguishable under the
// common colour-vision deficiencies.
constexpr unsigned kExperts[] = {0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442, 0x0072B2, 0xD55E00, 0xCC79A7,
                                 0x999999, 0x332288, 0x88CCEE, 0x44AA99, 0x117733, 0x999933, 0xDDCC77,
                                 0xCC6677, 0x882255, 0xAA4499};

Colour from_table(const unsigned (&table)[17], float t) {
  const float x = glm::clamp(t, 0.0f, 1.0f) * 16.0f;
  const int i = std::min(static_cast<int>(x), 15);
  return glm::mix(rgb(table[i]), rgb(table[i + 1]), x - static_cast<float>(i));
}

}  // namespace

const char* to_string(ColourMap m) {
  switch (m) {
    case ColourMap::Viridis: return "viridis";
    case ColourMap::Cividis: return "cividis";
    case ColourMap::Magma: return "magma";
    case ColourMap::Greys: return "greys";
  }
  return "viridis";
}

ColourMap parse_colour_map(std::string_view name) {
  for (ColourMap m : kColourMaps)
    if (name == to_string(m)) return m;
  throw std::invalid_argument("colour map: expected viridis, cividis, magma or greys, found '" + std::string(name) + "'");
}

Colour sample(ColourMap map, float t) {
  if (std::isnan(t)) t = 0;
  switch (map) {
    case ColourMap::Viridis: return from_table(kViridis, t);
    case ColourMap::Cividis: return from_table(kCividis, t);
    case ColourMap::Magma: return from_table(kMagma, t);
    case ColourMap::Greys: {
      // White (0) to near black (1), like matplotlib's Greys.
      const float v = 1.0f - 0.92f * glm::clamp(t, 0.0f, 1.0f);
      return {v, v, v, 1.0f};
    }
  }
  return from_table(kViridis, t);
}

Colour contrasting_text(Colour bg) {
  // Relative luminance of sRGB-encoded values (WCAG 2 definition).
  auto lin = [](float c) { return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f); };
  const float l = 0.2126f * lin(bg.r) + 0.7152f * lin(bg.g) + 0.0722f * lin(bg.b);
  return l > 0.179f ? Colour(0, 0, 0, 1) : Colour(1, 1, 1, 1);
}

Colour expert_colour(int e) {
  const int n = static_cast<int>(std::size(kExperts));
  return rgb(kExperts[((e % n) + n) % n]);
}

int expert_palette_size() { return static_cast<int>(std::size(kExperts)); }

std::array<uint8_t, 4> to_rgba8(Colour c) {
  auto q = [](float v) { return static_cast<uint8_t>(std::lround(glm::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  return {q(c.r), q(c.g), q(c.b), q(c.a)};
}

}  // namespace archscope::views
