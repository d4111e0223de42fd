// T5 buckets follow modeling_t5.T5Attention._relative_position_bucket,
// including its float32 logarithm and truncation toward zero.
#include "engine/run/positions.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace archscope {

int t5_relative_bucket(int n, bool bidirectional, int num_buckets, int max_distance) {
  int bucket = 0;
  if (bidirectional) {
    num_buckets /= 2;
    if (n > 0) bucket += num_buckets;
    n = std::abs(n);
  } else {
    n = -std::min(n, 0);
  }
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return bucket + n;
  const float scaled = std::log(static_cast<float>(n) / max_exact) /
                       static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact)) *
                       static_cast<float>(num_buckets - max_exact);
  const int large = max_exact + static_cast<int>(scaled);
  return bucket + std::min(large, num_buckets - 1);
}

Tensor sinusoidal_positions(int tokens, int d) {
  Tensor pe({tokens, d});
  for (int p = 0; p < tokens; ++p)
    for (int i = 0; i < d; i += 2) {
      const double angle = p / std::pow(10000.0, static_cast<double>(i) / d);
      pe.row(p)[i] = static_cast<float>(std::sin(angle));
      if (i + 1 < d) pe.row(p)[i + 1] = static_cast<float>(std::cos(angle));
    }
  return pe;
}

}  // namespace archscope
