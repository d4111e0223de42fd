// Attention (standard and multi-head latent), feed-forward and MoE sublayers.
#include "engine/run/blocks.h"

#include <cmath>

namespace archscope {

namespace {

// Columns [from, from + count) of every row of x (rows, cols).
Tensor columns(const Tensor& x, int from, int count) {
  Tensor out({x.rows(), count});
  for (int r = 0; r < x.rows(); ++r) std::copy(x.row(r) + from, x.row(r) + from + count, out.row(r));
  return out;
}

RopeInputs rope_of(const ModelSpec& s, int offset, int dim) {
  return {offset, dim, s.rope.theta, s.rope.interleaved, 0};
}

AttentionResult multi_head_latent_attention(Backend& b, const ModelSpec& s,
                                            const AttentionWeights& w, const Tensor& x,
                                            const AttentionMask& mask) {
  const MlaSpec& m = s.mla;
  const int T = x.dim(0), H = s.heads, nope = m.qk_nope_head_dim, rope = m.qk_rope_head_dim;
  const float latent_eps = 1e-6f;  // q_a_layernorm and kv_a_layernorm use the RMSNorm default
  // Queries: (T, H, nope + rope), through the low-rank latent when q_lora_rank > 0.
  Tensor q = m.q_lora_rank > 0
                 ? b.linear(b.rms_norm(b.linear(x, w.q_a.w, w.q_a.bias()), w.q_a_norm.gamma, latent_eps),
                            w.q_b.w, nullptr)
                 : b.linear(x, w.q.w, nullptr);
  q = q.reshaped({T, H, nope + rope});
  // Keys and values: compressed c_kv (T, kv_lora) and one shared k_rope (T, 1, rope).
  Tensor kv_a = b.linear(x, w.kv_a.w, w.kv_a.bias());
  Tensor c_kv = b.rms_norm(columns(kv_a, 0, m.kv_lora_rank), w.kv_a_norm.gamma, latent_eps);
  Tensor k_rope = columns(kv_a, m.kv_lora_rank, rope).reshaped({T, 1, rope});
  Tensor kv = b.linear(c_kv, w.kv_b.w, nullptr).reshaped({T, H, nope + m.v_head_dim});
  b.rope(q, rope_of(s, nope, rope));
  b.rope(k_rope, rope_of(s, 0, rope));
  // k (T, H, nope + rope) = [k_nope_h | k_rope], v (T, H, Dv)
  Tensor k({T, H, nope + rope}), v({T, H, m.v_head_dim});
  for (int t = 0; t < T; ++t)
    for (int h = 0; h < H; ++h) {
      const float* src = kv.row(t * H + h);
      std::copy(src, src + nope, k.row(t * H + h));
      std::copy(k_rope.row(t), k_rope.row(t) + rope, k.row(t * H + h) + nope);
      std::copy(src + nope, src + nope + m.v_head_dim, v.row(t * H + h));
    }
  AttentionInputs in{&q, &k, &v, nullptr, &mask, 1.0f / std::sqrt(static_cast<float>(nope + rope))};
  AttentionOutputs o = b.attention(in);
  return {b.linear(o.out, w.o.w, w.o.bias()), std::move(o.probs)};
}

}  // namespace

Activation activation_of(FfnKind f) {
  switch (f) {
    case FfnKind::GeluExact: return Activation::GeluExact;
    case FfnKind::GeluTanh: return Activation::GeluTanh;
    case FfnKind::Relu: return Activation::Relu;
    case FfnKind::SwiGLU: return Activation::Silu;
    case FfnKind::GatedGelu: return Activation::GeluTanh;
  }
  return Activation::Relu;
}

Tensor apply_norm(Backend& b, const ModelSpec& s, const Norm& n, const Tensor& x) {
  const float eps = static_cast<float>(s.norm_eps);
  if (s.norm == NormKind::LayerNorm) return b.layer_norm(x, n.gamma, n.beta.empty() ? nullptr : &n.beta, eps);
  return b.rms_norm(x, n.gamma, eps);
}

AttentionResult self_attention(Backend& b, const ModelSpec& s, const AttentionWeights& w,
                               const Tensor& x, const AttentionMask& mask,
                               const Tensor* position_bias) {
  if (s.attention == AttentionKind::MLA) return multi_head_latent_attention(b, s, w, x, mask);
  const int T = x.dim(0), H = s.heads, KV = s.kv_heads, Dh = s.head_dim;
  Tensor q = b.linear(x, w.q.w, w.q.bias()).reshaped({T, H, Dh});   // (T, H, Dh)
  Tensor k = b.linear(x, w.k.w, w.k.bias()).reshaped({T, KV, Dh});  // (T, KV, Dh)
  Tensor v = b.linear(x, w.v.w, w.v.bias()).reshaped({T, KV, Dh});  // (T, KV, Dh)
  if (s.position == PositionKind::Rope) {
    b.rope(q, rope_of(s, 0, Dh));
    b.rope(k, rope_of(s, 0, Dh));
  }
  const float scale = s.scale_attention ? 1.0f / std::sqrt(static_cast<float>(Dh)) : 1.0f;
  AttentionOutputs o = b.attention({&q, &k, &v, position_bias, &mask, scale});
  return {b.linear(o.out, w.o.w, w.o.bias()), std::move(o.probs)};
}

AttentionResult cross_attention(Backend& b, const ModelSpec& s, const AttentionWeights& w,
                                const Tensor& x, const Tensor& memory, const AttentionMask& mask) {
  const int Tq = x.dim(0), Tk = memory.dim(0), H = s.heads, KV = s.kv_heads, Dh = s.head_dim;
  Tensor q = b.linear(x, w.q.w, w.q.bias()).reshaped({Tq, H, Dh});        // (Tq, H, Dh)
  Tensor k = b.linear(memory, w.k.w, w.k.bias()).reshaped({Tk, KV, Dh});  // (Tk, KV, Dh)
  Tensor v = b.linear(memory, w.v.w, w.v.bias()).reshaped({Tk, KV, Dh});  // (Tk, KV, Dh)
  const float scale = s.scale_attention ? 1.0f / std::sqrt(static_cast<float>(Dh)) : 1.0f;
  AttentionOutputs o = b.attention({&q, &k, &v, nullptr, &mask, scale});
  return {b.linear(o.out, w.o.w, w.o.bias()), std::move(o.probs)};
}

Tensor feed_forward(Backend& b, const ModelSpec& s, const FfnWeights& w, const Tensor& x) {
  const Activation act = activation_of(s.ffn);
  Tensor hidden = s.ffn == FfnKind::SwiGLU || s.ffn == FfnKind::GatedGelu
                      ? b.gated(b.linear(x, w.gate.w, w.gate.bias()), b.linear(x, w.up.w, w.up.bias()), act)
                      : b.activate(b.linear(x, w.up.w, w.up.bias()), act);  // (T, F)
  return b.linear(hidden, w.down.w, w.down.bias());                         // (T, D)
}

MoeResult mixture_of_experts(Backend& b, const ModelSpec& s, const MoeWeights& w, const Tensor& x) {
  const MoeSpec& spec = s.moe;
  const int T = x.dim(0), D = x.dim(1);
  Tensor logits = b.linear(x, w.router.w, w.router.bias());  // (T, E)
  MoeResult r{Tensor({T, D}),
              select_experts(logits, spec, w.correction_bias.empty() ? nullptr : &w.correction_bias)};
  assign_capacity(r.routing, spec);
  const Routing& route = r.routing;

  // Dispatch: each expert runs once on the rows routed to it and kept.
  std::vector<std::vector<int>> pairs_of(spec.experts);  // per expert: indices into (T, K)
  for (int i = 0; i < T * spec.top_k; ++i)
    if (route.kept[i]) pairs_of[route.expert[i]].push_back(i);
  for (int e = 0; e < spec.experts; ++e) {
    const std::vector<int>& pairs = pairs_of[e];
    if (pairs.empty()) continue;
    Tensor rows({static_cast<int>(pairs.size()), D});  // (n, D)
    for (size_t n = 0; n < pairs.size(); ++n) std::copy(x.row(pairs[n] / spec.top_k), x.row(pairs[n] / spec.top_k) + D, rows.row(n));
    Tensor y = feed_forward(b, s, w.experts[e], rows);  // (n, D)
    // Combine: out[t] += weight * expert(x[t]).
    for (size_t n = 0; n < pairs.size(); ++n) {
      float* out = r.out.row(pairs[n] / spec.top_k);
      for (int d = 0; d < D; ++d) out[d] += route.weight[pairs[n]] * y.row(n)[d];
    }
  }
  // A dropped pair adds nothing, so the residual carries the token; older
  // transformers' Switch output weight * x for it instead, on request.
  if (spec.drop_output == DropOutput::ScaledInput)
    for (int i = 0; i < T * spec.top_k; ++i)
      if (!route.kept[i]) {
        const int t = i / spec.top_k;
        for (int d = 0; d < D; ++d) r.out.row(t)[d] += route.weight[i] * x.row(t)[d];
      }

  if (w.shared) {
    Tensor shared = feed_forward(b, s, *w.shared, x);  // (T, D)
    if (!w.shared_gate.w.empty()) {
      Tensor gate = b.activate(b.linear(x, w.shared_gate.w, nullptr), Activation::Sigmoid);  // (T, 1)
      for (int t = 0; t < T; ++t)
        for (int d = 0; d < D; ++d) shared.row(t)[d] *= gate.data[t];
    }
    b.add_inplace(r.out, shared);
  }
  return r;
}

}  // namespace archscope
