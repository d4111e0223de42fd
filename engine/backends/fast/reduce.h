// Row reductions in float32 with care: 16 interleaved partial sums combined
// pairwise, so the compiler vectorises them and the rounding error grows with
// n / 16 rather than n. Norms and softmax use these.
#pragma once

#include <cstdint>
#include <limits>

namespace archscope::fast {

namespace detail {
constexpr int kLanes = 16;
inline float combine(float* acc) {
  for (int width = kLanes / 2; width > 0; width /= 2)
    for (int l = 0; l < width; ++l) acc[l] += acc[l + width];
  return acc[0];
}
}  // namespace detail

// sum_i (x[i] - c). Shifting by a value near the mean (any element) keeps
// the partial sums small, so a row far from zero keeps its precision.
inline float lane_sum(const float* x, int64_t n, float c = 0.0f) {
  float acc[detail::kLanes] = {};
  int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int l = 0; l < detail::kLanes; ++l) acc[l] += x[i + l] - c;
  for (; i < n; ++i) acc[i % detail::kLanes] += x[i] - c;
  return detail::combine(acc);
}

// sum_i (x[i] - c)^2
inline float lane_sum_squares(const float* x, int64_t n, float c = 0.0f) {
  float acc[detail::kLanes] = {};
  int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int l = 0; l < detail::kLanes; ++l) {
      const float d = x[i + l] - c;
      acc[l] += d * d;
    }
  for (; i < n; ++i) acc[i % detail::kLanes] += (x[i] - c) * (x[i] - c);
  return detail::combine(acc);
}

// max_i x[i]; -inf for an empty range. NaN inputs are ignored, as std::max does
// when the running maximum is the first argument.
inline float lane_max(const float* x, int64_t n) {
  constexpr float lowest = -std::numeric_limits<float>::infinity();
  float acc[detail::kLanes];
  for (float& a : acc) a = lowest;
  int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int l = 0; l < detail::kLanes; ++l) acc[l] = x[i + l] > acc[l] ? x[i + l] : acc[l];
  for (; i < n; ++i) acc[i % detail::kLanes] = x[i] > acc[i % detail::kLanes] ? x[i] : acc[i % detail::kLanes];
  for (int width = detail::kLanes / 2; width > 0; width /= 2)
    for (int l = 0; l < width; ++l) acc[l] = acc[l + width] > acc[l] ? acc[l + width] : acc[l];
  return acc[0];
}

}  // namespace archscope::fast
