// One Dear ImGui context drawn offscreen on the app's Vulkan device: the frame
// is rendered into an image, copied to host memory and handed out as RGBA
// pixels, which the window paints and the exports save. One frame is in flight
// at a time; the caller polls for it instead of waiting.
#pragma once

#include <cstdint>
#include <vector>

#include <imgui.h>

#include "app/render/render_device.h"
#include "app/render/texture_cache.h"

namespace archscope::render {

class ImGuiRenderer {
 public:
  // `fonts` is shared by every renderer and must outlive them (see fonts.h).
  ImGuiRenderer(const RenderDevice& device, ImFontAtlas* fonts);
  ~ImGuiRenderer();
  ImGuiRenderer(const ImGuiRenderer&) = delete;
  ImGuiRenderer& operator=(const ImGuiRenderer&) = delete;

  ImGuiContext* context() const { return context_; }
  TextureCache& textures() { return textures_; }

  // Makes this context current and starts an ImGui frame of width x height
  // pixels. The previous frame must have finished (see busy()).
  void begin_frame(int width, int height, float delta_seconds);
  // Ends the ImGui frame, records the draw and the copy-out, and submits them.
  void submit(const ImVec4& clear_colour);
  // Is a submitted frame still being drawn? Never blocks.
  bool busy();
  // Blocks until the submitted frame is done (headless rendering and tests).
  void wait();

  // The last finished frame: RGBA8, row-major, width * height * 4 bytes.
  const std::vector<uint8_t>& pixels() const { return pixels_; }
  int width() const { return pixel_width_; }
  int height() const { return pixel_height_; }
  // How many frames have finished; views and tests use it to know a frame is new.
  uint64_t frames_done() const { return frames_done_; }

  // Draws a heatmap texture into `list` at `rect` (display coordinates),
  // clipped like the list's current clip rectangle.
  void draw_texture(ImDrawList* list, vk::DescriptorSet set, const ImVec2& min, const ImVec2& max);

 private:
  struct Target {
    RenderDevice::Image colour;
    vk::raii::Framebuffer framebuffer = nullptr;
    RenderDevice::HostBuffer readback;
    int width = 0, height = 0;
  };
  struct TextureDraw {
    ImGuiRenderer* renderer;
    vk::DescriptorSet set;
    ImVec2 min, max;
  };
  static void draw_texture_callback(const ImDrawList* list, const ImDrawCmd* cmd);
  void make_target(int width, int height);
  void finish_frame();

  const RenderDevice& device_;
  ImGuiContext* context_ = nullptr;
  TextureCache textures_;
  Target target_;
  vk::raii::CommandBuffers commands_ = nullptr;
  vk::raii::Fence fence_ = nullptr;
  bool in_flight_ = false;
  const vk::raii::CommandBuffer* recording_ = nullptr;  // valid while the draw data is recorded
  std::vector<std::unique_ptr<TextureDraw>> texture_draws_;
  std::vector<uint8_t> pixels_;
  int pixel_width_ = 0, pixel_height_ = 0;
  uint64_t frames_done_ = 0;
};

}  // namespace archscope::render
