// One view as one ImGui frame: a borderless window filling the surface, the
// view's toolbar widgets (interactive surfaces only), its picture on the
// canvas, and the tooltip the view asked for.
#pragma once

#include "app/render/fonts.h"
#include "app/render/imgui_renderer.h"
#include "app/views/view.h"

namespace archscope::render {

struct FrameInput {
  views::Pointer pointer;
  bool interactive = true;  // false for exports: no toolbar, no hover
  std::vector<std::pair<std::string, views::Rect>>* hotspots = nullptr;  // filled when given
};

// Between renderer.begin_frame() and renderer.submit().
void draw_view_frame(views::View& view, const views::Scene& scene, const views::Theme& theme,
                     const views::Actions& actions, const Fonts& fonts, ImGuiRenderer& renderer,
                     const FrameInput& input);

// ImGui's own colours and sizes for a theme (the toolbar widgets).
void apply_theme(const views::Theme& theme, const Fonts& fonts);

}  // namespace archscope::render
