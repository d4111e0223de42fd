// The views' Canvas on an ImGui draw list: shapes and text go into the list,
// heatmap images become textures drawn through the renderer's callback.
#pragma once

#include <imgui.h>

#include "app/render/fonts.h"
#include "app/render/imgui_renderer.h"
#include "app/views/canvas.h"

namespace archscope::render {

class ImGuiCanvas final : public views::Canvas {
 public:
  ImGuiCanvas(ImDrawList* list, const Fonts& fonts, ImGuiRenderer& renderer)
      : list_(list), fonts_(fonts), renderer_(renderer) {}

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
  ImFont* font(const views::TextStyle& style) const;

  ImDrawList* list_;
  const Fonts& fonts_;
  ImGuiRenderer& renderer_;
};

}  // namespace archscope::render
