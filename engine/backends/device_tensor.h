// DeviceTensor: a handle to a tensor that lives where a backend keeps it (host
// memory for the CPU backends, a device buffer for Vulkan). The forward pass
// only passes handles and reads shapes; elements cross to the host through
// Backend::download and nothing else. Shapes use the letters of style.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace archscope {

// float32 for activations and weights; int32 for token ids, expert indices,
// slots and 0/1 flags.
enum class ElementType { F32, I32 };

const char* to_string(ElementType);

// What a backend keeps behind a handle. Each backend derives its own (a host
// vector, a VkBuffer and its memory, ...) and refuses handles of another kind.
class DeviceStorage {
 public:
  virtual ~DeviceStorage() = default;
};

struct DeviceTensor {
  std::vector<int> shape;
  ElementType dtype = ElementType::F32;
  // Shared: handles are cheap to copy, and storage lives while any handle
  // does. Ops never write into their inputs, so a kept handle stays valid.
  std::shared_ptr<const DeviceStorage> storage;

  bool empty() const { return storage == nullptr; }
  int64_t numel() const;
  int rank() const { return static_cast<int>(shape.size()); }
  int dim(int i) const { return shape.at(i < 0 ? shape.size() + i : i); }
  // Rows of the tensor viewed as (rows, last dim).
  int rows() const;
  // The same storage under another shape with the same element count (free).
  DeviceTensor reshaped(std::vector<int> dims) const;
  std::string shape_string() const;  // "[12, 32] f32"
};

}  // namespace archscope
