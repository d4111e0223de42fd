// The Vulkan backend's work queue, without Vulkan in its interface (the op
// files include only this): buffers as opaque handles, dispatches recorded
// into one command buffer with a barrier between each, and one submission
// when results are read back (or a batch grows large). Buffers a recorded
// command uses are kept alive until that submission has finished.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace archscope::gpu {

class Context;
class Buffer;
using BufferRef = std::shared_ptr<Buffer>;

struct Groups {
  uint32_t x = 1, y = 1, z = 1;
};

// A shader of shaders/compute and its specialisation constants.
struct Kernel {
  std::string shader;
  std::vector<uint32_t> spec = {};
};

// A buffer's first `bytes` copied to host memory at `to`.
struct ReadBack {
  BufferRef from;
  void* to = nullptr;
  uint64_t bytes = 0;
};

class Stream {
 public:
  explicit Stream(const Context& context);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // An uninitialised storage buffer.
  BufferRef buffer(uint64_t bytes);
  // Host data into a buffer no recorded command has used yet (a new one).
  void write(const BufferRef& to, const void* data, uint64_t bytes);
  // Records filling the buffer with zero bytes.
  void zero(const BufferRef& b);
  // Records one dispatch; `push` (at most 128 bytes) becomes the push constants.
  void dispatch(const Kernel& kernel, const std::vector<BufferRef>& bindings, const void* push, size_t push_bytes,
                Groups groups);
  template <class Push>
  void dispatch(const Kernel& kernel, const std::vector<BufferRef>& bindings, const Push& push, Groups groups) {
    dispatch(kernel, bindings, &push, sizeof(Push), groups);
  }
  // Everything recorded, then the copies, in one submission; waits for it.
  void read(const std::vector<ReadBack>& batch);
  // Submits what is recorded and waits.
  void finish();

  // The largest buffer a shader may bind (maxStorageBufferRange).
  uint64_t max_binding_bytes() const;
  // Workgroups per dimension (maxComputeWorkGroupCount, the smallest of x, y, z).
  uint32_t max_groups() const;
  uint32_t submissions() const;
  size_t pipelines() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace archscope::gpu
