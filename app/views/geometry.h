// Points, rectangles and colours of the views, on GLM's vectors.
#pragma once

#include <algorithm>

#include <glm/vec2.hpp>
#include <glm/vec4.hpp>

namespace archscope::views {

using Vec2 = glm::vec2;
using Colour = glm::vec4;  // straight (not premultiplied) RGBA in [0, 1], display-referred

struct Rect {
  Vec2 min{0, 0};
  Vec2 max{0, 0};

  static Rect from_size(Vec2 pos, Vec2 size) { return {pos, pos + size}; }
  float width() const { return max.x - min.x; }
  float height() const { return max.y - min.y; }
  Vec2 size() const { return max - min; }
  Vec2 centre() const { return (min + max) * 0.5f; }
  bool empty() const { return width() <= 0 || height() <= 0; }
  bool contains(Vec2 p) const { return p.x >= min.x && p.x < max.x && p.y >= min.y && p.y < max.y; }
  Rect inset(float d) const { return {min + Vec2(d), max - Vec2(d)}; }
  Rect inset(float x, float y) const { return {min + Vec2(x, y), max - Vec2(x, y)}; }
  // Splits off the top `h` pixels (or the left `w`), returning them and keeping the rest.
  Rect take_top(float h) {
    Rect top{min, {max.x, std::min(max.y, min.y + h)}};
    min.y = top.max.y;
    return top;
  }
  Rect take_bottom(float h) {
    Rect bottom{{min.x, std::max(min.y, max.y - h)}, max};
    max.y = bottom.min.y;
    return bottom;
  }
  Rect take_left(float w) {
    Rect left{min, {std::min(max.x, min.x + w), max.y}};
    min.x = left.max.x;
    return left;
  }
  Rect take_right(float w) {
    Rect right{{std::max(min.x, max.x - w), min.y}, max};
    max.x = right.min.x;
    return right;
  }
};

// Colour from 0xRRGGBB.
constexpr Colour rgb(unsigned hex, float alpha = 1.0f) {
  return {((hex >> 16) & 0xFF) / 255.0f, ((hex >> 8) & 0xFF) / 255.0f, (hex & 0xFF) / 255.0f, alpha};
}

inline Colour with_alpha(Colour c, float a) { return {c.r, c.g, c.b, a}; }

}  // namespace archscope::views
