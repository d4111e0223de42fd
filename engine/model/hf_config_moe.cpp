// config.json -> ModelSpec for the mixture-of-experts model types: mixtral,
// qwen2_moe, deepseek_v2, deepseek_v3 and switch_transformers. A missing key
// gets the default of the configuration class in transformers 5.17, and a key
// the 5.17 modules never read is not read here either.
#include <algorithm>

#include "engine/model/hf_config_families.h"
#include "engine/model/limits.h"

namespace archscope::hf {

namespace {

// Switch: (i % step == 1 or step == 1) marks a sparse layer (SwitchTransformersStack).
int switch_sparse_step(const ConfigReader& c, const char* step_key, const char* count_key,
                       int layers) {
  if (c.has(step_key)) return c.positive_int(step_key, limits::kLayers);
  int sparse = c.non_negative_int_or(count_key, 3, limits::kLayers);
  return sparse > 0 ? std::max(0, layers / sparse) : layers;
}

}  // namespace

ModelSpec import_mixtral(const ConfigReader& c) {
  ModelSpec s = import_llama_family(c, WeightLayout::Mixtral, 1e6);
  // MixtralConfig: sliding_window defaults to None; the attention reads it.
  if (c.has("sliding_window")) {
    s.mask.kind = MaskKind::SlidingWindow;
    s.mask.window = c.positive_int("sliding_window", limits::kPositions);
    s.mask.window_counts_self = true;  // Hugging Face: q - W < kv <= q
  }
  s.moe.experts = c.positive_int("num_local_experts", limits::kExperts);
  s.moe.top_k = c.positive_int("num_experts_per_tok", limits::kExperts);
  s.moe.expert_intermediate = s.d_ff;
  s.moe.router = RouterFunction::Softmax;
  s.moe.normalize_top_k = true;
  s.moe.aux_loss_coef = c.number_or("router_aux_loss_coef", 0.001);
  return s;
}

ModelSpec import_qwen2_moe(const ConfigReader& c) {
  ModelSpec s = import_llama_family(c, WeightLayout::Qwen2Moe, 1e4);
  s.qkv_bias = c.bool_or("qkv_bias", true);
  if (c.bool_or("use_sliding_window", false))
    c.fail("use_sliding_window", "false (per-layer sliding windows are not supported)");
  s.moe.experts = c.positive_int("num_experts", limits::kExperts);
  s.moe.top_k = c.positive_int("num_experts_per_tok", limits::kExperts);
  s.moe.expert_intermediate = c.positive_int("moe_intermediate_size", limits::kFfnWidth);
  // Qwen2MoeConfig: shared_expert_intermediate_size=5632. Qwen2MoeSparseMoeBlock
  // always builds the shared expert and its sigmoid gate from it.
  const int shared = count_or(c, "shared_expert_intermediate_size", 5632, limits::kSharedWidth);
  s.moe.shared_experts = shared > 0 ? 1 : 0;
  s.moe.shared_intermediate = shared;
  s.moe.shared_gate = shared > 0;
  s.moe.normalize_top_k = c.bool_or("norm_topk_prob", false);
  int step = c.positive_int_or("decoder_sparse_step", 1, limits::kLayers);
  s.moe.layer_step = step;
  s.moe.step_remainder = step - 1;  // MoE iff (i + 1) % step == 0
  s.moe.dense_layers = c.int_list_or("mlp_only_layers", {}, limits::kLayers);
  s.moe.aux_loss_coef = c.number_or("router_aux_loss_coef", 0.001);
  return s;
}

// Defaults from DeepseekV3Config.__init__ and DeepseekV2Config.__init__;
// behaviour from DeepseekV3MoE / DeepseekV2Moe and their decoder layers.
ModelSpec import_deepseek(const ConfigReader& c, bool v3) {
  ModelSpec s;
  s.family = Family::DecoderOnly;
  s.layout = WeightLayout::DeepSeek;
  s.vocab_size = c.positive_int("vocab_size", limits::kVocab);
  s.d_model = c.positive_int("hidden_size", limits::kWidth);
  s.layers = c.positive_int("num_hidden_layers", limits::kLayers);
  s.heads = c.positive_int("num_attention_heads", limits::kHeads);
  s.kv_heads = s.heads;
  s.attention = AttentionKind::MLA;
  // Absent: 1536 (both classes). null: no query compression, q_proj instead.
  s.mla.q_lora_rank = c.is_null("q_lora_rank") ? 0 : c.positive_int_or("q_lora_rank", 1536, limits::kWidth);
  s.mla.kv_lora_rank = c.positive_int_or("kv_lora_rank", 512, limits::kWidth);
  s.mla.qk_nope_head_dim = c.positive_int_or("qk_nope_head_dim", 128, limits::kHeadDim);
  s.mla.qk_rope_head_dim = c.positive_int_or("qk_rope_head_dim", 64, limits::kHeadDim);
  s.mla.v_head_dim = c.positive_int_or("v_head_dim", 128, limits::kHeadDim);
  s.head_dim = s.mla.v_head_dim;
  s.d_ff = c.positive_int("intermediate_size", limits::kFfnWidth);
  s.max_positions = c.positive_int_or("max_position_embeddings", v3 ? 4096 : 2048, limits::kPositions);
  require_silu(c);
  s.position = PositionKind::Rope;
  s.rope = read_rope(c, 1e4);
  // rope_interleave is DeepseekV3Attention's switch. DeepSeek-V2's
  // apply_rotary_emb always views q and k as complex pairs (2i, 2i+1).
  s.rope.interleaved = v3 ? c.bool_or("rope_interleave", true) : true;
  s.norm = NormKind::RMSNorm;
  s.norm_eps = c.positive_number_or("rms_norm_eps", 1e-6);
  s.ffn = FfnKind::SwiGLU;
  s.attention_bias = c.bool_or("attention_bias", false);
  // V2's dense MLP and shared experts are LlamaMLPs (bias=config.mlp_bias); its
  // routed experts and all of V3's MLPs have no biases.
  s.mlp_bias = v3 ? false : c.bool_or("mlp_bias", false);
  s.tied_embeddings = c.bool_or("tie_word_embeddings", false);
  s.mask.kind = MaskKind::Causal;

  MoeSpec& m = s.moe;
  m.experts = c.positive_int_or("n_routed_experts", v3 ? 256 : 64, limits::kExperts);
  m.top_k = v3 ? c.positive_int_or("num_experts_per_tok", 8, limits::kExperts) : c.positive_int("num_experts_per_tok", limits::kExperts);
  m.expert_intermediate = c.positive_int_or("moe_intermediate_size", v3 ? 2048 : 1407, limits::kFfnWidth);
  m.shared_experts = count_or(c, "n_shared_experts", v3 ? 1 : 2, limits::kSharedExperts);
  m.shared_intermediate = m.shared_experts * m.expert_intermediate;
  // Every layer from first_k_dense_replace on is MoE: the 5.17 decoder layers
  // test `layer_idx >= config.first_k_dense_replace` and never read moe_layer_freq.
  m.first_dense = count_or(c, "first_k_dense_replace", v3 ? 3 : 0, limits::kLayers);
  m.layer_step = 1;
  m.step_remainder = 0;
  m.routed_scaling = c.positive_number_or("routed_scaling_factor", v3 ? 2.5 : 1.0);
  m.aux_loss_coef = c.number_or("aux_loss_alpha", 0.001);
  if (v3) {
    // DeepseekV3MoE.route_tokens_to_experts: sigmoid scores, correction bias
    // for selection, top-2-sum group scores, renormalised when norm_topk_prob.
    m.router = RouterFunction::Sigmoid;
    m.correction_bias = true;
    m.group_score = GroupScore::Top2Sum;
    m.groups = c.positive_int_or("n_group", 8, limits::kExperts);
    m.top_groups = c.positive_int_or("topk_group", 4, limits::kExperts);
    if (c.is_null("n_group")) c.fail("n_group", "a positive integer (DeepseekV3MoE divides by it)");
    if (c.is_null("topk_group")) c.fail("topk_group", "a positive integer (DeepseekV3MoE takes that many groups)");
    m.normalize_top_k = c.bool_or("norm_topk_prob", true);
  } else {
    std::string scoring = c.string_or("scoring_func", "softmax");
    if (scoring != "softmax") c.fail("scoring_func", "\"softmax\" for deepseek_v2");
    m.router = RouterFunction::Softmax;
    std::string method = c.string_or("topk_method", "greedy");
    if (method == "greedy") {
      m.groups = m.top_groups = 1;
    } else if (method == "group_limited_greedy") {
      // DeepseekV2Config leaves n_group and topk_group None; this method needs both.
      m.group_score = GroupScore::Max;
      m.groups = c.positive_int("n_group", limits::kExperts);
      m.top_groups = c.positive_int("topk_group", limits::kExperts);
    } else {
      c.fail("topk_method", "\"greedy\" or \"group_limited_greedy\" for deepseek_v2");
    }
    // DeepseekV2Moe.route_tokens_to_experts never reads norm_topk_prob: the
    // chosen softmax probabilities are only multiplied by routed_scaling_factor.
    m.normalize_top_k = false;
  }
  return s;
}

ModelSpec import_switch(const ConfigReader& c) {
  ModelSpec s = import_t5_family(c, WeightLayout::Switch);
  std::string act = c.string_or("dense_act_fn", "relu");
  if (act != "relu") c.fail("dense_act_fn", "\"relu\"");
  s.ffn = FfnKind::Relu;
  int enc_step = switch_sparse_step(c, "encoder_sparse_step", "num_sparse_encoder_layers", s.layers);
  int dec_step =
      switch_sparse_step(c, "decoder_sparse_step", "num_sparse_decoder_layers", s.decoder_layers);
  if (enc_step != dec_step)
    c.fail_value("decoder_sparse_step", "differs from the encoder's (" + std::to_string(enc_step) +
                                            " vs " + std::to_string(dec_step) +
                                            "); both stacks must share one MoE layer pattern");
  if (enc_step == 0) c.fail_value("encoder_sparse_step", "0 leaves no sparse layer: use model_type t5");
  MoeSpec& m = s.moe;
  m.experts = c.positive_int("num_experts", limits::kExperts);
  m.top_k = 1;
  m.expert_intermediate = s.d_ff;
  m.normalize_top_k = false;
  m.router_bias = c.bool_or("router_bias", false);
  m.layer_step = enc_step;
  m.step_remainder = enc_step == 1 ? 0 : 1;
  // Every config runs as transformers 5.17 runs it, whichever version saved it:
  // dropless, because the router's cumsum runs over a length-1 axis
  // (engine/model/compat.cpp). The capacity is kept for the compatibility
  // modes that reproduce 4.x, which the user asks for by name.
  m.capacity = c.positive_int_or("expert_capacity", 64, limits::kPositions);
  m.capacity_mode = CapacityMode::Dropless;
  m.drop_policy = DropPolicy::Position;  // HF 4.x: cumulative count in sequence order
  m.library_compat = "transformers 5 applies no expert capacity to Switch (its router's cumsum runs "
                     "over a length-1 axis), so no token is dropped; expert_capacity " +
                     std::to_string(m.capacity) +
                     " binds only under --compat scaled-input (transformers 4.25 to 4.51) or "
                     "--compat zero (4.52 to 4.57)";
  const std::string saved_by = c.string_or("transformers_version", "");
  if (saved_by.rfind("4.", 0) == 0)
    m.library_compat += "; this config was saved by transformers " + saved_by;
  m.aux_loss_coef = c.number_or("router_aux_loss_coef", 0.001);
  m.z_loss_coef = c.number_or("router_z_loss_coef", 0.001);
  return s;
}

}  // namespace archscope::hf
