// Each replaced op checks its operands as the reference does, then runs one
// fast kernel on the reference's host storage. New tensors come zero-filled
// from the reference's allocator and the kernels overwrite them.
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

namespace archscope {

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<fast::CpuBackend>();
}

namespace fast {

using detail::check;
using reference::f32;
using reference::f32_block;
using reference::new_f32;

CpuBackend::CpuBackend() : pool_(process_pool()) {}

DeviceTensor CpuBackend::linear(const DeviceTensor& x, const DeviceTensor& w,
                                const DeviceTensor* b) {
  check(w.rank() == 2 && x.rank() >= 1 && w.dim(1) == x.shape.back(), "linear",
        [&] { return "x " + x.shape_string() + " does not match weight " + w.shape_string(); });
  check(!b || b->numel() == w.dim(0), "linear",
        [&] { return "bias " + (b ? b->shape_string() : "") + " for weight " + w.shape_string(); });
  const int K = w.dim(1), N = w.dim(0);
  std::vector<int> shape = x.shape;
  shape.back() = N;
  reference::NewF32 y = new_f32(shape);  // (..., N)
  fast::linear(pool_, f32(x, "linear"), x.rows(), K, f32(w, "linear"), N,
               b ? f32(*b, "linear") : nullptr, y.data);
  return y.tensor;
}

DeviceTensor CpuBackend::layer_norm(const DeviceTensor& x, const DeviceTensor& gamma,
                                    const DeviceTensor* beta, float eps) {
  check(gamma.numel() == x.shape.back() && (!beta || beta->numel() == x.shape.back()), "layer_norm",
        [&] { return "gamma " + gamma.shape_string() + " for x " + x.shape_string(); });
  reference::NewF32 y = new_f32(x.shape);
  fast::layer_norm(pool_, f32(x, "layer_norm"), x.rows(), x.shape.back(), f32(gamma, "layer_norm"),
                   beta ? f32(*beta, "layer_norm") : nullptr, eps, y.data);
  return y.tensor;
}

DeviceTensor CpuBackend::rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) {
  check(gamma.numel() == x.shape.back(), "rms_norm",
        [&] { return "gamma " + gamma.shape_string() + " for x " + x.shape_string(); });
  reference::NewF32 y = new_f32(x.shape);
  fast::rms_norm(pool_, f32(x, "rms_norm"), x.rows(), x.shape.back(), f32(gamma, "rms_norm"), eps,
                 y.data);
  return y.tensor;
}

DeviceTensor CpuBackend::activate(const DeviceTensor& x, Activation a) {
  reference::NewF32 y = new_f32(x.shape);
  fast::activate(pool_, f32(x, "activate"), y.data, x.numel(), a);
  return y.tensor;
}

DeviceTensor CpuBackend::gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) {
  check(gate.shape == up.shape, "gated",
        [&] { return gate.shape_string() + " and " + up.shape_string(); });
  reference::NewF32 y = new_f32(gate.shape);
  fast::gated(pool_, f32(gate, "gated"), f32(up, "gated"), y.data, y.tensor.numel(), a);
  return y.tensor;
}

DeviceTensor CpuBackend::add(const DeviceTensor& x, const DeviceTensor& y) {
  check(x.numel() == y.numel(), "add", [&] { return x.shape_string() + " + " + y.shape_string(); });
  reference::NewF32 out = new_f32(x.shape);
  fast::add(pool_, f32(x, "add"), f32(y, "add"), out.data, x.numel());
  return out.tensor;
}

DeviceTensor CpuBackend::rope(const DeviceTensor& x, const RopeInputs& r) {
  check(x.rank() == 3, "rope", [&] { return "expects (T, H, Dh), found " + x.shape_string(); });
  reference::NewF32 out = new_f32(x.shape);  // (T, H, Dh), rotated in place below
  const float* in = f32(x, "rope");
  std::copy(in, in + x.numel(), out.data);
  fast::rope(pool_, out.data, x.dim(0), x.dim(1), x.dim(2),
             {r.rotary_offset, r.rotary_dim, r.theta, r.interleaved, r.position_offset});
  return out.tensor;
}

DeviceTensor CpuBackend::expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) {
  check(w.up && w.down && w.up->rank() == 3 && w.down->rank() == 3, "expert_ffn",
        [&] { return std::string("up and down (E, ., .) needed"); });
  const int E = w.up->dim(0), F = w.up->dim(1), D = w.up->dim(2);
  check(batch.rows.rank() == 2 && batch.rows.dim(1) == D && batch.offsets.numel() == E + 1 &&
            w.down->shape == std::vector<int>{E, D, F} && (!w.gate || w.gate->shape == w.up->shape),
        "expert_ffn",
        [&] { return "rows " + batch.rows.shape_string() + ", up " + w.up->shape_string(); });
  // Each expert's matrices are blocks of the stacked (E, ...) weights.
  auto block = [](const DeviceTensor* t, int e) {
    return t ? f32_block(*t, e, "expert_ffn") : nullptr;
  };
  std::vector<ExpertFfnWeights> experts(E);
  for (int e = 0; e < E; ++e)
    experts[e] = {block(w.gate, e),    block(w.gate_bias, e), block(w.up, e),
                  block(w.up_bias, e), block(w.down, e),      block(w.down_bias, e)};
  reference::NewF32 y = new_f32(batch.rows.shape);  // (N, D)
  fast::expert_ffn(pool_, f32(batch.rows, "expert_ffn"), batch.rows.dim(0),
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
