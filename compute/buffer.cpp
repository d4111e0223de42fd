// Buffers and their memory: one allocation per buffer, mapped for its whole
// life when host-visible.
#include "compute/buffer.h"

#include <algorithm>

#include "compute/context.h"

namespace archscope::gpu {

namespace {

constexpr vk::MemoryPropertyFlags kHostCoherent =
    vk::MemoryPropertyFlagBits::eHostVisible | vk::MemoryPropertyFlagBits::eHostCoherent;

}  // namespace

bool is_unified(const Context& context) {
  const auto type = context.physical_device().getProperties().deviceType;
  if (type != vk::PhysicalDeviceType::eCpu && type != vk::PhysicalDeviceType::eIntegratedGpu) return false;
  const auto memory = context.physical_device().getMemoryProperties();
  const auto wanted = vk::MemoryPropertyFlagBits::eDeviceLocal | kHostCoherent;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
    if ((memory.memoryTypes[i].propertyFlags & wanted) == wanted) return true;
  return false;
}

Buffer::Buffer(const Context& context, uint64_t bytes, BufferKind kind, bool unified)
    : bytes_(std::max<uint64_t>(bytes, 4)) {
  const vk::raii::Device& device = context.device();
  const auto usage = vk::BufferUsageFlagBits::eStorageBuffer | vk::BufferUsageFlagBits::eTransferSrc |
                     vk::BufferUsageFlagBits::eTransferDst;
  buffer_ = vk::raii::Buffer(device, vk::BufferCreateInfo({}, bytes_, usage, vk::SharingMode::eExclusive));
  const vk::MemoryRequirements needs = buffer_.getMemoryRequirements();
  vk::MemoryPropertyFlags wanted = kHostCoherent;
  if (kind == BufferKind::Storage)
    wanted = unified ? vk::MemoryPropertyFlagBits::eDeviceLocal | kHostCoherent
                     : vk::MemoryPropertyFlags(vk::MemoryPropertyFlagBits::eDeviceLocal);
  const uint32_t type = context.memory_type(needs.memoryTypeBits, wanted);
  try {
    memory_ = vk::raii::DeviceMemory(device, vk::MemoryAllocateInfo(needs.size, type));
  } catch (const vk::OutOfDeviceMemoryError&) {
    throw DeviceError("the Vulkan device is out of memory allocating " + std::to_string(bytes_) + " bytes");
  } catch (const vk::TooManyObjectsError&) {
    throw DeviceError("the Vulkan device allows no more memory allocations (maxMemoryAllocationCount)");
  }
  buffer_.bindMemory(*memory_, 0);
  if ((wanted & kHostCoherent) == kHostCoherent) mapped_ = memory_.mapMemory(0, VK_WHOLE_SIZE);
}

}  // namespace archscope::gpu
