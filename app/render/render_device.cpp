// Shared render objects: render pass, pools, and the heatmap pipeline.
#include "app/render/render_device.h"

#include <span>
#include <string_view>

std::span<const uint32_t> ui_shader(std::string_view name);  // embedded by cmake/EmbedShaders.cmake

namespace archscope::render {

namespace {

vk::raii::RenderPass make_render_pass(const vk::raii::Device& device) {
  vk::AttachmentDescription colour({}, kTargetFormat, vk::SampleCountFlagBits::e1, vk::AttachmentLoadOp::eClear,
                                   vk::AttachmentStoreOp::eStore, vk::AttachmentLoadOp::eDontCare,
                                   vk::AttachmentStoreOp::eDontCare, vk::ImageLayout::eUndefined,
                                   vk::ImageLayout::eTransferSrcOptimal);
  vk::AttachmentReference ref(0, vk::ImageLayout::eColorAttachmentOptimal);
  vk::SubpassDescription subpass({}, vk::PipelineBindPoint::eGraphics, {}, ref);
  // Earlier copies out of the image finish before drawing; drawing finishes before the copy out.
  std::array<vk::SubpassDependency, 2> dependencies{
      vk::SubpassDependency(VK_SUBPASS_EXTERNAL, 0, vk::PipelineStageFlagBits::eTransfer,
                            vk::PipelineStageFlagBits::eColorAttachmentOutput, vk::AccessFlagBits::eTransferRead,
                            vk::AccessFlagBits::eColorAttachmentWrite),
      vk::SubpassDependency(0, VK_SUBPASS_EXTERNAL, vk::PipelineStageFlagBits::eColorAttachmentOutput,
                            vk::PipelineStageFlagBits::eTransfer, vk::AccessFlagBits::eColorAttachmentWrite,
                            vk::AccessFlagBits::eTransferRead)};
  return vk::raii::RenderPass(device, vk::RenderPassCreateInfo({}, colour, subpass, dependencies));
}

vk::raii::ShaderModule shader_module(const vk::raii::Device& device, std::string_view name) {
  std::span<const uint32_t> words = ui_shader(name);
  return vk::raii::ShaderModule(device, vk::ShaderModuleCreateInfo({}, words.size_bytes(), words.data()));
}

}  // namespace

RenderDevice::RenderDevice(const gpu::Context& context) : context_(context) {
  const vk::raii::Device& dev = context.device();
  render_pass_ = make_render_pass(dev);

  // Each view's ImGui font takes one set; every live heatmap texture takes one.
  vk::DescriptorPoolSize sizes(vk::DescriptorType::eCombinedImageSampler, 4096);
  descriptor_pool_ = vk::raii::DescriptorPool(
      dev, vk::DescriptorPoolCreateInfo(vk::DescriptorPoolCreateFlagBits::eFreeDescriptorSet, 4096, sizes));
  pipeline_cache_ = vk::raii::PipelineCache(dev, vk::PipelineCacheCreateInfo());
  command_pool_ = vk::raii::CommandPool(
      dev, vk::CommandPoolCreateInfo(vk::CommandPoolCreateFlagBits::eResetCommandBuffer, context.queue_family()));

  nearest_sampler_ = vk::raii::Sampler(
      dev, vk::SamplerCreateInfo({}, vk::Filter::eNearest, vk::Filter::eNearest, vk::SamplerMipmapMode::eNearest,
                                 vk::SamplerAddressMode::eClampToEdge, vk::SamplerAddressMode::eClampToEdge,
                                 vk::SamplerAddressMode::eClampToEdge));
  vk::DescriptorSetLayoutBinding binding(0, vk::DescriptorType::eCombinedImageSampler, 1,
                                         vk::ShaderStageFlagBits::eFragment);
  heatmap_set_layout_ = vk::raii::DescriptorSetLayout(dev, vk::DescriptorSetLayoutCreateInfo({}, binding));
  vk::PushConstantRange push(vk::ShaderStageFlagBits::eVertex, 0, sizeof(HeatmapQuad));
  vk::DescriptorSetLayout set_layout = *heatmap_set_layout_;
  heatmap_layout_ = vk::raii::PipelineLayout(dev, vk::PipelineLayoutCreateInfo({}, set_layout, push));

  vk::raii::ShaderModule vert = shader_module(dev, "heatmap.vert");
  vk::raii::ShaderModule frag = shader_module(dev, "heatmap.frag");
  std::array<vk::PipelineShaderStageCreateInfo, 2> stages{
      vk::PipelineShaderStageCreateInfo({}, vk::ShaderStageFlagBits::eVertex, *vert, "main"),
      vk::PipelineShaderStageCreateInfo({}, vk::ShaderStageFlagBits::eFragment, *frag, "main")};
  vk::PipelineVertexInputStateCreateInfo vertex_input;
  vk::PipelineInputAssemblyStateCreateInfo assembly({}, vk::PrimitiveTopology::eTriangleList);
  vk::PipelineViewportStateCreateInfo viewport({}, 1, nullptr, 1, nullptr);
  vk::PipelineRasterizationStateCreateInfo raster({}, false, false, vk::PolygonMode::eFill, vk::CullModeFlagBits::eNone,
                                                  vk::FrontFace::eCounterClockwise, false, 0, 0, 0, 1.0f);
  vk::PipelineMultisampleStateCreateInfo multisample({}, vk::SampleCountFlagBits::e1);
  vk::PipelineColorBlendAttachmentState blend(
      true, vk::BlendFactor::eSrcAlpha, vk::BlendFactor::eOneMinusSrcAlpha, vk::BlendOp::eAdd, vk::BlendFactor::eOne,
      vk::BlendFactor::eOneMinusSrcAlpha, vk::BlendOp::eAdd,
      vk::ColorComponentFlagBits::eR | vk::ColorComponentFlagBits::eG | vk::ColorComponentFlagBits::eB |
          vk::ColorComponentFlagBits::eA);
  vk::PipelineColorBlendStateCreateInfo blending({}, false, vk::LogicOp::eCopy, blend);
  std::array<vk::DynamicState, 2> dynamic{vk::DynamicState::eViewport, vk::DynamicState::eScissor};
  vk::PipelineDynamicStateCreateInfo dynamic_state({}, dynamic);
  vk::GraphicsPipelineCreateInfo info({}, stages, &vertex_input, &assembly, nullptr, &viewport, &raster, &multisample,
                                      nullptr, &blending, &dynamic_state, *heatmap_layout_, *render_pass_, 0);
  heatmap_pipeline_ = vk::raii::Pipeline(dev, pipeline_cache_, info);
}

void RenderDevice::run_now(const std::function<void(const vk::raii::CommandBuffer&)>& record) const {
  const vk::raii::Device& dev = context_.device();
  vk::raii::CommandBuffers buffers(dev, vk::CommandBufferAllocateInfo(*command_pool_, vk::CommandBufferLevel::ePrimary, 1));
  const vk::raii::CommandBuffer& cmd = buffers.front();
  cmd.begin(vk::CommandBufferBeginInfo(vk::CommandBufferUsageFlagBits::eOneTimeSubmit));
  record(cmd);
  cmd.end();
  vk::raii::Fence fence(dev, vk::FenceCreateInfo());
  vk::CommandBuffer raw = *cmd;
  context_.submit(vk::SubmitInfo({}, {}, raw), *fence);
  if (dev.waitForFences(*fence, true, UINT64_MAX) != vk::Result::eSuccess)
    throw gpu::DeviceError("Vulkan: an upload did not finish");
}

RenderDevice::HostBuffer RenderDevice::host_buffer(vk::DeviceSize size, vk::BufferUsageFlags usage) const {
  const vk::raii::Device& dev = context_.device();
  HostBuffer b;
  b.size = size;
  b.buffer = vk::raii::Buffer(dev, vk::BufferCreateInfo({}, size, usage));
  const auto needs = b.buffer.getMemoryRequirements();
  b.memory = vk::raii::DeviceMemory(
      dev, vk::MemoryAllocateInfo(needs.size, context_.memory_type(needs.memoryTypeBits,
                                                                   vk::MemoryPropertyFlagBits::eHostVisible |
                                                                       vk::MemoryPropertyFlagBits::eHostCoherent)));
  b.buffer.bindMemory(*b.memory, 0);
  b.mapped = b.memory.mapMemory(0, size);
  return b;
}

RenderDevice::Image RenderDevice::image(uint32_t width, uint32_t height, vk::ImageUsageFlags usage) const {
  const vk::raii::Device& dev = context_.device();
  Image img;
  img.image = vk::raii::Image(
      dev, vk::ImageCreateInfo({}, vk::ImageType::e2D, kTargetFormat, vk::Extent3D(width, height, 1), 1, 1,
                               vk::SampleCountFlagBits::e1, vk::ImageTiling::eOptimal, usage));
  const auto needs = img.image.getMemoryRequirements();
  img.memory = vk::raii::DeviceMemory(
      dev, vk::MemoryAllocateInfo(needs.size, context_.memory_type(needs.memoryTypeBits,
                                                                   vk::MemoryPropertyFlagBits::eDeviceLocal)));
  img.image.bindMemory(*img.memory, 0);
  img.view = vk::raii::ImageView(
      dev, vk::ImageViewCreateInfo({}, *img.image, vk::ImageViewType::e2D, kTargetFormat, {},
                                   vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1)));
  return img;
}

}  // namespace archscope::render
