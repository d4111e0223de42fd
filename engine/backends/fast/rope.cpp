// One cos/sin row per token, applied to all of its heads.
#include "engine/backends/fast/rope.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace archscope::fast {

void rope(ThreadPool& pool, float* x, int T, int H, int Dh, const RopeParams& r) {
  if (r.rotary_dim < 0 || r.rotary_dim % 2 != 0 || r.rotary_offset < 0 ||
      r.rotary_offset + r.rotary_dim > Dh)
    throw std::invalid_argument("rope: rotary dims [" + std::to_string(r.rotary_offset) + ", " +
                                std::to_string(r.rotary_offset + r.rotary_dim) +
                                ") must be an even count inside a head of " + std::to_string(Dh));
  const int half = r.rotary_dim / 2;
  if (half == 0) return;
  std::vector<float> inv_freq(half);
  for (int i = 0; i < half; ++i)
    inv_freq[i] = static_cast<float>(1.0 / std::pow(r.theta, static_cast<double>(2 * i) / r.rotary_dim));
  const int64_t grain = std::max(1, 4096 / std::max(1, H * r.rotary_dim));
  pool.for_ranges(T, grain, [&](int64_t t0, int64_t t1) {
    std::vector<float> cos_row(half), sin_row(half), a(half), b(half);
    for (int64_t t = t0; t < t1; ++t) {
      const float pos = static_cast<float>(t + r.position_offset);
      for (int i = 0; i < half; ++i) {
        const float angle = pos * inv_freq[i];
        cos_row[i] = std::cos(angle);
        sin_row[i] = std::sin(angle);
      }
      for (int h = 0; h < H; ++h) {
        float* v = x + (t * H + h) * static_cast<int64_t>(Dh) + r.rotary_offset;
        // Interleaved pairs are gathered into halves first, as Hugging Face's
        // apply_rotary_pos_emb_interleave does, and written back as halves.
        for (int i = 0; i < half; ++i) {
          a[i] = r.interleaved ? v[2 * i] : v[i];
          b[i] = r.interleaved ? v[2 * i + 1] : v[i + half];
        }
        for (int i = 0; i < half; ++i) {
          v[i] = a[i] * cos_row[i] - b[i] * sin_row[i];
          v[i + half] = b[i] * cos_row[i] + a[i] * sin_row[i];
        }
      }
    }
  });
}

}  // namespace archscope::fast
