// The reference's dense math: linear, norms, activations, residual add,
// scaling and RoPE, and the count of non-finite values. Plain loops with shape comments.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/backends/op_contracts.h"
#include "engine/backends/reference/reference_backend.h"

namespace archscope {

namespace reference {

float apply(Activation a, float x) {
  switch (a) {
    case Activation::GeluExact:
      return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
    case Activation::GeluTanh: {
      const float c = std::sqrt(2.0f / static_cast<float>(M_PI));
      return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * x * x * x)));
    }
    case Activation::Relu:
      return x > 0 ? x : 0;
    case Activation::Silu:
      return x / (1.0f + std::exp(-x));
    case Activation::Sigmoid:
      return 1.0f / (1.0f + std::exp(-x));
  }
  return x;
}

void linear_rows(const float* x, int rows, int K, const float* w, int N, const float* b, float* y) {
  for (int t = 0; t < rows; ++t) {
    const float* xt = x + static_cast<int64_t>(t) * K;
    float* yt = y + static_cast<int64_t>(t) * N;
    for (int n = 0; n < N; ++n) {
      const float* wn = w + static_cast<int64_t>(n) * K;
      // Double accumulation: the oracle should be closer to exact than any backend it judges.
      double acc = 0.0;
      for (int k = 0; k < K; ++k) acc += static_cast<double>(xt[k]) * wn[k];
      yt[n] = static_cast<float>(acc + (b ? b[n] : 0.0f));
    }
  }
}

}  // namespace reference

using namespace reference;

DeviceTensor ReferenceBackend::linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) {
  // x (T, K), w (N, K), b (N) -> y (T, N)
  const auto [rows, K, N] = contract::linear(x, w, b);
  std::vector<int> shape = x.shape;
  shape.back() = N;
  NewF32 y = new_f32(shape);
  linear_rows(f32(x, "linear"), rows, K, f32(w, "linear"), N, b ? f32(*b, "linear") : nullptr, y.data);
  return y.tensor;
}

DeviceTensor ReferenceBackend::layer_norm(const DeviceTensor& xt, const DeviceTensor& gamma_t,
                                          const DeviceTensor* beta_t, float eps) {
  // x (T, D) -> (x - mean) / sqrt(var + eps) * gamma + beta
  const int D = contract::layer_norm(xt, gamma_t, beta_t);
  const float *x = f32(xt, "layer_norm"), *gamma = f32(gamma_t, "layer_norm");
  const float* beta = beta_t ? f32(*beta_t, "layer_norm") : nullptr;
  NewF32 y = new_f32(xt.shape);
  for (int t = 0; t < xt.rows(); ++t) {
    const float* xr = x + static_cast<int64_t>(t) * D;
    float* yr = y.data + static_cast<int64_t>(t) * D;
    double mean = 0, var = 0;
    for (int d = 0; d < D; ++d) mean += xr[d];
    mean /= D;
    for (int d = 0; d < D; ++d) var += (xr[d] - mean) * (xr[d] - mean);
    var /= D;
    const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    for (int d = 0; d < D; ++d)
      yr[d] = (xr[d] - static_cast<float>(mean)) * inv * gamma[d] + (beta ? beta[d] : 0.0f);
  }
  return y.tensor;
}

DeviceTensor ReferenceBackend::rms_norm(const DeviceTensor& xt, const DeviceTensor& gamma_t, float eps) {
  // x (T, D) -> x / sqrt(mean(x^2) + eps) * gamma
  const int D = contract::rms_norm(xt, gamma_t);
  const float *x = f32(xt, "rms_norm"), *gamma = f32(gamma_t, "rms_norm");
  NewF32 y = new_f32(xt.shape);
  for (int t = 0; t < xt.rows(); ++t) {
    const float* xr = x + static_cast<int64_t>(t) * D;
    float* yr = y.data + static_cast<int64_t>(t) * D;
    double ms = 0;
    for (int d = 0; d < D; ++d) ms += static_cast<double>(xr[d]) * xr[d];
    const float inv = static_cast<float>(1.0 / std::sqrt(ms / D + eps));
    for (int d = 0; d < D; ++d) yr[d] = gamma[d] * (xr[d] * inv);
  }
  return y.tensor;
}

DeviceTensor ReferenceBackend::activate(const DeviceTensor& xt, Activation a) {
  const float* x = f32(xt, "activate");
  NewF32 y = new_f32(xt.shape);
  for (int64_t i = 0; i < xt.numel(); ++i) y.data[i] = apply(a, x[i]);
  return y.tensor;
}

DeviceTensor ReferenceBackend::gated(const DeviceTensor& gate_t, const DeviceTensor& up_t, Activation a) {
  contract::gated(gate_t, up_t);
  const float *gate = f32(gate_t, "gated"), *up = f32(up_t, "gated");
  NewF32 y = new_f32(gate_t.shape);
  for (int64_t i = 0; i < gate_t.numel(); ++i) y.data[i] = apply(a, gate[i]) * up[i];
  return y.tensor;
}

DeviceTensor ReferenceBackend::add(const DeviceTensor& xt, const DeviceTensor& yt) {
  contract::add(xt, yt);
  const float *x = f32(xt, "add"), *y = f32(yt, "add");
  NewF32 out = new_f32(xt.shape);
  for (int64_t i = 0; i < xt.numel(); ++i) out.data[i] = x[i] + y[i];
  return out.tensor;
}

DeviceTensor ReferenceBackend::scale(const DeviceTensor& xt, float s) {
  const float* x = f32(xt, "scale");
  NewF32 out = new_f32(xt.shape);
  for (int64_t i = 0; i < xt.numel(); ++i) out.data[i] = x[i] * s;
  return out.tensor;
}

DeviceTensor ReferenceBackend::scale_rows(const DeviceTensor& xt, const DeviceTensor& st) {
  // x (R, C) * s (R)
  const int R = xt.rows(), C = xt.rank() ? xt.shape.back() : 0;
  contract::scale_rows(xt, st);
  const float *x = f32(xt, "scale_rows"), *s = f32(st, "scale_rows");
  NewF32 out = new_f32(xt.shape);
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) out.data[static_cast<int64_t>(r) * C + c] = x[static_cast<int64_t>(r) * C + c] * s[r];
  return out.tensor;
}

DeviceTensor ReferenceBackend::rope(const DeviceTensor& xt, const RopeInputs& r) {
  // x (T, H, Dh); rotates dims [offset, offset + rot) of every head.
  contract::rope(xt, r);
  const int T = xt.dim(0), H = xt.dim(1), Dh = xt.dim(2), half = r.rotary_dim / 2;
  NewF32 out = new_f32(xt.shape);
  const float* x = f32(xt, "rope");
  std::copy(x, x + xt.numel(), out.data);
  std::vector<float> inv_freq(half), y(r.rotary_dim), rotated(r.rotary_dim);
  for (int i = 0; i < half; ++i)
    inv_freq[i] = static_cast<float>(1.0 / std::pow(r.theta, static_cast<double>(2 * i) / r.rotary_dim));
  for (int t = 0; t < T; ++t) {
    const float pos = static_cast<float>(t + r.position_offset);
    for (int h = 0; h < H; ++h) {
      float* v = out.data + (static_cast<int64_t>(t) * H + h) * Dh + r.rotary_offset;
      // Interleaved pairs (2i, 2i+1) are first gathered into halves, as
      // Hugging Face's apply_rotary_pos_emb_interleave does.
      for (int i = 0; i < half; ++i) {
        y[i] = r.interleaved ? v[2 * i] : v[i];
        y[i + half] = r.interleaved ? v[2 * i + 1] : v[i + half];
      }
      for (int i = 0; i < half; ++i) {
        const float angle = pos * inv_freq[i];
        const float c = std::cos(angle), s = std::sin(angle);
        rotated[i] = y[i] * c - y[i + half] * s;
        rotated[i + half] = y[i + half] * c + y[i] * s;
      }
      for (int i = 0; i < r.rotary_dim; ++i) v[i] = rotated[i];
    }
  }
  return out.tensor;
}

DeviceTensor ReferenceBackend::count_nonfinite(const DeviceTensor& xt) {
  // x (any shape) -> (1)
  const float* x = f32(xt, "count_nonfinite");
  const int64_t count = xt.numel();
  int64_t n = 0;
  for (int64_t i = 0; i < count; ++i) n += !std::isfinite(x[i]);
  NewI32 out = new_i32({1});
  out.data[0] = static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX));
  return out.tensor;
}

}  // namespace archscope
