// config.json -> ModelSpec: the dispatch on model_type and the dense families
// (bert, gpt2, llama, mistral, t5). Field names and defaults follow each
// family's configuration_*.py in transformers 5.17 (architecture-facts §2).
#include "engine/model/hf_config.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/model/config_reader.h"
#include "engine/model/limits.h"
#include "engine/io/file_input.h"
#include "engine/io/json_input.h"
#include "engine/model/hf_config_families.h"
#include "engine/errors.h"

namespace archscope {

namespace {

namespace fs = std::filesystem;
using namespace hf;

FfnKind activation(const ConfigReader& c, const std::string& key, const std::string& fallback) {
  std::string act = c.string_or(key, fallback);
  if (act == "gelu") return FfnKind::GeluExact;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") return FfnKind::GeluTanh;
  if (act == "relu") return FfnKind::Relu;
  c.fail(key, "one of gelu, gelu_new, gelu_pytorch_tanh, relu");
}

void read_heads(ModelSpec& s, const ConfigReader& c, const char* heads_key, const char* kv_key) {
  s.heads = c.positive_int(heads_key, limits::kHeads);
  // null num_key_value_heads means one KV head per query head.
  s.kv_heads = c.positive_int_or(kv_key, s.heads, limits::kHeads);
  if (c.has("head_dim")) {
    s.head_dim = c.positive_int("head_dim", limits::kHeadDim);
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
  s.heads = c.positive_int(heads_key, limits::kHeads);
  if (s.d_model % s.heads != 0)
    c.fail_value(heads_key, std::to_string(s.heads) + " does not divide " + width_key + " " +
                                std::to_string(s.d_model));
  s.kv_heads = s.heads;
  s.head_dim = s.d_model / s.heads;
  s.attention = AttentionKind::MHA;
}

}  // namespace

namespace hf {

int count_or(const ConfigReader& c, const std::string& key, int fallback, int64_t max) {
  if (c.is_null(key))
    c.fail(key, "a non-negative integer, or no key for the default " + std::to_string(fallback) +
                    " (transformers cannot build the model from null)");
  return c.non_negative_int_or(key, fallback, max);
}

void require_silu(const ConfigReader& c) {
  std::string act = c.string_or("hidden_act", "silu");
  if (act != "silu" && act != "swish") c.fail("hidden_act", "\"silu\" (SwiGLU experts and MLPs)");
}

RopeSpec read_rope(const ConfigReader& c, double default_theta) {
  RopeSpec r;
  r.theta = c.positive_number_or("rope_theta", default_theta);
  auto scaling = c.object("rope_scaling");
  auto params = c.object("rope_parameters");
  for (const auto& block : {scaling, params}) {
    if (!block) continue;
    r.theta = block->positive_number_or("rope_theta", r.theta);
    r.scaling_type = block->string_or("rope_type", block->string_or("type", r.scaling_type));
    const bool printable = std::all_of(r.scaling_type.begin(), r.scaling_type.end(),
                                       [](char ch) { return static_cast<unsigned char>(ch) >= 0x20; });
    if (r.scaling_type.size() > 40 || !printable)
      block->fail(block->has("rope_type") ? "rope_type" : "type", "the name of a RoPE scaling type");
    r.scaling_factor = block->positive_number_or("factor", r.scaling_factor);
    r.yarn_mscale_all_dim = block->number_or("mscale_all_dim", r.yarn_mscale_all_dim);
  }
  return r;
}

ModelSpec import_llama_family(const ConfigReader& c, WeightLayout layout, double default_theta) {
  ModelSpec s;
  s.family = Family::DecoderOnly;
  s.layout = layout;
  s.vocab_size = c.positive_int("vocab_size", limits::kVocab);
  s.d_model = c.positive_int("hidden_size", limits::kWidth);
  s.layers = c.positive_int("num_hidden_layers", limits::kLayers);
  read_heads(s, c, "num_attention_heads", "num_key_value_heads");
  s.d_ff = c.positive_int("intermediate_size", limits::kFfnWidth);
  s.max_positions = c.positive_int_or("max_position_embeddings", 2048, limits::kPositions);
  require_silu(c);
  s.position = PositionKind::Rope;
  s.rope = read_rope(c, default_theta);
  s.norm = NormKind::RMSNorm;
  s.norm_eps = c.positive_number_or("rms_norm_eps", 1e-6);
  s.ffn = FfnKind::SwiGLU;
  s.tied_embeddings = c.bool_or("tie_word_embeddings", false);
  s.mask.kind = MaskKind::Causal;
  return s;
}

ModelSpec import_t5_family(const ConfigReader& c, WeightLayout layout) {
  ModelSpec s;
  s.family = Family::EncoderDecoder;
  s.layout = layout;
  s.vocab_size = c.positive_int("vocab_size", limits::kVocab);
  s.d_model = c.positive_int("d_model", limits::kWidth);
  s.layers = c.positive_int("num_layers", limits::kLayers);
  s.decoder_layers = c.positive_int_or("num_decoder_layers", s.layers, limits::kLayers);
  s.heads = c.positive_int("num_heads", limits::kHeads);
  s.kv_heads = s.heads;
  s.head_dim = c.positive_int("d_kv", limits::kHeadDim);
  s.attention = AttentionKind::MHA;
  s.d_ff = c.positive_int("d_ff", limits::kFfnWidth);
  s.max_positions = 512;
  s.position = PositionKind::T5Relative;
  s.buckets.num_buckets = c.positive_int_or("relative_attention_num_buckets", 32, limits::kBuckets);
  s.buckets.max_distance = c.positive_int_or("relative_attention_max_distance", 128, limits::kPositions);
  s.scale_attention = false;
  s.norm = NormKind::RMSNorm;
  s.norm_eps = c.positive_number_or("layer_norm_epsilon", 1e-6);
  s.mask.kind = MaskKind::Causal;
  // transformers 5 writes scale_decoder_outputs and forces tie_word_embeddings
  // to true, after which it only ties the encoder and decoder tables to
  // `shared`. Without the key a config means what it meant in 4.x: the scale
  // and the tied head go together. So scale_decoder_outputs false marks a head
  // of its own (T5 v1.1, FLAN-T5); loading settles the head by the checkpoint,
  // its lm_head.weight whenever it has one (hf_weights.cpp).
  const bool tie = c.bool_or("tie_word_embeddings", true);
  s.scale_decoder_outputs = c.bool_or("scale_decoder_outputs", tie);
  s.tied_embeddings = tie && s.scale_decoder_outputs;
  return s;
}

}  // namespace hf

namespace {

ModelSpec import_bert(const ConfigReader& c) {
  ModelSpec s;
  s.family = Family::EncoderOnly;
  s.layout = WeightLayout::Bert;
  s.vocab_size = c.positive_int("vocab_size", limits::kVocab);
  s.d_model = c.positive_int("hidden_size", limits::kWidth);
  s.layers = c.positive_int("num_hidden_layers", limits::kLayers);
  read_even_heads(s, c, "num_attention_heads", "hidden_size");
  s.d_ff = c.positive_int("intermediate_size", limits::kFfnWidth);
  s.max_positions = c.positive_int_or("max_position_embeddings", 512, limits::kPositions);
  s.type_vocab_size = c.non_negative_int_or("type_vocab_size", 2, limits::kTokenTypes);
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
  s.vocab_size = c.positive_int_or("vocab_size", 50257, limits::kVocab);
  s.d_model = c.positive_int("n_embd", limits::kWidth);
  s.layers = c.positive_int("n_layer", limits::kLayers);
  read_even_heads(s, c, "n_head", "n_embd");
  s.d_ff = c.positive_int_or("n_inner", 4 * s.d_model, limits::kFfnWidth);
  s.max_positions = c.positive_int_or("n_positions", 1024, limits::kPositions);
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

// transformers' Llama ignores `sliding_window` (LlamaAttention passes no window
// to the attention function and LlamaModel builds a plain causal mask).
ModelSpec import_llama(const ConfigReader& c) {
  ModelSpec s = import_llama_family(c, WeightLayout::Llama, 1e4);
  s.attention_bias = c.bool_or("attention_bias", false);  // LlamaAttention: bias=config.attention_bias
  s.mlp_bias = c.bool_or("mlp_bias", false);              // LlamaMLP: bias=config.mlp_bias
  return s;
}

// Mistral reads `sliding_window`: 4096 when the key is absent (MistralConfig),
// full attention when it is null. Its projections have no biases.
ModelSpec import_mistral(const ConfigReader& c) {
  ModelSpec s = import_llama_family(c, WeightLayout::Llama, 1e4);
  if (c.is_null("sliding_window")) return s;
  s.mask.kind = MaskKind::SlidingWindow;
  s.mask.window = c.positive_int_or("sliding_window", 4096, limits::kPositions);
  s.mask.window_counts_self = true;  // Hugging Face: q - W < kv <= q
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
    s = import_llama(c);
  } else if (type == "mistral") {
    s = import_mistral(c);
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
    c.fail_value("model_type", "unsupported model type " + quote_text(type) +
                                   "; supported: bert, gpt2, llama, mistral, mixtral, qwen2_moe, "
                                   "deepseek_v2, deepseek_v3, t5, switch_transformers");
  }
  // The name heads tables and messages: a short printable one, or the model type.
  s.name = c.string_or("_name_or_path", "");
  const bool printable = std::all_of(s.name.begin(), s.name.end(), [](char ch) {
    return static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f;
  });
  if (s.name.empty() || s.name.size() > 200 || !printable) s.name = type;
  s.description = "imported from " + where + " (model_type " + type + ")";
  validate_or_throw(s, where);
  return s;
}

ModelSpec import_hf_config_text(const std::string& text, const std::string& where) {
  return import_hf_config(parse_json_document(text.data(), text.data() + text.size(), where), where);
}

ModelSpec import_hf_config(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "config.json";
  if (!fs::exists(p, ec))
    throw InputError(p.string() + ": no such file (expected a config.json or a folder holding one)");
  return import_hf_config_text(read_bounded_file(p.string(), limits::kConfigBytes, "config.json"),
                               p.string());
}

}  // namespace archscope
