// Each activation is a cheap vectorisable pass around one vector_math.h call,
// done in stack-sized chunks so aliasing y and x is safe.
#include "engine/backends/fast/elementwise.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "engine/backends/fast/vector_math.h"

namespace archscope::fast {

namespace {

constexpr int64_t kChunk = 512;
// Elements per parallel task: below this, waking a worker costs more than it saves.
constexpr int64_t kGrain = 1 << 14;

// y = act(x) for n <= kChunk elements, with `t` as scratch.
void activate_chunk(const float* x, float* y, int64_t n, Activation a, float* t) {
  switch (a) {
    case Activation::GeluExact: {
      const float inv_sqrt2 = 1.0f / std::sqrt(2.0f);
      for (int64_t i = 0; i < n; ++i) t[i] = x[i] * inv_sqrt2;
      erf_inplace(t, n);
      for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + t[i]);
      return;
    }
    case Activation::GeluTanh: {
      const float c = std::sqrt(2.0f / static_cast<float>(M_PI));
      for (int64_t i = 0; i < n; ++i) t[i] = c * (x[i] + 0.044715f * x[i] * x[i] * x[i]);
      tanh_inplace(t, n);
      for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + t[i]);
      return;
    }
    case Activation::Relu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      return;
    case Activation::Silu:
      for (int64_t i = 0; i < n; ++i) t[i] = -x[i];
      exp_inplace(t, n);
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + t[i]);
      return;
    case Activation::Sigmoid:
      for (int64_t i = 0; i < n; ++i) t[i] = -x[i];
      exp_inplace(t, n);
      for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + t[i]);
      return;
  }
}

}  // namespace

void activate_serial(const float* x, float* y, int64_t n, Activation a) {
  float t[kChunk];
  for (int64_t i = 0; i < n; i += kChunk) activate_chunk(x + i, y + i, std::min(kChunk, n - i), a, t);
}

void gated_serial(const float* gate, const float* up, float* y, int64_t n, Activation a) {
  float t[kChunk], g[kChunk];
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t m = std::min(kChunk, n - i);
    activate_chunk(gate + i, g, m, a, t);
    for (int64_t j = 0; j < m; ++j) y[i + j] = g[j] * up[i + j];
  }
}

void activate(ThreadPool& pool, const float* x, float* y, int64_t n, Activation a) {
  pool.for_ranges(n, kGrain, [&](int64_t b, int64_t e) { activate_serial(x + b, y + b, e - b, a); });
}

void gated(ThreadPool& pool, const float* gate, const float* up, float* y, int64_t n, Activation a) {
  pool.for_ranges(n, kGrain,
                  [&](int64_t b, int64_t e) { gated_serial(gate + b, up + b, y + b, e - b, a); });
}

void add(ThreadPool& pool, const float* x, const float* y, float* out, int64_t n) {
  pool.for_ranges(n, kGrain * 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = x[i] + y[i];
  });
}

int64_t count_nonfinite(ThreadPool& pool, const float* x, int64_t n) {
  std::atomic<int64_t> total{0};
  pool.for_ranges(n, kGrain * 4, [&](int64_t b, int64_t e) {
    // A float is NaN or infinite exactly when its exponent bits are all set;
    // testing the bits lets the loop vectorise.
    int64_t count = 0;
    for (int64_t i = b; i < e; ++i) {
      uint32_t bits;
      std::memcpy(&bits, x + i, sizeof bits);
      count += (bits & 0x7f800000u) == 0x7f800000u;
    }
    total += count;
  });
  return total;
}

}  // namespace archscope::fast
