// Tensor helpers.
#include "engine/tensor.h"

#include <stdexcept>

namespace archscope {

int64_t element_count(const std::vector<int>& shape) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

Tensor::Tensor(std::vector<int> dims, float fill)
    : shape(std::move(dims)), data(static_cast<size_t>(element_count(shape)), fill) {}

Tensor Tensor::reshaped(std::vector<int> dims) const {
  if (element_count(dims) != numel())
    throw std::logic_error("reshape of " + shape_string() + " to a different element count");
  Tensor t;
  t.shape = std::move(dims);
  t.data = data;
  return t;
}

std::string Tensor::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace archscope
