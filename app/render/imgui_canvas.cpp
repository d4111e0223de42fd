// Canvas calls as ImDrawList primitives.
#include "app/render/imgui_canvas.h"

#include <vector>

namespace archscope::render {

namespace {

ImU32 col(views::Colour c) { return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, c.a)); }
ImVec2 im(views::Vec2 v) { return ImVec2(v.x, v.y); }

}  // namespace

void ImGuiCanvas::fill_rect(const views::Rect& r, views::Colour c, float rounding) {
  list_->AddRectFilled(im(r.min), im(r.max), col(c), rounding);
}

void ImGuiCanvas::stroke_rect(const views::Rect& r, views::Colour c, float thickness, float rounding) {
  // ImGui strokes centred on the edge; inset by half so the stroke stays inside r like QPainter's.
  const float h = thickness / 2;
  list_->AddRect(ImVec2(r.min.x + h, r.min.y + h), ImVec2(r.max.x - h, r.max.y - h), col(c), rounding, 0, thickness);
}

void ImGuiCanvas::line(views::Vec2 a, views::Vec2 b, views::Colour c, float thickness) {
  list_->AddLine(im(a), im(b), col(c), thickness);
}

void ImGuiCanvas::fill_convex(std::span<const views::Vec2> corners, views::Colour c) {
  std::vector<ImVec2> points;
  points.reserve(corners.size());
  for (auto p : corners) points.push_back(im(p));
  list_->AddConvexPolyFilled(points.data(), static_cast<int>(points.size()), col(c));
}

void ImGuiCanvas::fill_circle(views::Vec2 centre, float radius, views::Colour c) {
  list_->AddCircleFilled(im(centre), radius, col(c));
}

void ImGuiCanvas::stroke_circle(views::Vec2 centre, float radius, views::Colour c, float thickness) {
  list_->AddCircle(im(centre), radius, col(c), 0, thickness);
}

ImFont* ImGuiCanvas::font(const views::TextStyle& style) const {
  return style.weight == views::Weight::Bold ? fonts_.bold(style.size) : fonts_.regular(style.size);
}

void ImGuiCanvas::text(views::Vec2 pos, std::string_view s, const views::TextStyle& style, bool vertical) {
  ImFont* f = font(style);
  if (!vertical) {
    list_->AddText(f, style.size, im(pos), col(style.colour), s.data(), s.data() + s.size());
    return;
  }
  // Lay the text out horizontally from the bottom-left corner of its turned box,
  // then turn the new vertices a quarter turn counter-clockwise about that corner.
  const views::Vec2 size = text_size(s, style);
  const ImVec2 pivot(pos.x, pos.y + size.x);
  const int first = list_->VtxBuffer.Size;
  list_->AddText(f, style.size, pivot, col(style.colour), s.data(), s.data() + s.size());
  for (int i = first; i < list_->VtxBuffer.Size; ++i) {
    ImVec2& p = list_->VtxBuffer[i].pos;
    const float dx = p.x - pivot.x, dy = p.y - pivot.y;
    p = ImVec2(pivot.x + dy, pivot.y - dx);
  }
}

views::Vec2 ImGuiCanvas::text_size(std::string_view s, const views::TextStyle& style) const {
  const ImVec2 size = font(style)->CalcTextSizeA(style.size, FLT_MAX, 0.0f, s.data(), s.data() + s.size());
  return {size.x, size.y};
}

void ImGuiCanvas::image(const views::Rect& r, uint64_t key, int width, int height, const ImageFill& fill) {
  if (width <= 0 || height <= 0 || r.empty()) return;
  vk::DescriptorSet set = renderer_.textures().get(key, width, height, fill);
  renderer_.draw_texture(list_, set, im(r.min), im(r.max));
}

void ImGuiCanvas::push_clip(const views::Rect& r) { list_->PushClipRect(im(r.min), im(r.max), true); }

void ImGuiCanvas::pop_clip() { list_->PopClipRect(); }

}  // namespace archscope::render
