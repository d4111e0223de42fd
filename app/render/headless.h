// Drawing a view without a window: the same frame code as the window, on an
// offscreen target, read back as pixels. `archscope render`, the window's
// PNG export and the screenshot tests all come through here or through the
// same ImGuiRenderer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/render/fonts.h"
#include "app/render/imgui_renderer.h"
#include "app/render/render_device.h"
#include "app/views/view.h"
#include "compute/context.h"

namespace archscope::render {

struct Pixels {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;  // row-major, top row first
};

class HeadlessRenderer {
 public:
  explicit HeadlessRenderer(const gpu::ContextOptions& options = {});
  // Draws `view` at width x height and waits for the pixels.
  Pixels render(views::View& view, const views::Scene& scene, const views::Theme& theme, int width, int height);
  const gpu::Context& context() const { return *context_; }

 private:
  std::unique_ptr<gpu::Context> context_;
  std::unique_ptr<RenderDevice> device_;
  std::unique_ptr<Fonts> fonts_;
  std::unique_ptr<ImGuiRenderer> renderer_;
};

// Writes a PNG; throws InputError naming the file when it cannot be written
// (and leaves no partial file behind).
void write_png(const std::string& path, const Pixels& pixels);
// Writes text (CSV, JSON) with the same checks.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace archscope::render
