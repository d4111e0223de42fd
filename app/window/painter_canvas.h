// The views' Canvas on a QPainter: SVG export (through QSvgGenerator) and the
// window's software path when there is no Vulkan device.
#pragma once

#include <QFont>
#include <QPainter>

#include "app/views/canvas.h"

namespace archscope::window {

class PainterCanvas final : public views::Canvas {
 public:
  explicit PainterCanvas(QPainter& painter);

  void fill_rect(const views::Rect& r, views::Colour c, float rounding) override;
  void stroke_rect(const views::Rect& r, views::Colour c, float thickness, float rounding) override;
  void line(views::Vec2 a, views::Vec2 b, views::Colour c, float thickness) override;
  void fill_convex(std::span<const views::Vec2> corners, views::Colour c) override;
  void fill_circle(views::Vec2 centre, float radius, views::Colour c) override;
  void stroke_circle(views::Vec2 centre, float radius, views::Colour c, float thickness) override;
  void text(views::Vec2 pos, std::string_view s, const views::TextStyle& style, bool vertical) override;
  views::Vec2 text_size(std::string_view s, const views::TextStyle& style) const override;
  void image(const views::Rect& r, uint64_t key, int width, int height, const ImageFill& fill) override;
  void push_clip(const views::Rect& r) override;
  void pop_clip() override;

 private:
  QFont font(const views::TextStyle& style) const;
  QPainter& painter_;
};

}  // namespace archscope::window
