// What every view surface on one Vulkan device shares: the render pass of the
// offscreen targets, a descriptor pool, a pipeline cache, the command pool of
// the UI thread, and the heatmap pipeline that draws cell textures inside
// ImGui's draw lists.
#pragma once

#include <cstdint>
#include <functional>

#include "compute/context.h"

namespace archscope::render {

// Targets are plain RGBA8 UNORM: the colours ImGui and the colour maps produce
// are already display values, so no sRGB conversion may happen on the way.
constexpr vk::Format kTargetFormat = vk::Format::eR8G8B8A8Unorm;

class RenderDevice {
 public:
  explicit RenderDevice(const gpu::Context& context);
  RenderDevice(const RenderDevice&) = delete;
  RenderDevice& operator=(const RenderDevice&) = delete;

  const gpu::Context& context() const { return context_; }
  const vk::raii::Device& device() const { return context_.device(); }
  const vk::raii::RenderPass& render_pass() const { return render_pass_; }
  const vk::raii::DescriptorPool& descriptor_pool() const { return descriptor_pool_; }
  const vk::raii::PipelineCache& pipeline_cache() const { return pipeline_cache_; }
  const vk::raii::CommandPool& command_pool() const { return command_pool_; }

  // The heatmap pipeline: one combined image sampler at set 0, binding 0, and
  // the Quad push constants of shaders/ui/heatmap.vert.
  const vk::raii::DescriptorSetLayout& heatmap_set_layout() const { return heatmap_set_layout_; }
  const vk::raii::PipelineLayout& heatmap_layout() const { return heatmap_layout_; }
  const vk::raii::Pipeline& heatmap_pipeline() const { return heatmap_pipeline_; }
  const vk::raii::Sampler& nearest_sampler() const { return nearest_sampler_; }

  // Records commands into a fresh command buffer, submits and waits: for
  // one-off uploads (fonts, heatmap textures), never per frame.
  void run_now(const std::function<void(const vk::raii::CommandBuffer&)>& record) const;

  // A buffer and its host-visible, coherent memory.
  struct HostBuffer {
    vk::raii::Buffer buffer = nullptr;
    vk::raii::DeviceMemory memory = nullptr;
    void* mapped = nullptr;
    vk::DeviceSize size = 0;
  };
  HostBuffer host_buffer(vk::DeviceSize size, vk::BufferUsageFlags usage) const;

  // A 2D image in device-local memory, and a view of it.
  struct Image {
    vk::raii::Image image = nullptr;
    vk::raii::DeviceMemory memory = nullptr;
    vk::raii::ImageView view = nullptr;
  };
  Image image(uint32_t width, uint32_t height, vk::ImageUsageFlags usage) const;

 private:
  const gpu::Context& context_;
  vk::raii::RenderPass render_pass_ = nullptr;
  vk::raii::DescriptorPool descriptor_pool_ = nullptr;
  vk::raii::PipelineCache pipeline_cache_ = nullptr;
  vk::raii::CommandPool command_pool_ = nullptr;
  vk::raii::DescriptorSetLayout heatmap_set_layout_ = nullptr;
  vk::raii::PipelineLayout heatmap_layout_ = nullptr;
  vk::raii::Pipeline heatmap_pipeline_ = nullptr;
  vk::raii::Sampler nearest_sampler_ = nullptr;
};

// The push constants of the heatmap shaders.
struct HeatmapQuad {
  float scale[2];
  float translate[2];
  float rect_min[2];
  float rect_max[2];
};

}  // namespace archscope::render
