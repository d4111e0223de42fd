// CpuBackend::attention: the Backend's attention request (masks as a
// predicate, key padding as a tensor, which maps to keep) turned into one
// AttentionProblem for the kernels of attention.h, and the maps the trace
// asked for cut from their output.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/backends/fast/attention.h"
#include "engine/backends/fast/cpu_backend.h"

namespace archscope::fast {

using detail::check;
using reference::f32;
using reference::new_f32;

namespace {

// Max over each pool x pool block of every head's map, so that every strong
// weight stays visible in the thumbnail. all (H, Tq, Tk) -> (H, ceil(Tq/pool), ceil(Tk/pool)).
DeviceTensor max_pooled(const float* all, int H, int Tq, int Tk, int pool) {
  const int pq = (Tq + pool - 1) / pool, pk = (Tk + pool - 1) / pool;
  const int64_t map = static_cast<int64_t>(Tq) * Tk;
  reference::NewF32 pooled = new_f32({H, pq, pk});
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < Tq; ++i) {
      const float* row = all + h * map + static_cast<int64_t>(i) * Tk;
      float* cell = pooled.data + (static_cast<int64_t>(h) * pq + i / pool) * pk;
      for (int j = 0; j < Tk; ++j) cell[j / pool] = std::max(cell[j / pool], row[j]);
    }
  return pooled.tensor;
}

}  // namespace

AttentionOutputs CpuBackend::attention(const AttentionInputs& in) {
  check(in.q && in.k && in.v && in.mask, "attention",
        [&] { return std::string("q, k, v and mask are required"); });
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  check(q.rank() == 3 && k.rank() == 3 && v.rank() == 3 && k.dim(2) == q.dim(2) &&
            v.dim(0) == k.dim(0) && v.dim(1) == k.dim(1),
        "attention", [&] {
          return "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string();
        });
  AttentionProblem p;
  p.Tq = q.dim(0), p.H = q.dim(1), p.Dqk = q.dim(2);
  p.Tk = k.dim(0), p.KV = k.dim(1), p.Dv = v.dim(2);
  check(!in.bias || in.bias->shape == std::vector<int>{p.H, p.Tq, p.Tk}, "attention",
        [&] { return std::string("bias is not (H, Tq, Tk)"); });
  check(!in.key_valid || in.key_valid->numel() == p.Tk, "attention",
        [&] { return std::string("key_valid of the wrong length"); });
  check(in.probs.pool >= 0, "attention", [&] { return std::string("negative pool"); });
  const std::vector<int>& full = in.probs.full_heads;
  for (size_t i = 0; i < full.size(); ++i)
    check(full[i] >= 0 && full[i] < p.H && (i == 0 || full[i] > full[i - 1]), "attention",
          [&] { return "full_heads must be ascending heads below " + std::to_string(p.H); });
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
  AttentionOutputs o{out.tensor, {}, {}};
  if (!in.probs.any()) {
    attention_fused(pool_, p, out.data);
    return o;
  }
  // Every head's map is computed; when every head is asked for (the usual
  // trace) it is written straight into the result, else into scratch first.
  const int64_t map = static_cast<int64_t>(p.Tq) * p.Tk;
  const bool every_head = static_cast<int>(full.size()) == p.H;
  std::vector<float> scratch;
  float* all = nullptr;  // (H, Tq, Tk)
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
    reference::NewF32 probs =
        new_f32({static_cast<int>(full.size()), p.Tq, p.Tk});  // (heads asked, Tq, Tk)
    for (size_t i = 0; i < full.size(); ++i)
      std::copy_n(all + full[i] * map, map, probs.data + static_cast<int64_t>(i) * map);
    o.probs = probs.tensor;
  }
  if (in.probs.pool > 0) o.pooled = max_pooled(all, p.H, p.Tq, p.Tk, in.probs.pool);
  return o;
}

}  // namespace archscope::fast
