// The pieces of the architecture diagram: boxes, arrows, the attention
// sublayer with its heads, and the FFN or MoE sublayer with its experts.
#pragma once

#include <string>

#include "app/views/canvas.h"
#include "app/views/theme.h"
#include "engine/model/model_spec.h"

namespace archscope::views::diagram {

// A rounded box with a bold title and an optional detail line, centred.
void box(Canvas& c, const Theme& th, const Rect& r, Colour fill, const std::string& title, const std::string& detail = "");
// A line with an arrowhead at `to`.
void arrow(Canvas& c, const Theme& th, Vec2 from, Vec2 to, Colour colour, float thickness = 2);
// The ⊕ of a residual connection.
void plus(Canvas& c, const Theme& th, Vec2 centre, float radius);

// Heights the sublayers need at a theme's sizes.
float attention_height(const Theme& th, const ModelSpec& s);
float ffn_height(const Theme& th, const ModelSpec& s, bool moe);

// The attention sublayer: title (self or cross, mask), query heads grouped
// onto KV heads, or MLA's latent feeding every head. Cross-attention has
// neither a mask beyond padding nor positions.
void attention(Canvas& c, const Theme& th, const Rect& r, const ModelSpec& s, const std::string& title, bool cross);
// The dense FFN, or the MoE layer: router, routed experts (groups bracketed),
// shared experts, top-k and capacity.
void feed_forward(Canvas& c, const Theme& th, const Rect& r, const ModelSpec& s, bool moe);

// Colours of the diagram's kinds of box.
struct Palette {
  Colour embed, norm, attention, ffn, moe, head, shared;
};
Palette palette(const Theme& th);

}  // namespace archscope::views::diagram
