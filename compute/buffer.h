// A device buffer and the memory behind it, both RAII. Where the device
// shares memory with the host (lavapipe, integrated GPUs) buffers are mapped
// and written in place; elsewhere they are device-local and data moves
// through host-visible staging buffers.
#pragma once

#include <cstdint>

#include <vulkan/vulkan_raii.hpp>

namespace archscope::gpu {

class Context;

enum class BufferKind {
  Storage,  // what shaders read and write: device-local (and mapped where the device is unified)
  Staging,  // host-visible, for copies to and from a device-local buffer
};

class Buffer {
 public:
  // `unified`: a device-local memory type is also host-visible, so Storage
  // buffers are mapped too. Sizes of 0 are rounded up to 4 bytes (Vulkan
  // has no empty buffers).
  Buffer(const Context& context, uint64_t bytes, BufferKind kind, bool unified);
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  vk::Buffer handle() const { return *buffer_; }
  uint64_t bytes() const { return bytes_; }
  // The host address of the buffer's memory, or null where it is not host-visible.
  void* mapped() const { return mapped_; }

 private:
  vk::raii::Buffer buffer_ = nullptr;
  vk::raii::DeviceMemory memory_ = nullptr;
  uint64_t bytes_ = 0;
  void* mapped_ = nullptr;
};

// Whether the device's Storage buffers can be host-visible (a CPU or
// integrated device with a device-local, host-visible, coherent memory type).
bool is_unified(const Context& context);

}  // namespace archscope::gpu
