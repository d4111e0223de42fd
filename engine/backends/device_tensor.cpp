// DeviceTensor's shape helpers; storage is each backend's business.
#include "engine/backends/device_tensor.h"

#include <stdexcept>

#include "engine/tensor.h"

namespace archscope {

const char* to_string(ElementType t) { return t == ElementType::F32 ? "f32" : "i32"; }

int64_t DeviceTensor::numel() const { return element_count(shape); }

int DeviceTensor::rows() const {
  return shape.empty() || shape.back() == 0 ? 0 : static_cast<int>(numel() / shape.back());
}

DeviceTensor DeviceTensor::reshaped(std::vector<int> dims) const {
  if (element_count(dims) != numel())
    throw std::logic_error("reshape of " + shape_string() + " to a different element count");
  DeviceTensor t = *this;
  t.shape = std::move(dims);
  return t;
}

std::string DeviceTensor::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "] " + to_string(dtype);
}

}  // namespace archscope
