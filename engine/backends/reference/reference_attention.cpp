// The reference's softmax attention: one loop nest for the fused form and the
// one that writes probabilities (full maps for chosen heads, max-pooled
// thumbnails for all), so the two give the same output bit for bit.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/backends/reference/reference_backend.h"

namespace archscope {

using namespace reference;

AttentionOutputs ReferenceBackend::attention(const AttentionInputs& in) {
  require(in.q && in.k && in.v && in.mask, "attention", "q, k, v and mask are required");
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  require(q.rank() == 3 && k.rank() == 3 && v.rank() == 3, "attention",
          "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string());
  // q (Tq, H, Dqk), k (Tk, KV, Dqk), v (Tk, KV, Dv)
  const int Tq = q.dim(0), H = q.dim(1), Dqk = q.dim(2);
  const int Tk = k.dim(0), KV = k.dim(1), Dv = v.dim(2);
  require(k.dim(2) == Dqk && v.dim(0) == Tk && v.dim(1) == KV && KV > 0 && H % KV == 0, "attention",
          "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string());
  require(!in.bias || in.bias->shape == std::vector<int>{H, Tq, Tk}, "attention",
          "bias " + (in.bias ? in.bias->shape_string() : "") + " for H, Tq, Tk = " + std::to_string(H) + ", " +
              std::to_string(Tq) + ", " + std::to_string(Tk));
  require(!in.key_valid || in.key_valid->numel() == Tk, "attention", "key_valid of the wrong length");
  const std::vector<int>& full = in.probs.full_heads;
  for (size_t i = 0; i < full.size(); ++i)
    require(full[i] >= 0 && full[i] < H && (i == 0 || full[i] > full[i - 1]), "attention",
            "full_heads must be ascending heads below " + std::to_string(H));
  require(in.probs.pool >= 0, "attention", "negative pool");
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
