// The frame around a view.
#include "app/render/view_frame.h"

#include "app/render/imgui_canvas.h"
#include "app/views/plot.h"

namespace archscope::render {

namespace {

ImVec4 im(views::Colour c) { return ImVec4(c.r, c.g, c.b, c.a); }

}  // namespace

void apply_theme(const views::Theme& theme, const Fonts& fonts) {
  ImGuiStyle style;
  ImGui::StyleColorsLight(&style);
  style.WindowPadding = ImVec2(theme.pad, theme.pad);
  style.FramePadding = ImVec2(theme.pad * 0.6f, theme.pad * 0.35f);
  style.ItemSpacing = ImVec2(theme.pad, theme.pad * 0.5f);
  style.FrameRounding = 3;
  style.GrabMinSize = theme.normal;
  style.FrameBorderSize = 1;
  style.Colors[ImGuiCol_WindowBg] = im(theme.background);
  style.Colors[ImGuiCol_Text] = im(theme.text);
  style.Colors[ImGuiCol_FrameBg] = im(theme.panel);
  style.Colors[ImGuiCol_Border] = im(theme.grid);
  style.Colors[ImGuiCol_CheckMark] = im(theme.accent);
  style.Colors[ImGuiCol_SliderGrab] = im(theme.accent);
  style.Colors[ImGuiCol_Button] = im(theme.panel);
  style.Colors[ImGuiCol_ButtonActive] = im(views::with_alpha(theme.accent, 0.5f));
  style.Colors[ImGuiCol_ButtonHovered] = im(views::with_alpha(theme.accent, 0.25f));
  style.Colors[ImGuiCol_Header] = im(views::with_alpha(theme.accent, 0.3f));
  ImGui::GetStyle() = style;
  ImGui::GetIO().FontDefault = fonts.regular(theme.normal);
}

void draw_view_frame(views::View& view, const views::Scene& scene, const views::Theme& theme,
                     const views::Actions& actions, const Fonts& fonts, ImGuiRenderer& renderer,
                     const FrameInput& input) {
  apply_theme(theme, fonts);
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin(view.id(), nullptr, flags);
  if (input.interactive) view.toolbar(scene, actions, theme);

  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  views::Rect area{{min.x, min.y}, {min.x + avail.x, min.y + avail.y}};
  ImDrawList* list = ImGui::GetWindowDrawList();
  ImGuiCanvas canvas(list, fonts, renderer);

  // The picture takes the pointer unless a toolbar widget or popup has it.
  const bool pointer_free = input.interactive && !ImGui::IsAnyItemHovered() && !ImGui::IsAnyItemActive() &&
                            ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);
  views::ViewContext ctx{canvas, theme, scene, area, pointer_free ? &input.pointer : nullptr, &actions, {}, input.hotspots};
  canvas.push_clip(area);
  view.draw(ctx);
  canvas.pop_clip();
  if (ctx.pointer && !ctx.tooltip.empty())
    views::draw_tooltip(canvas, theme, ctx.pointer->pos, ctx.tooltip, area);
  ImGui::Dummy(avail);
  ImGui::End();
}

}  // namespace archscope::render
