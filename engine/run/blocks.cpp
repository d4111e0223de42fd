// Attention (standard and multi-head latent) and feed-forward sublayers.
#include "engine/run/blocks.h"

#include <cmath>

namespace archscope {

namespace {

RopeInputs rope_of(const ModelSpec& s, int offset, int dim) {
  return {offset, dim, s.rope.theta, s.rope.interleaved, 0};
}

AttentionOutputs project_out(Backend& b, const ResidentWeights& R, const AttentionWeights& w, AttentionOutputs o) {
  o.out = b.linear(o.out, R[w.o.w], R.optional(w.o.b));  // (T, D)
  return o;
}

AttentionOutputs multi_head_latent_attention(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                             const AttentionWeights& w, const DeviceTensor& x,
                                             const AttentionCall& call) {
  const MlaSpec& m = s.mla;
  const int T = x.dim(0), H = s.heads, nope = m.qk_nope_head_dim, rope = m.qk_rope_head_dim;
  const float latent_eps = 1e-6f;  // q_a_layernorm and kv_a_layernorm use the RMSNorm default
  // Queries: (T, H, nope + rope), through the low-rank latent when q_lora_rank > 0.
  DeviceTensor q = m.q_lora_rank > 0
                       ? b.linear(b.rms_norm(b.linear(x, R[w.q_a.w], R.optional(w.q_a.b)), R[w.q_a_norm.gamma],
                                             latent_eps),
                                  R[w.q_b.w], nullptr)
                       : b.linear(x, R[w.q.w], nullptr);
  q = b.rope(q.reshaped({T, H, nope + rope}), rope_of(s, nope, rope));
  // Keys and values: compressed c_kv (T, kv_lora) and one shared k_rope (T, 1, rope).
  DeviceTensor kv_a = b.linear(x, R[w.kv_a.w], R.optional(w.kv_a.b));  // (T, kv_lora + rope)
  DeviceTensor c_kv = b.rms_norm(b.slice_last(kv_a, 0, m.kv_lora_rank), R[w.kv_a_norm.gamma], latent_eps);
  DeviceTensor k_rope = b.rope(b.slice_last(kv_a, m.kv_lora_rank, rope).reshaped({T, 1, rope}), rope_of(s, 0, rope));
  DeviceTensor kv = b.linear(c_kv, R[w.kv_b.w], nullptr).reshaped({T, H, nope + m.v_head_dim});
  // k (T, H, nope + rope) = [k_nope_h | k_rope], v (T, H, Dv)
  DeviceTensor k = b.concat_last(b.slice_last(kv, 0, nope), k_rope);
  DeviceTensor v = b.slice_last(kv, nope, m.v_head_dim);
  AttentionInputs in{&q, &k, &v, nullptr, call.key_valid, call.mask,
                     1.0f / std::sqrt(static_cast<float>(nope + rope)), call.probs};
  return project_out(b, R, w, b.attention(in));
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

bool is_gated(FfnKind f) { return f == FfnKind::SwiGLU || f == FfnKind::GatedGelu; }

DeviceTensor apply_norm(Backend& b, const ModelSpec& s, const ResidentWeights& R, const Norm& n,
                        const DeviceTensor& x) {
  const float eps = static_cast<float>(s.norm_eps);
  if (s.norm == NormKind::LayerNorm) return b.layer_norm(x, R[n.gamma], R.optional(n.beta), eps);
  return b.rms_norm(x, R[n.gamma], eps);
}

AttentionOutputs self_attention(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                const AttentionWeights& w, const DeviceTensor& x, const AttentionCall& call) {
  if (s.attention == AttentionKind::MLA) return multi_head_latent_attention(b, s, R, w, x, call);
  const int T = x.dim(0), H = s.heads, KV = s.kv_heads, Dh = s.head_dim;
  DeviceTensor q = b.linear(x, R[w.q.w], R.optional(w.q.b)).reshaped({T, H, Dh});   // (T, H, Dh)
  DeviceTensor k = b.linear(x, R[w.k.w], R.optional(w.k.b)).reshaped({T, KV, Dh});  // (T, KV, Dh)
  DeviceTensor v = b.linear(x, R[w.v.w], R.optional(w.v.b)).reshaped({T, KV, Dh});  // (T, KV, Dh)
  if (s.position == PositionKind::Rope) {
    q = b.rope(q, rope_of(s, 0, Dh));
    k = b.rope(k, rope_of(s, 0, Dh));
  }
  const float scale = s.scale_attention ? 1.0f / std::sqrt(static_cast<float>(Dh)) : 1.0f;
  AttentionInputs in{&q, &k, &v, call.position_bias, call.key_valid, call.mask, scale, call.probs};
  return project_out(b, R, w, b.attention(in));
}

AttentionOutputs cross_attention(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                 const AttentionWeights& w, const DeviceTensor& x, const DeviceTensor& memory,
                                 const AttentionCall& call) {
  const int Tq = x.dim(0), Tk = memory.dim(0), H = s.heads, KV = s.kv_heads, Dh = s.head_dim;
  DeviceTensor q = b.linear(x, R[w.q.w], R.optional(w.q.b)).reshaped({Tq, H, Dh});        // (Tq, H, Dh)
  DeviceTensor k = b.linear(memory, R[w.k.w], R.optional(w.k.b)).reshaped({Tk, KV, Dh});  // (Tk, KV, Dh)
  DeviceTensor v = b.linear(memory, R[w.v.w], R.optional(w.v.b)).reshaped({Tk, KV, Dh});  // (Tk, KV, Dh)
  const float scale = s.scale_attention ? 1.0f / std::sqrt(static_cast<float>(Dh)) : 1.0f;
  AttentionInputs in{&q, &k, &v, nullptr, call.key_valid, call.mask, scale, call.probs};
  return project_out(b, R, w, b.attention(in));
}

DeviceTensor feed_forward(Backend& b, const ModelSpec& s, const ResidentWeights& R, const FfnWeights& w,
                          const DeviceTensor& x) {
  const Activation act = activation_of(s.ffn);
  DeviceTensor hidden = is_gated(s.ffn)
                            ? b.gated(b.linear(x, R[w.gate.w], R.optional(w.gate.b)),
                                      b.linear(x, R[w.up.w], R.optional(w.up.b)), act)
                            : b.activate(b.linear(x, R[w.up.w], R.optional(w.up.b)), act);  // (T, F)
  return b.linear(hidden, R[w.down.w], R.optional(w.down.b));                              // (T, D)
}

}  // namespace archscope
