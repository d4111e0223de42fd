// The drawing surface every view paints on. The window backs it with ImGui's
// draw lists on the Vulkan device; SVG export and the no-Vulkan fallback back
// it with QPainter. Views therefore draw the same picture everywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "app/views/geometry.h"

namespace archscope::views {

enum class Weight { Regular, Bold };

struct TextStyle {
  float size = 16;  // pixels
  Colour colour{0, 0, 0, 1};
  Weight weight = Weight::Regular;
};

// Where a point sits on the text's box, for text_at().
enum class Anchor { TopLeft, Top, TopRight, Left, Centre, Right, BottomLeft, Bottom, BottomRight };

class Canvas {
 public:
  virtual ~Canvas() = default;

  virtual void fill_rect(const Rect& r, Colour c, float rounding = 0) = 0;
  virtual void stroke_rect(const Rect& r, Colour c, float thickness = 1, float rounding = 0) = 0;
  virtual void line(Vec2 a, Vec2 b, Colour c, float thickness = 1) = 0;
  // A convex polygon, corners in order.
  virtual void fill_convex(std::span<const Vec2> corners, Colour c) = 0;
  virtual void fill_circle(Vec2 centre, float radius, Colour c) = 0;
  virtual void stroke_circle(Vec2 centre, float radius, Colour c, float thickness = 1) = 0;
  // Text whose box has its top-left corner at `pos`; `vertical` turns it to
  // read upwards, the box then being text_size() transposed.
  virtual void text(Vec2 pos, std::string_view s, const TextStyle& style, bool vertical = false) = 0;
  virtual Vec2 text_size(std::string_view s, const TextStyle& style) const = 0;

  // An image of width x height cells, stretched over `r` with nearest
  // sampling. `key` names the content: the same key must always mean the same
  // cells, so a surface that caches textures can skip `fill` (which writes
  // width * height RGBA8 pixels, row-major, top row first).
  using ImageFill = std::function<void(uint8_t* rgba)>;
  virtual void image(const Rect& r, uint64_t key, int width, int height, const ImageFill& fill) = 0;

  virtual void push_clip(const Rect& r) = 0;
  virtual void pop_clip() = 0;
};

// Draws `s` so that the point `at` sits at `anchor` of its box.
void text_at(Canvas& canvas, Vec2 at, Anchor anchor, std::string_view s, const TextStyle& style);
// Shortens `s` with a trailing "…" until it fits `width` pixels.
std::string fit_text(const Canvas& canvas, std::string_view s, const TextStyle& style, float width);

}  // namespace archscope::views
