// Heatmap textures: one texel per cell, uploaded once per content key and
// kept while views keep drawing them. Uploads are recorded into the frame's
// own command buffer, so making a texture never waits on the device.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "app/render/render_device.h"

namespace archscope::render {

class TextureCache {
 public:
  explicit TextureCache(const RenderDevice& device);

  // Fills `rgba` (width * height * 4 bytes) for a texture that is not cached yet.
  using Fill = std::function<void(uint8_t* rgba)>;

  // The descriptor set of the texture for `key`, created (and its upload
  // queued) on first use. Size changes under the same key make a new texture.
  vk::DescriptorSet get(uint64_t key, int width, int height, const Fill& fill);

  // Records the queued uploads; call before the render pass of the frame that
  // draws them.
  void record_uploads(const vk::raii::CommandBuffer& cmd);
  // After that frame's fence: frees staging memory and textures not drawn for
  // a while, keeping the cache under its byte budget.
  void end_frame();

  size_t size() const { return textures_.size(); }

 private:
  struct Texture {
    RenderDevice::Image image;
    vk::raii::DescriptorSet set = nullptr;
    int width = 0, height = 0;
    uint64_t last_used = 0;
    uint64_t bytes = 0;
  };
  struct Upload {
    RenderDevice::HostBuffer staging;
    vk::Image image;
    int width = 0, height = 0;
  };

  const RenderDevice& device_;
  std::unordered_map<uint64_t, Texture> textures_;
  std::vector<Upload> queued_, in_flight_;
  uint64_t frame_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace archscope::render
