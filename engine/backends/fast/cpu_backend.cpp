// Each replaced op checks its operands by the shared contracts of
// op_contracts.h, then runs one fast kernel on the reference's host storage.
// New tensors come zero-filled from the reference's allocator and the
// kernels overwrite them.
#include "engine/backends/fast/cpu_backend.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/elementwise.h"
#include "engine/backends/fast/expert_ffn.h"
#include "engine/backends/fast/norms.h"
#include "engine/backends/fast/process_pool.h"
#include "engine/backends/fast/rope.h"
#include "engine/backends/op_contracts.h"

namespace archscope {

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<fast::CpuBackend>();
}

namespace fast {

using reference::f32;
using reference::f32_block;
using reference::new_f32;

CpuBackend::CpuBackend() : pool_(process_pool()) {}

DeviceTensor CpuBackend::linear(const DeviceTensor& x, const DeviceTensor& w,
                                const DeviceTensor* b) {
  const auto [rows, K, N] = contract::linear(x, w, b);
  std::vector<int> shape = x.shape;
  shape.back() = N;
  reference::NewF32 y = new_f32(shape);  // (..., N)
  fast::linear(pool_, f32(x, "linear"), rows, K, f32(w, "linear"), N,
               b ? f32(*b, "linear") : nullptr, y.data);
  return y.tensor;
}

DeviceTensor CpuBackend::layer_norm(const DeviceTensor& x, const DeviceTensor& gamma,
                                    const DeviceTensor* beta, float eps) {
  const int D = contract::layer_norm(x, gamma, beta);
  reference::NewF32 y = new_f32(x.shape);
  fast::layer_norm(pool_, f32(x, "layer_norm"), x.rows(), D, f32(gamma, "layer_norm"),
                   beta ? f32(*beta, "layer_norm") : nullptr, eps, y.data);
  return y.tensor;
}

DeviceTensor CpuBackend::rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) {
  const int D = contract::rms_norm(x, gamma);
  reference::NewF32 y = new_f32(x.shape);
  fast::rms_norm(pool_, f32(x, "rms_norm"), x.rows(), D, f32(gamma, "rms_norm"), eps,
                 y.data);
  return y.tensor;
}

DeviceTensor CpuBackend::activate(const DeviceTensor& x, Activation a) {
  reference::NewF32 y = new_f32(x.shape);
  fast::activate(pool_, f32(x, "activate"), y.data, x.numel(), a);
  return y.tensor;
}

DeviceTensor CpuBackend::gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) {
  contract::gated(gate, up);
  reference::NewF32 y = new_f32(gate.shape);
  fast::gated(pool_, f32(gate, "gated"), f32(up, "gated"), y.data, y.tensor.numel(), a);
  return y.tensor;
}

DeviceTensor CpuBackend::add(const DeviceTensor& x, const DeviceTensor& y) {
  contract::add(x, y);
  reference::NewF32 out = new_f32(x.shape);
  fast::add(pool_, f32(x, "add"), f32(y, "add"), out.data, x.numel());
  return out.tensor;
}

DeviceTensor CpuBackend::rope(const DeviceTensor& x, const RopeInputs& r) {
  contract::rope(x, r);
  reference::NewF32 out = new_f32(x.shape);  // (T, H, Dh), rotated in place below
  const float* in = f32(x, "rope");
  std::copy(in, in + x.numel(), out.data);
  fast::rope(pool_, out.data, x.dim(0), x.dim(1), x.dim(2),
             {r.rotary_offset, r.rotary_dim, r.theta, r.interleaved, r.position_offset});
  return out.tensor;
}

DeviceTensor CpuBackend::expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) {
  const auto [E, F, D, N] = contract::expert_ffn(batch, w);
  // Each expert's matrices are blocks of the stacked (E, ...) weights.
  auto block = [](const DeviceTensor* t, int e) {
    return t ? f32_block(*t, e, "expert_ffn") : nullptr;
  };
  std::vector<ExpertFfnWeights> experts(E);
  for (int e = 0; e < E; ++e)
    experts[e] = {block(w.gate, e),    block(w.gate_bias, e), block(w.up, e),
                  block(w.up_bias, e), block(w.down, e),      block(w.down_bias, e)};
  reference::NewF32 y = new_f32(batch.rows.shape);  // (N, D)
  fast::expert_ffn(pool_, f32(batch.rows, "expert_ffn"), N,
                   reference::i32(batch.offsets, "expert_ffn"), experts,
                   {D, F, w.act, w.gate != nullptr}, y.data, &expert_scratch_);
  return y.tensor;
}

DeviceTensor CpuBackend::count_nonfinite(const DeviceTensor& x) {
  // x (any shape) -> (1), saturating as the reference does
  const int64_t n = fast::count_nonfinite(pool_, f32(x, "count_nonfinite"), x.numel());
  reference::NewI32 out = reference::new_i32({1});
  out.data[0] = static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX));
  return out.tensor;
}

}  // namespace fast
}  // namespace archscope
