// The weights of a model in the engine's own layout, whatever checkpoint they
// came from: linears as (out, in) like nn.Linear, one struct per block.
#pragma once

#include <optional>
#include <vector>

#include "engine/tensor.h"

namespace archscope {

struct Linear {
  Tensor w;  // (out, in)
  Tensor b;  // (out) or empty
  const Tensor* bias() const { return b.empty() ? nullptr : &b; }
};

struct Norm {
  Tensor gamma;  // (D)
  Tensor beta;   // (D) or empty (RMSNorm, T5)
};

struct AttentionWeights {
  // MHA / GQA / MQA
  Linear q, k, v;  // q (H*Dh, D), k and v (KV*Dh, D)
  Linear o;        // (D, H*Dv)
  // MLA (DeepSeek): q = q_b(norm(q_a x)) or q(x); [c_kv | k_rope] = kv_a(x)
  Linear q_a, q_b;    // (q_lora, D), (H*(nope+rope), q_lora)
  Norm q_a_norm;      // (q_lora)
  Linear kv_a;        // (kv_lora + rope, D)
  Norm kv_a_norm;     // (kv_lora)
  Linear kv_b;        // (H*(nope+v), kv_lora)
  Tensor relative_bias;  // T5 layer 0: (num_buckets, H)
};

struct FfnWeights {
  Linear up;    // (F, D): fc / wi / up_proj / w3
  Linear gate;  // (F, D): gate_proj / w1 / wi_0 (gated kinds only)
  Linear down;  // (D, F)
};

struct MoeWeights {
  Linear router;                // (E, D)
  Tensor correction_bias;       // (E) DeepSeek-V3 selection bias, or empty
  std::vector<FfnWeights> experts;
  std::optional<FfnWeights> shared;
  Linear shared_gate;           // (1, D) Qwen2-MoE, or empty
};

struct LayerWeights {
  Norm attn_norm;  // pre-norm: before attention; post-norm (BERT): after it
  AttentionWeights self_attn;
  Norm cross_norm;  // decoder of an encoder-decoder
  std::optional<AttentionWeights> cross_attn;
  Norm ffn_norm;
  FfnWeights ffn;  // dense layers
  std::optional<MoeWeights> moe;
};

struct StackWeights {
  std::vector<LayerWeights> layers;
  Norm final_norm;  // pre-norm stacks
};

struct ModelWeights {
  Tensor token_embedding;     // (V, D)
  Tensor position_embedding;  // (P, D) learned positions
  Tensor token_type_embedding;  // (types, D) BERT
  Norm embedding_norm;        // BERT
  StackWeights encoder;       // encoder-only and encoder-decoder
  StackWeights decoder;       // decoder-only, prefix LM and encoder-decoder
  Linear lm_head;             // (V, D), empty when tied to token_embedding
  // BERT MLM head: t = LN(gelu(dense x)); logits = t · token_embeddingᵀ + bias
  Linear mlm_dense;
  Norm mlm_norm;
  Tensor mlm_bias;  // (V)
};

}  // namespace archscope
