// Each replaced op is one fast kernel on the reference's host storage. New
// tensors come zero-filled from the reference's allocator, which the kernels
// then overwrite: a cost the real backend will not pay.
#include "tests/fast/kernel_backend.h"

#include <algorithm>
#include <string>

#include "engine/backends/fast/attention.h"
#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/elementwise.h"
#include "engine/backends/fast/expert_ffn.h"
#include "engine/backends/fast/norms.h"
#include "engine/backends/fast/rope.h"
#include "engine/backends/reference/reference_backend.h"

namespace archscope::fast {

namespace {

using reference::f32;
using reference::f32_block;
using reference::new_f32;
using reference::require;

class KernelBackend final : public ReferenceBackend {
 public:
  explicit KernelBackend(int threads) : pool_(threads) {}
  std::string name() const override { return "cpu"; }

  DeviceTensor linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) override {
    require(w.rank() == 2 && x.rank() >= 1 && w.dim(1) == x.shape.back(), "linear",
            "x " + x.shape_string() + " does not match weight " + w.shape_string());
    require(!b || b->numel() == w.dim(0), "linear", "bias " + (b ? b->shape_string() : "") + " for weight " + w.shape_string());
    const int K = w.dim(1), N = w.dim(0);
    std::vector<int> shape = x.shape;
    shape.back() = N;
    reference::NewF32 y = new_f32(shape);
    fast::linear(pool_, f32(x, "linear"), x.rows(), K, f32(w, "linear"), N, b ? f32(*b, "linear") : nullptr, y.data);
    return y.tensor;
  }

  DeviceTensor layer_norm(const DeviceTensor& x, const DeviceTensor& gamma, const DeviceTensor* beta,
                          float eps) override {
    require(gamma.numel() == x.shape.back() && (!beta || beta->numel() == x.shape.back()), "layer_norm",
            "gamma " + gamma.shape_string() + " for x " + x.shape_string());
    reference::NewF32 y = new_f32(x.shape);
    fast::layer_norm(pool_, f32(x, "layer_norm"), x.rows(), x.shape.back(), f32(gamma, "layer_norm"),
                     beta ? f32(*beta, "layer_norm") : nullptr, eps, y.data);
    return y.tensor;
  }

  DeviceTensor rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) override {
    require(gamma.numel() == x.shape.back(), "rms_norm", "gamma " + gamma.shape_string() + " for x " + x.shape_string());
    reference::NewF32 y = new_f32(x.shape);
    fast::rms_norm(pool_, f32(x, "rms_norm"), x.rows(), x.shape.back(), f32(gamma, "rms_norm"), eps, y.data);
    return y.tensor;
  }

  DeviceTensor activate(const DeviceTensor& x, Activation a) override {
    reference::NewF32 y = new_f32(x.shape);
    fast::activate(pool_, f32(x, "activate"), y.data, x.numel(), a);
    return y.tensor;
  }

  DeviceTensor gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) override {
    require(gate.shape == up.shape, "gated", gate.shape_string() + " and " + up.shape_string());
    reference::NewF32 y = new_f32(gate.shape);
    fast::gated(pool_, f32(gate, "gated"), f32(up, "gated"), y.data, y.tensor.numel(), a);
    return y.tensor;
  }

  DeviceTensor add(const DeviceTensor& x, const DeviceTensor& y) override {
    require(x.numel() == y.numel(), "add", x.shape_string() + " + " + y.shape_string());
    reference::NewF32 out = new_f32(x.shape);
    fast::add(pool_, f32(x, "add"), f32(y, "add"), out.data, x.numel());
    return out.tensor;
  }

  DeviceTensor rope(const DeviceTensor& x, const RopeInputs& r) override {
    require(x.rank() == 3, "rope", "expects (T, H, Dh), found " + x.shape_string());
    reference::NewF32 out = new_f32(x.shape);
    const float* in = f32(x, "rope");
    std::copy(in, in + x.numel(), out.data);
    fast::rope(pool_, out.data, x.dim(0), x.dim(1), x.dim(2),
               {r.rotary_offset, r.rotary_dim, r.theta, r.interleaved, r.position_offset});
    return out.tensor;
  }

  AttentionOutputs attention(const AttentionInputs& in) override;

  DeviceTensor expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) override {
    require(w.up && w.down && w.up->rank() == 3 && w.down->rank() == 3, "expert_ffn", "up and down (E, ., .) needed");
    const int E = w.up->dim(0), F = w.up->dim(1), D = w.up->dim(2);
    require(batch.rows.rank() == 2 && batch.rows.dim(1) == D && batch.offsets.numel() == E + 1 &&
                w.down->shape == std::vector<int>{E, D, F} && (!w.gate || w.gate->shape == w.up->shape),
            "expert_ffn", "rows " + batch.rows.shape_string() + ", up " + w.up->shape_string());
    auto block = [](const DeviceTensor* t, int e) { return t ? f32_block(*t, e, "expert_ffn") : nullptr; };
    std::vector<ExpertFfnWeights> experts(E);
    for (int e = 0; e < E; ++e)
      experts[e] = {block(w.gate, e), block(w.gate_bias, e), block(w.up, e),
                    block(w.up_bias, e), block(w.down, e), block(w.down_bias, e)};
    reference::NewF32 y = new_f32(batch.rows.shape);
    fast::expert_ffn(pool_, f32(batch.rows, "expert_ffn"), batch.rows.dim(0), reference::i32(batch.offsets, "expert_ffn"),
                     experts, {D, F, w.act, w.gate != nullptr}, y.data);
    return y.tensor;
  }

 private:
  ThreadPool pool_;
};

AttentionOutputs KernelBackend::attention(const AttentionInputs& in) {
  require(in.q && in.k && in.v && in.mask, "attention", "q, k, v and mask are required");
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  require(q.rank() == 3 && k.rank() == 3 && v.rank() == 3 && k.dim(2) == q.dim(2) && v.dim(0) == k.dim(0) &&
              v.dim(1) == k.dim(1),
          "attention", "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string());
  AttentionProblem p;
  p.Tq = q.dim(0), p.H = q.dim(1), p.Dqk = q.dim(2), p.Tk = k.dim(0), p.KV = k.dim(1), p.Dv = v.dim(2);
  require(!in.bias || in.bias->shape == std::vector<int>{p.H, p.Tq, p.Tk}, "attention", "bias is not (H, Tq, Tk)");
  require(!in.key_valid || in.key_valid->numel() == p.Tk, "attention", "key_valid of the wrong length");
  require(in.probs.pool >= 0, "attention", "negative pool");
  // Key padding arrives as a tensor; the kernels read it from the mask.
  AttentionMask mask = *in.mask;
  mask.key_valid.clear();
  if (in.key_valid) {
    const int32_t* valid = reference::i32(*in.key_valid, "attention");
    mask.key_valid.assign(valid, valid + p.Tk);
  }
  p.q = f32(q, "attention"), p.k = f32(k, "attention"), p.v = f32(v, "attention");
  p.bias = in.bias ? f32(*in.bias, "attention") : nullptr;
  p.mask = &mask;
  p.scale = in.scale;

  reference::NewF32 out = new_f32({p.Tq, p.H * p.Dv});
  if (!in.probs.any()) {
    attention_fused(pool_, p, out.data);
    return {out.tensor, {}, {}};
  }
  const std::vector<int>& full = in.probs.full_heads;
  for (size_t i = 0; i < full.size(); ++i)
    require(full[i] >= 0 && full[i] < p.H && (i == 0 || full[i] > full[i - 1]), "attention",
            "full_heads must be ascending heads below " + std::to_string(p.H));
  const int64_t map = static_cast<int64_t>(p.Tq) * p.Tk;
  AttentionOutputs o{out.tensor, {}, {}};
  // Every head's map is computed; when every head is asked for (the usual
  // trace) it is written straight into the result, else into scratch first.
  const bool every_head = static_cast<int>(full.size()) == p.H;
  std::vector<float> scratch;
  float* all = nullptr;
  if (every_head) {
    reference::NewF32 probs = new_f32({p.H, p.Tq, p.Tk});
    o.probs = probs.tensor;
    all = probs.data;
  } else {
    scratch.resize(static_cast<size_t>(p.H) * map);
    all = scratch.data();
  }
  attention_with_probs(pool_, p, out.data, all);
  if (!every_head && !full.empty()) {
    reference::NewF32 probs = new_f32({static_cast<int>(full.size()), p.Tq, p.Tk});
    for (size_t i = 0; i < full.size(); ++i) std::copy_n(all + full[i] * map, map, probs.data + static_cast<int64_t>(i) * map);
    o.probs = probs.tensor;
  }
  if (const int pool = in.probs.pool; pool > 0) {
    // Max over each pool x pool block keeps every strong weight visible.
    const int pq = (p.Tq + pool - 1) / pool, pk = (p.Tk + pool - 1) / pool;
    reference::NewF32 pooled = new_f32({p.H, pq, pk});
    for (int h = 0; h < p.H; ++h)
      for (int i = 0; i < p.Tq; ++i) {
        const float* row = all + h * map + static_cast<int64_t>(i) * p.Tk;
        float* cell = pooled.data + (static_cast<int64_t>(h) * pq + i / pool) * pk;
        for (int j = 0; j < p.Tk; ++j) cell[j / pool] = std::max(cell[j / pool], row[j]);
      }
    o.pooled = pooled.tensor;
  }
  return o;
}

}  // namespace

std::unique_ptr<Backend> make_kernel_backend(int threads) { return std::make_unique<KernelBackend>(threads); }

}  // namespace archscope::fast
