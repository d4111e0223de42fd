// A dense float32 tensor in row-major order: the one array type the engine
// passes between ops. Shapes use the letters of style.md: (T, D), (H, T, T), ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace archscope {

struct Tensor {
  std::vector<int> shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(std::vector<int> dims, float fill = 0.0f);

  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int rank() const { return static_cast<int>(shape.size()); }
  int dim(int i) const { return shape.at(i < 0 ? shape.size() + i : i); }
  bool empty() const { return data.empty(); }

  // Row r of a tensor viewed as (rows, last dim).
  float* row(int r) { return data.data() + static_cast<int64_t>(r) * shape.back(); }
  const float* row(int r) const { return data.data() + static_cast<int64_t>(r) * shape.back(); }
  int rows() const { return shape.empty() ? 0 : static_cast<int>(numel() / shape.back()); }

  // Same data, new shape with the same element count.
  Tensor reshaped(std::vector<int> dims) const;
  std::string shape_string() const;  // "[12, 32]"
};

int64_t element_count(const std::vector<int>& shape);

}  // namespace archscope
