// Row statistics through reduce.h's lane sums; the scaling pass vectorises.
#include "engine/backends/fast/norms.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/backends/fast/reduce.h"

namespace archscope::fast {

namespace {
// Rows per task so that one task touches at least this many elements.
int64_t row_grain(int D) { return std::max<int64_t>(1, (1 << 14) / std::max(1, D)); }
}  // namespace

void layer_norm(ThreadPool& pool, const float* x, int T, int D, const float* gamma, const float* beta,
                float eps, float* y) {
  pool.for_ranges(T, row_grain(D), [&](int64_t r0, int64_t r1) {
    for (int64_t t = r0; t < r1; ++t) {
      const float* xt = x + t * D;
      float* yt = y + t * D;
      const float shift = xt[0];
      const float mean = shift + lane_sum(xt, D, shift) / static_cast<float>(D);
      const float var = lane_sum_squares(xt, D, mean) / static_cast<float>(D);
      const float inv = 1.0f / std::sqrt(var + eps);
      if (beta) {
        for (int d = 0; d < D; ++d) yt[d] = (xt[d] - mean) * inv * gamma[d] + beta[d];
      } else {
        for (int d = 0; d < D; ++d) yt[d] = (xt[d] - mean) * inv * gamma[d];
      }
    }
  });
}

void rms_norm(ThreadPool& pool, const float* x, int T, int D, const float* gamma, float eps, float* y) {
  pool.for_ranges(T, row_grain(D), [&](int64_t r0, int64_t r1) {
    for (int64_t t = r0; t < r1; ++t) {
      const float* xt = x + t * D;
      float* yt = y + t * D;
      const float inv = 1.0f / std::sqrt(lane_sum_squares(xt, D) / static_cast<float>(D) + eps);
      for (int d = 0; d < D; ++d) yt[d] = gamma[d] * (xt[d] * inv);
    }
  });
}

}  // namespace archscope::fast
