// Offscreen ImGui frames: record, submit, poll, read back.
#include "app/render/imgui_renderer.h"

#include <algorithm>
#include <cstring>

#include <backends/imgui_impl_vulkan.h>

namespace archscope::render {

namespace {

void check_vk(VkResult result) {
  if (result != VK_SUCCESS) throw gpu::DeviceError("ImGui's Vulkan backend: VkResult " + std::to_string(result));
}

// Makes a context current for the lifetime of the guard and restores the old
// one, unless the old one is the context being destroyed: ImGui's allocator
// counts allocations in the current context, so a dangling current context
// corrupts the heap at the next allocation.
class CurrentContext {
 public:
  explicit CurrentContext(ImGuiContext* c, bool destroying = false)
      : previous_(ImGui::GetCurrentContext()), destroying_(destroying ? c : nullptr) {
    ImGui::SetCurrentContext(c);
  }
  ~CurrentContext() { ImGui::SetCurrentContext(previous_ == destroying_ ? nullptr : previous_); }

 private:
  ImGuiContext* previous_;
  ImGuiContext* destroying_;
};

}  // namespace

ImGuiRenderer::ImGuiRenderer(const RenderDevice& device, ImFontAtlas* fonts)
    : device_(device), textures_(device) {
  context_ = ImGui::CreateContext(fonts);
  CurrentContext current(context_);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout lives in the app's settings, not in imgui.ini
  io.LogFilename = nullptr;

  const gpu::Context& ctx = device.context();
  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = *ctx.instance();
  info.PhysicalDevice = *ctx.physical_device();
  info.Device = *ctx.device();
  info.QueueFamily = ctx.queue_family();
  info.Queue = ctx.queue_handle();
  info.PipelineCache = *device.pipeline_cache();
  info.DescriptorPool = *device.descriptor_pool();
  info.Subpass = 0;
  info.MinImageCount = 2;
  info.ImageCount = 2;  // one frame in flight: the backend's two vertex-buffer sets never overlap
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.CheckVkResultFn = check_vk;
  if (!ImGui_ImplVulkan_Init(&info, *device.render_pass()))
    throw gpu::DeviceError("ImGui's Vulkan backend did not initialise");
  device.run_now([](const vk::raii::CommandBuffer& cmd) { ImGui_ImplVulkan_CreateFontsTexture(*cmd); });
  ImGui_ImplVulkan_DestroyFontUploadObjects();

  commands_ = vk::raii::CommandBuffers(
      device.device(), vk::CommandBufferAllocateInfo(*device.command_pool(), vk::CommandBufferLevel::ePrimary, 1));
  fence_ = vk::raii::Fence(device.device(), vk::FenceCreateInfo());
}

ImGuiRenderer::~ImGuiRenderer() {
  if (in_flight_) (void)device_.device().waitForFences(*fence_, true, UINT64_MAX);
  CurrentContext current(context_, /*destroying=*/true);
  ImGui_ImplVulkan_Shutdown();
  ImGui::DestroyContext(context_);
}

void ImGuiRenderer::make_target(int width, int height) {
  target_ = Target{};
  target_.width = width;
  target_.height = height;
  target_.colour = device_.image(width, height,
                                 vk::ImageUsageFlagBits::eColorAttachment | vk::ImageUsageFlagBits::eTransferSrc);
  vk::ImageView view = *target_.colour.view;
  target_.framebuffer = vk::raii::Framebuffer(
      device_.device(), vk::FramebufferCreateInfo({}, *device_.render_pass(), view, width, height, 1));
  target_.readback = device_.host_buffer(static_cast<vk::DeviceSize>(width) * height * 4,
                                         vk::BufferUsageFlagBits::eTransferDst);
}

void ImGuiRenderer::begin_frame(int width, int height, float delta_seconds) {
  if (in_flight_) wait();
  width = std::max(width, 1);
  height = std::max(height, 1);
  if (width != target_.width || height != target_.height) make_target(width, height);
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
  io.DeltaTime = std::max(delta_seconds, 1e-4f);
  ImGui_ImplVulkan_NewFrame();
  ImGui::NewFrame();
}

void ImGuiRenderer::submit(const ImVec4& clear) {
  ImGui::SetCurrentContext(context_);
  ImGui::Render();
  ImDrawData* draw = ImGui::GetDrawData();

  const vk::raii::CommandBuffer& cmd = commands_.front();
  cmd.reset();
  cmd.begin(vk::CommandBufferBeginInfo(vk::CommandBufferUsageFlagBits::eOneTimeSubmit));
  textures_.record_uploads(cmd);
  vk::ClearValue clear_value(vk::ClearColorValue(std::array<float, 4>{clear.x, clear.y, clear.z, clear.w}));
  vk::Rect2D area({0, 0}, vk::Extent2D(target_.width, target_.height));
  cmd.beginRenderPass(vk::RenderPassBeginInfo(*device_.render_pass(), *target_.framebuffer, area, clear_value),
                      vk::SubpassContents::eInline);
  recording_ = &cmd;
  ImGui_ImplVulkan_RenderDrawData(draw, *cmd);
  recording_ = nullptr;
  cmd.endRenderPass();
  // The render pass leaves the image in TRANSFER_SRC_OPTIMAL.
  vk::BufferImageCopy region(0, 0, 0, vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, 0, 0, 1), {0, 0, 0},
                             vk::Extent3D(target_.width, target_.height, 1));
  cmd.copyImageToBuffer(*target_.colour.image, vk::ImageLayout::eTransferSrcOptimal, *target_.readback.buffer, region);
  vk::BufferMemoryBarrier to_host(vk::AccessFlagBits::eTransferWrite, vk::AccessFlagBits::eHostRead,
                                  VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED, *target_.readback.buffer, 0,
                                  VK_WHOLE_SIZE);
  cmd.pipelineBarrier(vk::PipelineStageFlagBits::eTransfer, vk::PipelineStageFlagBits::eHost, {}, {}, to_host, {});
  cmd.end();

  device_.device().resetFences(*fence_);
  vk::CommandBuffer raw = *cmd;
  device_.context().submit(vk::SubmitInfo({}, {}, raw), *fence_);
  in_flight_ = true;
}

bool ImGuiRenderer::busy() {
  if (!in_flight_) return false;
  if (fence_.getStatus() != vk::Result::eSuccess) return true;
  finish_frame();
  return false;
}

void ImGuiRenderer::wait() {
  if (!in_flight_) return;
  if (device_.device().waitForFences(*fence_, true, UINT64_MAX) != vk::Result::eSuccess)
    throw gpu::DeviceError("Vulkan: a frame did not finish");
  finish_frame();
}

void ImGuiRenderer::finish_frame() {
  in_flight_ = false;
  const size_t bytes = static_cast<size_t>(target_.width) * target_.height * 4;
  pixels_.resize(bytes);
  std::memcpy(pixels_.data(), target_.readback.mapped, bytes);
  pixel_width_ = target_.width;
  pixel_height_ = target_.height;
  texture_draws_.clear();
  textures_.end_frame();
  ++frames_done_;
}

void ImGuiRenderer::draw_texture(ImDrawList* list, vk::DescriptorSet set, const ImVec2& min, const ImVec2& max) {
  texture_draws_.push_back(std::make_unique<TextureDraw>(TextureDraw{this, set, min, max}));
  list->AddCallback(&ImGuiRenderer::draw_texture_callback, texture_draws_.back().get());
  list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

void ImGuiRenderer::draw_texture_callback(const ImDrawList*, const ImDrawCmd* pcmd) {
  const auto* draw = static_cast<const TextureDraw*>(pcmd->UserCallbackData);
  ImGuiRenderer& self = *draw->renderer;
  const vk::raii::CommandBuffer& cmd = *self.recording_;
  const RenderDevice& dev = self.device_;
  const ImDrawData* data = ImGui::GetDrawData();
  const float w = data->DisplaySize.x, h = data->DisplaySize.y;

  // Clip like ImGui does: the command's clip rectangle, inside the framebuffer.
  const ImVec2 off = data->DisplayPos;
  const float x0 = std::max(pcmd->ClipRect.x - off.x, 0.0f), y0 = std::max(pcmd->ClipRect.y - off.y, 0.0f);
  const float x1 = std::min(pcmd->ClipRect.z - off.x, w), y1 = std::min(pcmd->ClipRect.w - off.y, h);
  if (x1 <= x0 || y1 <= y0) return;

  cmd.bindPipeline(vk::PipelineBindPoint::eGraphics, *dev.heatmap_pipeline());
  cmd.bindDescriptorSets(vk::PipelineBindPoint::eGraphics, *dev.heatmap_layout(), 0, draw->set, {});
  cmd.setViewport(0, vk::Viewport(0, 0, w, h, 0, 1));
  cmd.setScissor(0, vk::Rect2D({static_cast<int32_t>(x0), static_cast<int32_t>(y0)},
                               {static_cast<uint32_t>(x1 - x0), static_cast<uint32_t>(y1 - y0)}));
  HeatmapQuad quad{{2.0f / w, 2.0f / h},
                   {-1.0f - off.x * 2.0f / w, -1.0f - off.y * 2.0f / h},
                   {draw->min.x, draw->min.y},
                   {draw->max.x, draw->max.y}};
  cmd.pushConstants<HeatmapQuad>(*dev.heatmap_layout(), vk::ShaderStageFlagBits::eVertex, 0, quad);
  cmd.draw(6, 1, 0, 0);
}

}  // namespace archscope::render
