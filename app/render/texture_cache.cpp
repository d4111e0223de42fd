// Texture creation, upload recording and eviction.
#include "app/render/texture_cache.h"

#include <algorithm>
#include <cstring>

namespace archscope::render {

namespace {

// Textures not drawn for this many frames are freed; so is the oldest one while
// the cache holds more than the budget.
constexpr uint64_t kIdleFrames = 600;
constexpr uint64_t kBudgetBytes = 256ull << 20;

void transition(const vk::raii::CommandBuffer& cmd, vk::Image image, vk::ImageLayout from, vk::ImageLayout to,
                vk::AccessFlags src_access, vk::AccessFlags dst_access, vk::PipelineStageFlags src_stage,
                vk::PipelineStageFlags dst_stage) {
  vk::ImageMemoryBarrier barrier(src_access, dst_access, from, to, VK_QUEUE_FAMILY_IGNORED, VK_QUEUE_FAMILY_IGNORED,
                                 image, vk::ImageSubresourceRange(vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1));
  cmd.pipelineBarrier(src_stage, dst_stage, {}, {}, {}, barrier);
}

}  // namespace

TextureCache::TextureCache(const RenderDevice& device) : device_(device) {}

vk::DescriptorSet TextureCache::get(uint64_t key, int width, int height, const Fill& fill) {
  auto it = textures_.find(key);
  if (it != textures_.end() && it->second.width == width && it->second.height == height) {
    it->second.last_used = frame_;
    return *it->second.set;
  }
  if (it != textures_.end()) {
    bytes_ -= it->second.bytes;
    textures_.erase(it);  // not drawn by an in-flight frame: frames wait for the previous one
  }
  Texture t;
  t.width = width;
  t.height = height;
  t.bytes = static_cast<uint64_t>(width) * height * 4;
  t.last_used = frame_;
  t.image = device_.image(width, height, vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eTransferDst);

  Upload up;
  up.staging = device_.host_buffer(t.bytes, vk::BufferUsageFlagBits::eTransferSrc);
  fill(static_cast<uint8_t*>(up.staging.mapped));
  up.image = *t.image.image;
  up.width = width;
  up.height = height;
  queued_.push_back(std::move(up));

  vk::DescriptorSetLayout layout = *device_.heatmap_set_layout();
  vk::raii::DescriptorSets sets(device_.device(), vk::DescriptorSetAllocateInfo(*device_.descriptor_pool(), layout));
  t.set = std::move(sets.front());
  vk::DescriptorImageInfo image_info(*device_.nearest_sampler(), *t.image.view, vk::ImageLayout::eShaderReadOnlyOptimal);
  device_.device().updateDescriptorSets(
      vk::WriteDescriptorSet(*t.set, 0, 0, vk::DescriptorType::eCombinedImageSampler, image_info), {});
  bytes_ += t.bytes;
  vk::DescriptorSet set = *t.set;
  textures_.emplace(key, std::move(t));
  return set;
}

void TextureCache::record_uploads(const vk::raii::CommandBuffer& cmd) {
  for (Upload& up : queued_) {
    transition(cmd, up.image, vk::ImageLayout::eUndefined, vk::ImageLayout::eTransferDstOptimal, {},
               vk::AccessFlagBits::eTransferWrite, vk::PipelineStageFlagBits::eTopOfPipe,
               vk::PipelineStageFlagBits::eTransfer);
    vk::BufferImageCopy region(0, 0, 0, vk::ImageSubresourceLayers(vk::ImageAspectFlagBits::eColor, 0, 0, 1),
                               {0, 0, 0}, vk::Extent3D(up.width, up.height, 1));
    cmd.copyBufferToImage(*up.staging.buffer, up.image, vk::ImageLayout::eTransferDstOptimal, region);
    transition(cmd, up.image, vk::ImageLayout::eTransferDstOptimal, vk::ImageLayout::eShaderReadOnlyOptimal,
               vk::AccessFlagBits::eTransferWrite, vk::AccessFlagBits::eShaderRead,
               vk::PipelineStageFlagBits::eTransfer, vk::PipelineStageFlagBits::eFragmentShader);
    in_flight_.push_back(std::move(up));
  }
  queued_.clear();
}

void TextureCache::end_frame() {
  in_flight_.clear();
  ++frame_;
  for (auto it = textures_.begin(); it != textures_.end();) {
    if (frame_ - it->second.last_used > kIdleFrames) {
      bytes_ -= it->second.bytes;
      it = textures_.erase(it);
    } else {
      ++it;
    }
  }
  while (bytes_ > kBudgetBytes && textures_.size() > 1) {
    auto oldest = std::min_element(textures_.begin(), textures_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    if (oldest->second.last_used + 1 >= frame_) break;  // everything left was drawn in the last frame
    bytes_ -= oldest->second.bytes;
    textures_.erase(oldest);
  }
}

}  // namespace archscope::render
