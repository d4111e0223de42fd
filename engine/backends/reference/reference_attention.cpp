// The reference's softmax attention: one loop nest for the fused form and the
// one that writes probabilities (full maps for chosen heads, max-pooled
// thumbnails for all), so the two give the same output bit for bit.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/backends/op_contracts.h"
#include "engine/backends/reference/reference_backend.h"

namespace archscope {

using namespace reference;

AttentionOutputs ReferenceBackend::attention(const AttentionInputs& in) {
  // q (Tq, H, Dqk), k (Tk, KV, Dqk), v (Tk, KV, Dv)
  const auto [Tq, H, Dqk, Tk, KV, Dv] = contract::attention(in);
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  const std::vector<int>& full = in.probs.full_heads;
  const float *qd = f32(q, "attention"), *kd = f32(k, "attention"), *vd = f32(v, "attention");
  const float* bias = in.bias ? f32(*in.bias, "attention") : nullptr;
  const int32_t* valid = in.key_valid ? i32(*in.key_valid, "attention") : nullptr;

  const int group = H / KV, pool = in.probs.pool;
  const int pq = pool ? (Tq + pool - 1) / pool : 0, pk = pool ? (Tk + pool - 1) / pool : 0;
  NewF32 out = new_f32({Tq, H * Dv});
  // Outputs not asked for stay empty handles.
  NewF32 probs = full.empty() ? NewF32{{}, nullptr} : new_f32({static_cast<int>(full.size()), Tq, Tk});
  NewF32 pooled = pool ? new_f32({H, pq, pk}) : NewF32{{}, nullptr};
  std::vector<float> scores(Tk), p(Tk);
  for (int h = 0; h < H; ++h) {
    const int kvh = h / group;
    const auto slot = std::find(full.begin(), full.end(), h);
    float* full_map = slot == full.end() ? nullptr : probs.data + (slot - full.begin()) * static_cast<int64_t>(Tq) * Tk;
    for (int i = 0; i < Tq; ++i) {
      const float* qi = qd + (static_cast<int64_t>(i) * H + h) * Dqk;
      float max_score = -std::numeric_limits<float>::infinity();
      for (int j = 0; j < Tk; ++j) {
        if ((valid && !valid[j]) || !in.mask->allows_unpadded(i, j)) {
          scores[j] = -std::numeric_limits<float>::infinity();
          continue;
        }
        const float* kj = kd + (static_cast<int64_t>(j) * KV + kvh) * Dqk;
        double dot = 0.0;
        for (int d = 0; d < Dqk; ++d) dot += static_cast<double>(qi[d]) * kj[d];
        scores[j] = static_cast<float>(dot * in.scale);
        if (bias) scores[j] += bias[(static_cast<int64_t>(h) * Tq + i) * Tk + j];
        max_score = std::max(max_score, scores[j]);
      }
      if (max_score == -std::numeric_limits<float>::infinity()) continue;  // no visible key: row of 0
      double sum = 0.0;
      for (int j = 0; j < Tk; ++j) {
        p[j] = std::isinf(scores[j]) ? 0.0f : std::exp(scores[j] - max_score);
        sum += p[j];
      }
      for (int j = 0; j < Tk; ++j) p[j] = static_cast<float>(p[j] / sum);
      float* o = out.data + static_cast<int64_t>(i) * H * Dv + h * Dv;
      for (int j = 0; j < Tk; ++j) {
        if (p[j] == 0.0f) continue;
        const float* vj = vd + (static_cast<int64_t>(j) * KV + kvh) * Dv;
        for (int d = 0; d < Dv; ++d) o[d] += p[j] * vj[d];
      }
      if (full_map) std::copy(p.begin(), p.end(), full_map + static_cast<int64_t>(i) * Tk);
      if (pool) {
        // Max-pooling keeps every strong weight visible in the thumbnail.
        float* row = pooled.data + (static_cast<int64_t>(h) * pq + i / pool) * pk;
        for (int j = 0; j < Tk; ++j) row[j / pool] = std::max(row[j / pool], p[j]);
      }
    }
  }
  return {out.tensor, probs.tensor, pooled.tensor};
}

}  // namespace archscope
