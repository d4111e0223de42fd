// config.json -> ModelSpec, one function per Hugging Face model type. Field
// names and defaults follow each family's configuration_*.py (architecture-facts §2).
#include "engine/model/hf_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/model/config_reader.h"
#include "engine/errors.h"

namespace archscope {

namespace {

namespace fs = std::filesystem;

FfnKind activation(const ConfigReader& c, const std::string& key, const std::string& fallback) {
  std::string act = c.string_or(key, fallback);
  if (act == "gelu") return FfnKind::GeluExact;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") return FfnKind::GeluTanh;
  if (act == "relu") return FfnKind::Relu;
  c.fail(key, "one of gelu, gelu_new, gelu_pytorch_tanh, relu");
}

void require_silu(const ConfigReader& c) {
  std::string act = c.string_or("hidden_act", "silu");
  if (act != "silu" && act != "swish") c.fail("hidden_act", "\"silu\" (SwiGLU experts and MLPs)");
}

// rope_theta (older files) or rope_parameters{rope_theta, rope_type, ...} (transformers 5).
RopeSpec read_rope(const ConfigReader& c, double default_theta) {
  RopeSpec r;
  r.theta = c.positive_number_or("rope_theta", default_theta);
  auto scaling = c.object("rope_scaling");
  auto params = c.object("rope_parameters");
  for (const auto& block : {scaling, params}) {
    if (!block) continue;
    r.theta = block->positive_number_or("rope_theta", r.theta);
    r.scaling_type = block->string_or("rope_type", block->string_or("type", r.scaling_type));
    r.scaling_factor = block->positive_number_or("factor", r.scaling_factor);
    r.yarn_mscale_all_dim = block->number_or("mscale_all_dim", r.yarn_mscale_all_dim);
  }
  return r;
}

void read_heads(ModelSpec& s, const ConfigReader& c, const char* heads_key, const char* kv_key) {
  s.heads = c.positive_int(heads_key);
  // null num_key_value_heads means one KV head per query head.
  s.kv_heads = c.positive_int_or(kv_key, s.heads);
  if (c.has("head_dim")) {
    s.head_dim = c.positive_int("head_dim");
  } else {
    if (s.d_model % s.heads != 0)
      c.fail_value(heads_key, std::to_string(s.heads) + " does not divide hidden size " +
                                  std::to_string(s.d_model) + " and no head_dim is given");
    s.head_dim = s.d_model / s.heads;
  }
  s.attention = attention_kind_for(s.heads, s.kv_heads);
}

// Multi-head attention whose heads split the width evenly (BERT, GPT-2).
void read_even_heads(ModelSpec& s, const ConfigReader& c, const char* heads_key,
                     const char* width_key) {
  s.heads = c.positive_int(heads_key);
  if (s.d_model % s.heads != 0)
    c.fail_value(heads_key, std::to_string(s.heads) + " does not divide " + width_key + " " +
                                std::to_string(s.d_model));
  s.kv_heads = s.heads;
  s.head_dim = s.d_model / s.heads;
  s.attention = AttentionKind::MHA;
}

ModelSpec import_bert(const ConfigReader& c) {
  ModelSpec s;
  s.family = Family::EncoderOnly;
  s.layout = WeightLayout::Bert;
  s.vocab_size = c.positive_int("vocab_size");
  s.d_model = c.positive_int("hidden_size");
  s.layers = c.positive_int("num_hidden_layers");
  read_even_heads(s, c, "num_attention_heads", "hidden_size");
  s.d_ff = c.positive_int("intermediate_size");
  s.max_positions = c.positive_int_or("max_position_embeddings", 512);
  s.type_vocab_size = c.non_negative_int_or("type_vocab_size", 2);
  std::string pos = c.string_or("position_embedding_type", "absolute");
  if (pos != "absolute") c.fail("position_embedding_type", "\"absolute\"");
  if (c.bool_or("is_decoder", false)) c.fail("is_decoder", "false (BERT as an encoder)");
  s.position = PositionKind::Learned;
  s.norm = NormKind::LayerNorm;
  s.norm_placement = NormPlacement::Post;
  s.norm_eps = c.positive_number_or("layer_norm_eps", 1e-12);
  s.ffn = activation(c, "hidden_act", "gelu");
  s.attention_bias = true;
  s.mlp_bias = true;
  s.mask.kind = MaskKind::Bidirectional;
  s.tied_embeddings = c.bool_or("tie_word_embeddings", true);
  s.pooler = true;
  s.mlm_head = true;
  return s;
}

ModelSpec import_gpt2(const ConfigReader& c) {
  ModelSpec s;
  s.family = Family::DecoderOnly;
  s.layout = WeightLayout::Gpt2;
  s.vocab_size = c.positive_int_or("vocab_size", 50257);
  s.d_model = c.positive_int("n_embd");
  s.layers = c.positive_int("n_layer");
  read_even_heads(s, c, "n_head", "n_embd");
  s.d_ff = c.positive_int_or("n_inner", 4 * s.d_model);
  s.max_positions = c.positive_int_or("n_positions", 1024);
  if (!c.bool_or("scale_attn_weights", true)) c.fail("scale_attn_weights", "true");
  if (c.bool_or("scale_attn_by_inverse_layer_idx", false))
    c.fail("scale_attn_by_inverse_layer_idx", "false");
  s.position = PositionKind::Learned;
  s.norm = NormKind::LayerNorm;
  s.norm_eps = c.positive_number_or("layer_norm_epsilon", 1e-5);
  s.ffn = activation(c, "activation_function", "gelu_new");
  s.attention_bias = true;
  s.mlp_bias = true;
  s.mask.kind = MaskKind::Causal;
  s.tied_embeddings = c.bool_or("tie_word_embeddings", true);
  return s;
}

// llama, mistral, mixtral and qwen2_moe share these fields.
ModelSpec import_llama_family(const ConfigReader& c, WeightLayout layout, double default_theta) {
  ModelSpec s;
  s.family = Family::DecoderOnly;
  s.layout = layout;
  s.vocab_size = c.positive_int("vocab_size");
  s.d_model = c.positive_int("hidden_size");
  s.layers = c.positive_int("num_hidden_layers");
  read_heads(s, c, "num_attention_heads", "num_key_value_heads");
  s.d_ff = c.positive_int("intermediate_size");
  s.max_positions = c.positive_int_or("max_position_embeddings", 2048);
  require_silu(c);
  s.position = PositionKind::Rope;
  s.rope = read_rope(c, default_theta);
  s.norm = NormKind::RMSNorm;
  s.norm_eps = c.positive_number_or("rms_norm_eps", 1e-6);
  s.ffn = FfnKind::SwiGLU;
  s.attention_bias = c.bool_or("attention_bias", false);
  s.mlp_bias = c.bool_or("mlp_bias", false);
  s.tied_embeddings = c.bool_or("tie_word_embeddings", false);
  s.mask.kind = MaskKind::Causal;
  if (c.has("sliding_window") && layout != WeightLayout::Qwen2Moe) {
    s.mask.kind = MaskKind::SlidingWindow;
    s.mask.window = c.positive_int("sliding_window");
    s.mask.window_counts_self = true;  // Hugging Face: q - W < kv <= q
  }
  return s;
}

ModelSpec import_mixtral(const ConfigReader& c) {
  ModelSpec s = import_llama_family(c, WeightLayout::Mixtral, 1e6);
  s.moe.experts = c.positive_int("num_local_experts");
  s.moe.top_k = c.positive_int("num_experts_per_tok");
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
  s.moe.experts = c.positive_int("num_experts");
  s.moe.top_k = c.positive_int("num_experts_per_tok");
  s.moe.expert_intermediate = c.positive_int("moe_intermediate_size");
  int shared = c.non_negative_int_or("shared_expert_intermediate_size", 0);
  s.moe.shared_experts = shared > 0 ? 1 : 0;
  s.moe.shared_intermediate = shared;
  s.moe.shared_gate = shared > 0;
  s.moe.normalize_top_k = c.bool_or("norm_topk_prob", false);
  int step = c.positive_int_or("decoder_sparse_step", 1);
  s.moe.layer_step = step;
  s.moe.step_remainder = step - 1;  // MoE iff (i + 1) % step == 0
  s.moe.dense_layers = c.int_list_or("mlp_only_layers", {});
  s.moe.aux_loss_coef = c.number_or("router_aux_loss_coef", 0.001);
  return s;
}

ModelSpec import_deepseek(const ConfigReader& c, bool v3) {
  ModelSpec s;
  s.family = Family::DecoderOnly;
  s.layout = WeightLayout::DeepSeek;
  s.vocab_size = c.positive_int("vocab_size");
  s.d_model = c.positive_int("hidden_size");
  s.layers = c.positive_int("num_hidden_layers");
  s.heads = c.positive_int("num_attention_heads");
  s.kv_heads = s.heads;
  s.attention = AttentionKind::MLA;
  s.mla.q_lora_rank = c.non_negative_int_or("q_lora_rank", 0);
  s.mla.kv_lora_rank = c.positive_int("kv_lora_rank");
  s.mla.qk_nope_head_dim = c.positive_int("qk_nope_head_dim");
  s.mla.qk_rope_head_dim = c.positive_int("qk_rope_head_dim");
  s.mla.v_head_dim = c.positive_int("v_head_dim");
  s.head_dim = s.mla.v_head_dim;
  s.d_ff = c.positive_int("intermediate_size");
  s.max_positions = c.positive_int_or("max_position_embeddings", 4096);
  require_silu(c);
  s.position = PositionKind::Rope;
  s.rope = read_rope(c, 1e4);
  s.rope.interleaved = c.bool_or("rope_interleave", true);
  s.norm = NormKind::RMSNorm;
  s.norm_eps = c.positive_number_or("rms_norm_eps", 1e-6);
  s.ffn = FfnKind::SwiGLU;
  s.attention_bias = c.bool_or("attention_bias", false);
  s.tied_embeddings = c.bool_or("tie_word_embeddings", false);
  s.mask.kind = MaskKind::Causal;

  MoeSpec& m = s.moe;
  m.experts = c.positive_int("n_routed_experts");
  m.top_k = c.positive_int("num_experts_per_tok");
  m.expert_intermediate = c.positive_int("moe_intermediate_size");
  m.shared_experts = c.non_negative_int_or("n_shared_experts", 0);
  m.shared_intermediate = m.shared_experts * m.expert_intermediate;
  m.first_dense = c.non_negative_int_or("first_k_dense_replace", 0);
  m.layer_step = c.positive_int_or("moe_layer_freq", 1);
  m.step_remainder = 0;
  m.groups = c.positive_int_or("n_group", 1);
  m.top_groups = c.positive_int_or("topk_group", 1);
  m.routed_scaling = c.positive_number_or("routed_scaling_factor", v3 ? 2.5 : 1.0);
  m.aux_loss_coef = c.number_or("aux_loss_alpha", 0.001);
  if (v3) {
    // DeepseekV3TopkRouter: sigmoid scores, correction bias, top-2-sum group scores.
    m.router = RouterFunction::Sigmoid;
    m.correction_bias = true;
    m.group_score = GroupScore::Top2Sum;
    m.normalize_top_k = c.bool_or("norm_topk_prob", true);
  } else {
    std::string scoring = c.string_or("scoring_func", "softmax");
    if (scoring != "softmax") c.fail("scoring_func", "\"softmax\" for deepseek_v2");
    m.router = RouterFunction::Softmax;
    std::string method = c.string_or("topk_method", "greedy");
    if (method == "greedy") {
      m.groups = m.top_groups = 1;
    } else if (method == "group_limited_greedy") {
      m.group_score = GroupScore::Max;
    } else {
      c.fail("topk_method", "\"greedy\" or \"group_limited_greedy\" for deepseek_v2");
    }
    m.normalize_top_k = c.bool_or("norm_topk_prob", false);
  }
  return s;
}

// t5 and switch_transformers share these fields.
ModelSpec import_t5_family(const ConfigReader& c, WeightLayout layout) {
  ModelSpec s;
  s.family = Family::EncoderDecoder;
  s.layout = layout;
  s.vocab_size = c.positive_int("vocab_size");
  s.d_model = c.positive_int("d_model");
  s.layers = c.positive_int("num_layers");
  s.decoder_layers = c.positive_int_or("num_decoder_layers", s.layers);
  s.heads = c.positive_int("num_heads");
  s.kv_heads = s.heads;
  s.head_dim = c.positive_int("d_kv");
  s.attention = AttentionKind::MHA;
  s.d_ff = c.positive_int("d_ff");
  s.max_positions = 512;
  s.position = PositionKind::T5Relative;
  s.buckets.num_buckets = c.positive_int_or("relative_attention_num_buckets", 32);
  s.buckets.max_distance = c.positive_int_or("relative_attention_max_distance", 128);
  s.scale_attention = false;
  s.norm = NormKind::RMSNorm;
  s.norm_eps = c.positive_number_or("layer_norm_epsilon", 1e-6);
  s.mask.kind = MaskKind::Causal;
  s.tied_embeddings = c.bool_or("tie_word_embeddings", true);
  s.scale_tied_logits = s.tied_embeddings && c.bool_or("scale_decoder_outputs", true);
  return s;
}

ModelSpec import_t5(const ConfigReader& c) {
  ModelSpec s = import_t5_family(c, WeightLayout::T5);
  std::string proj = c.string_or("feed_forward_proj", "relu");
  if (proj == "relu") {
    s.ffn = FfnKind::Relu;
  } else if (proj == "gated-gelu") {
    s.ffn = FfnKind::GatedGelu;
  } else {
    c.fail("feed_forward_proj", "\"relu\" or \"gated-gelu\"");
  }
  return s;
}

// Switch: (i % step == 1 or step == 1) marks a sparse layer (SwitchTransformersStack).
int switch_sparse_step(const ConfigReader& c, const char* step_key, const char* count_key,
                       int layers) {
  if (c.has(step_key)) return c.positive_int(step_key);
  int sparse = c.non_negative_int_or(count_key, 3);
  return sparse > 0 ? std::max(0, layers / sparse) : layers;
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
  m.experts = c.positive_int("num_experts");
  m.top_k = 1;
  m.expert_intermediate = s.d_ff;
  m.normalize_top_k = false;
  m.router_bias = c.bool_or("router_bias", false);
  m.layer_step = enc_step;
  m.step_remainder = enc_step == 1 ? 0 : 1;
  m.capacity = c.positive_int_or("expert_capacity", 64);
  m.drop_policy = DropPolicy::Position;  // HF: cumulative count in sequence order
  // Reproduce the library that saved the checkpoint, so parity holds. In
  // transformers 5 the router's cumsum runs over a length-1 axis, so the
  // capacity never binds; 4.x applied it and zeroed dropped tokens.
  const std::string version = c.string_or("transformers_version", "");
  if (!version.empty() && version[0] >= '5' && version[0] <= '9' && version[1] == '.') {
    m.capacity_mode = CapacityMode::Dropless;
    m.library_compat = "transformers " + version +
                       " applies no expert capacity to Switch (its cumsum runs over a length-1 "
                       "axis); expert_capacity " + std::to_string(m.capacity) +
                       " is kept for the capacity controls";
  } else {
    m.capacity_mode = CapacityMode::Fixed;
    m.library_compat = "transformers 4.x Switch: fixed expert_capacity, first come first served";
  }
  m.aux_loss_coef = c.number_or("router_aux_loss_coef", 0.001);
  m.z_loss_coef = c.number_or("router_z_loss_coef", 0.001);
  return s;
}

}  // namespace

ModelSpec import_hf_config(const nlohmann::json& config, const std::string& where) {
  if (!config.is_object()) throw InputError(where + ": expected a JSON object at the top level");
  ConfigReader c(config, where);
  if (!c.has("model_type")) c.fail("model_type", "a string naming the model type");
  const std::string type = c.string_or("model_type", "");
  ModelSpec s;
  if (type == "bert") {
    s = import_bert(c);
  } else if (type == "gpt2") {
    s = import_gpt2(c);
  } else if (type == "llama") {
    s = import_llama_family(c, WeightLayout::Llama, 1e4);
  } else if (type == "mistral") {
    s = import_llama_family(c, WeightLayout::Llama, 1e4);
  } else if (type == "mixtral") {
    s = import_mixtral(c);
  } else if (type == "qwen2_moe") {
    s = import_qwen2_moe(c);
  } else if (type == "deepseek_v2") {
    s = import_deepseek(c, false);
  } else if (type == "deepseek_v3") {
    s = import_deepseek(c, true);
  } else if (type == "t5") {
    s = import_t5(c);
  } else if (type == "switch_transformers") {
    s = import_switch(c);
  } else {
    c.fail_value("model_type", "unsupported model type \"" + type +
                                   "\"; supported: bert, gpt2, llama, mistral, mixtral, qwen2_moe, "
                                   "deepseek_v2, deepseek_v3, t5, switch_transformers");
  }
  s.name = c.string_or("_name_or_path", "");
  if (s.name.empty()) s.name = type;
  s.description = "imported from " + where + " (model_type " + type + ")";
  validate_or_throw(s, where);
  return s;
}

ModelSpec import_hf_config_text(const std::string& text, const std::string& where) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(where + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  return import_hf_config(config, where);
}

ModelSpec import_hf_config(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "config.json";
  if (!fs::exists(p, ec))
    throw InputError(p.string() + ": no such file (expected a config.json or a folder holding one)");
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError(p.string() + ": cannot be opened for reading");
  std::ostringstream text;
  text << in.rdbuf();
  return import_hf_config_text(text.str(), p.string());
}

}  // namespace archscope
