// Pipelines keyed by shader, specialisation and binding count; SPIR-V comes
// from the shaders embedded at build time (cmake/EmbedShaders.cmake).
#include "compute/pipeline_cache.h"

#include <span>
#include <string_view>

#include "compute/context.h"

std::span<const uint32_t> compute_shader(std::string_view name);  // generated

namespace archscope::gpu {

PipelineCache::PipelineCache(const Context& context) : context_(context) {
  cache_ = vk::raii::PipelineCache(context.device(), vk::PipelineCacheCreateInfo());
}

const Pipeline& PipelineCache::get(const std::string& shader, const std::vector<uint32_t>& spec, uint32_t bindings) {
  std::string key = shader + "/" + std::to_string(bindings);
  for (uint32_t v : spec) key += "/" + std::to_string(v);
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return *it->second;

  const vk::raii::Device& device = context_.device();
  auto p = std::make_unique<Pipeline>();
  p->bindings = bindings;
  std::vector<vk::DescriptorSetLayoutBinding> slots;
  for (uint32_t b = 0; b < bindings; ++b)
    slots.emplace_back(b, vk::DescriptorType::eStorageBuffer, 1, vk::ShaderStageFlagBits::eCompute);
  p->set_layout = vk::raii::DescriptorSetLayout(device, vk::DescriptorSetLayoutCreateInfo({}, slots));
  const vk::PushConstantRange push(vk::ShaderStageFlagBits::eCompute, 0, kPushConstantBytes);
  const vk::DescriptorSetLayout set_layout = *p->set_layout;
  p->layout = vk::raii::PipelineLayout(device, vk::PipelineLayoutCreateInfo({}, set_layout, push));

  std::span<const uint32_t> code;
  try {
    code = compute_shader(shader);
  } catch (const std::out_of_range& e) {
    throw std::logic_error(e.what());  // a misspelt shader name: a bug, not input
  }
  vk::raii::ShaderModule module(device, vk::ShaderModuleCreateInfo({}, code.size_bytes(), code.data()));
  std::vector<vk::SpecializationMapEntry> entries;
  for (uint32_t i = 0; i < spec.size(); ++i) entries.emplace_back(i, i * 4, 4);
  const vk::SpecializationInfo specialization(static_cast<uint32_t>(entries.size()), entries.data(),
                                              spec.size() * 4, spec.data());
  const vk::PipelineShaderStageCreateInfo stage({}, vk::ShaderStageFlagBits::eCompute, *module, "main",
                                                spec.empty() ? nullptr : &specialization);
  p->pipeline = vk::raii::Pipeline(device, cache_, vk::ComputePipelineCreateInfo({}, stage, *p->layout));
  return *pipelines_.emplace(key, std::move(p)).first->second;
}

}  // namespace archscope::gpu
