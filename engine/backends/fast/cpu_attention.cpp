// CpuBackend::attention: the Backend's attention request (masks as a
// predicate, key padding as a tensor, which maps to keep) turned into one
// AttentionProblem for the kernels of attention.h, and the maps the trace
// asked for cut from their output.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/backends/fast/attention.h"
#include "engine/backends/fast/cpu_backend.h"
#include "engine/backends/op_contracts.h"

namespace archscope::fast {

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
  const contract::AttentionDims d = contract::attention(in);
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  AttentionProblem p;
  p.Tq = d.Tq, p.H = d.H, p.Dqk = d.Dqk;
  p.Tk = d.Tk, p.KV = d.KV, p.Dv = d.Dv;
  const std::vector<int>& full = in.probs.full_heads;
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
