// Compute pipelines made once per shader and specialisation and kept for the
// backend's life. Every pipeline has the same shape of interface: storage
// buffers at bindings 0..n-1 of set 0 and up to 128 bytes of push constants.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <vulkan/vulkan_raii.hpp>

namespace archscope::gpu {

class Context;

constexpr uint32_t kPushConstantBytes = 128;

struct Pipeline {
  vk::raii::DescriptorSetLayout set_layout = nullptr;
  vk::raii::PipelineLayout layout = nullptr;
  vk::raii::Pipeline pipeline = nullptr;
  uint32_t bindings = 0;
};

class PipelineCache {
 public:
  explicit PipelineCache(const Context& context);
  // The pipeline of `shader` (a file name under shaders/compute) with these
  // specialisation constants (ids 0, 1, ... each 32 bits) and `bindings`
  // storage buffers; made on first use.
  const Pipeline& get(const std::string& shader, const std::vector<uint32_t>& spec, uint32_t bindings);
  size_t size() const { return pipelines_.size(); }

 private:
  const Context& context_;
  vk::raii::PipelineCache cache_ = nullptr;
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace archscope::gpu
