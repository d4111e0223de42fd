// Seeded normal inputs for the fast kernels' tests and benchmarks.
#pragma once

#include <random>
#include <vector>

#include "engine/tensor.h"

namespace archscope::testing {

inline Tensor random_tensor(std::vector<int> shape, uint32_t seed, float stddev = 1.0f) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  for (float& v : t.data) v = normal(rng);
  return t;
}

}  // namespace archscope::testing
