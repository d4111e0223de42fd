// The sublayers of a transformer block, each a few backend calls in the
// order the papers write them.
#pragma once

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"
#include "engine/run/routing.h"
#include "engine/model/weights.h"

namespace archscope {

// The nonlinearity of an FFN kind (the gate's, for gated kinds).
Activation activation_of(FfnKind f);

// LayerNorm or RMSNorm as the spec says; x (T, D).
Tensor apply_norm(Backend& b, const ModelSpec& s, const Norm& n, const Tensor& x);

struct AttentionResult {
  Tensor out;    // (T, D) after the output projection
  Tensor probs;  // (H, Tq, Tk)
};

// Self-attention of x (T, D): MHA/GQA/MQA with optional RoPE, or MLA.
// `position_bias` (H, T, T) is T5's relative bias, or null.
AttentionResult self_attention(Backend& b, const ModelSpec& s, const AttentionWeights& w,
                               const Tensor& x, const AttentionMask& mask,
                               const Tensor* position_bias);

// Decoder queries x (Tq, D) over encoder memory (Tk, D); no positions.
AttentionResult cross_attention(Backend& b, const ModelSpec& s, const AttentionWeights& w,
                                const Tensor& x, const Tensor& memory, const AttentionMask& mask);

// The dense FFN of the spec's kind; x (T, D) -> (T, D).
Tensor feed_forward(Backend& b, const ModelSpec& s, const FfnWeights& w, const Tensor& x);

struct MoeResult {
  Tensor out;  // (T, D)
  Routing routing;
};

// Router, capacity cut, experts, combine, and shared experts; x (T, D).
MoeResult mixture_of_experts(Backend& b, const ModelSpec& s, const MoeWeights& w, const Tensor& x);

}  // namespace archscope
