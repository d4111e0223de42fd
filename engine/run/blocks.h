// The sublayers of a transformer block, each a few backend calls in the
// order the papers write them. Tensors are backend handles; nothing here
// reads an element.
#pragma once

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"
#include "engine/run/resident_weights.h"

namespace archscope {

// The nonlinearity of an FFN kind (the gate's, for gated kinds).
Activation activation_of(FfnKind f);
bool is_gated(FfnKind f);

// LayerNorm or RMSNorm as the spec says; x (T, D).
DeviceTensor apply_norm(Backend& b, const ModelSpec& s, const ResidentWeights& R, const Norm& n,
                        const DeviceTensor& x);

// How one attention sublayer is masked and what it writes.
struct AttentionCall {
  const AttentionMask* mask = nullptr;
  const DeviceTensor* key_valid = nullptr;      // (Tk) int32, or null
  const DeviceTensor* position_bias = nullptr;  // T5's (H, Tq, Tk), or null
  AttentionProbs probs;                         // none: the fused form
};

// Self-attention of x (T, D): MHA/GQA/MQA with optional RoPE, or MLA. The
// result's `out` is (T, D), after the output projection.
AttentionOutputs self_attention(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                const AttentionWeights& w, const DeviceTensor& x, const AttentionCall& call);

// Decoder queries x (Tq, D) over encoder memory (Tk, D); no positions.
AttentionOutputs cross_attention(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                 const AttentionWeights& w, const DeviceTensor& x, const DeviceTensor& memory,
                                 const AttentionCall& call);

// The dense FFN of the spec's kind; x (T, D) -> (T, D).
DeviceTensor feed_forward(Backend& b, const ModelSpec& s, const ResidentWeights& R, const FfnWeights& w,
                          const DeviceTensor& x);

}  // namespace archscope
