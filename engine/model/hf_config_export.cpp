// One writer per Hugging Face model type, with the keys each family's
// configuration_*.py reads. Every key the importer would otherwise default is
// written, so the folder does not depend on defaults of either side.
#include "engine/model/hf_config_export.h"

#include <sstream>

#include "engine/errors.h"
#include "engine/model/hf_config.h"
#include "engine/model/ledger_report.h"

namespace archscope {

namespace {

using ojson = nlohmann::ordered_json;

const char* act_name(FfnKind f) {
  switch (f) {
    case FfnKind::GeluExact: return "gelu";
    case FfnKind::GeluTanh: return "gelu_new";
    case FfnKind::Relu: return "relu";
    default: return "silu";
  }
}

ojson header(const char* architecture, const char* type, const std::string& name) {
  return {{"_name_or_path", name}, {"architectures", {architecture}}, {"model_type", type}, {"torch_dtype", "float32"}};
}

ojson bert(const ModelSpec& s, const std::string& name) {
  ojson j = header("BertForMaskedLM", "bert", name);
  j.update(ojson{{"vocab_size", s.vocab_size}, {"hidden_size", s.d_model}, {"num_hidden_layers", s.layers},
                 {"num_attention_heads", s.heads}, {"intermediate_size", s.d_ff},
                 {"max_position_embeddings", s.max_positions}, {"type_vocab_size", s.type_vocab_size},
                 {"hidden_act", act_name(s.ffn)}, {"layer_norm_eps", s.norm_eps},
                 {"position_embedding_type", "absolute"}, {"tie_word_embeddings", s.tied_embeddings}});
  return j;
}

ojson gpt2(const ModelSpec& s, const std::string& name) {
  ojson j = header("GPT2LMHeadModel", "gpt2", name);
  j.update(ojson{{"vocab_size", s.vocab_size}, {"n_embd", s.d_model}, {"n_layer", s.layers}, {"n_head", s.heads},
                 {"n_inner", s.d_ff}, {"n_positions", s.max_positions}, {"n_ctx", s.max_positions},
                 {"activation_function", act_name(s.ffn)}, {"layer_norm_epsilon", s.norm_eps},
                 {"tie_word_embeddings", s.tied_embeddings}});
  return j;
}

// llama, mistral, mixtral and qwen2_moe: the decoder keys they share.
ojson llama_family(const ModelSpec& s, const char* architecture, const char* type, const std::string& name) {
  ojson j = header(architecture, type, name);
  j.update(ojson{{"vocab_size", s.vocab_size}, {"hidden_size", s.d_model}, {"num_hidden_layers", s.layers},
                 {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kv_heads}, {"head_dim", s.head_dim},
                 {"intermediate_size", s.d_ff}, {"max_position_embeddings", s.max_positions},
                 {"hidden_act", "silu"}, {"rms_norm_eps", s.norm_eps}, {"rope_theta", s.rope.theta},
                 {"attention_bias", s.attention_bias}, {"mlp_bias", s.mlp_bias},
                 {"tie_word_embeddings", s.tied_embeddings}});
  if (s.mask.kind == MaskKind::SlidingWindow) j["sliding_window"] = s.mask.window;
  return j;
}

ojson mixtral(const ModelSpec& s, const std::string& name) {
  ojson j = llama_family(s, "MixtralForCausalLM", "mixtral", name);
  j["intermediate_size"] = s.moe.expert_intermediate;  // Mixtral's experts are its only FFNs
  j.update(ojson{{"num_local_experts", s.moe.experts}, {"num_experts_per_tok", s.moe.top_k},
                 {"router_aux_loss_coef", s.moe.aux_loss_coef}});
  return j;
}

ojson qwen2_moe(const ModelSpec& s, const std::string& name) {
  const MoeSpec& m = s.moe;
  ojson j = llama_family(s, "Qwen2MoeForCausalLM", "qwen2_moe", name);
  j.update(ojson{{"qkv_bias", s.qkv_bias}, {"use_sliding_window", false}, {"num_experts", m.experts},
                 {"num_experts_per_tok", m.top_k}, {"moe_intermediate_size", m.expert_intermediate},
                 {"shared_expert_intermediate_size", m.shared_experts > 0 ? m.shared_intermediate : 0},
                 {"norm_topk_prob", m.normalize_top_k}, {"decoder_sparse_step", m.layer_step},
                 {"mlp_only_layers", m.dense_layers}, {"router_aux_loss_coef", m.aux_loss_coef}});
  return j;
}

ojson deepseek(const ModelSpec& s, const std::string& name) {
  const MoeSpec& m = s.moe;
  const bool v3 = m.router == RouterFunction::Sigmoid;
  ojson j = header(v3 ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM", v3 ? "deepseek_v3" : "deepseek_v2", name);
  j.update(ojson{{"vocab_size", s.vocab_size}, {"hidden_size", s.d_model}, {"num_hidden_layers", s.layers},
                 {"num_attention_heads", s.heads}, {"num_key_value_heads", s.heads},
                 {"q_lora_rank", s.mla.q_lora_rank > 0 ? ojson(s.mla.q_lora_rank) : ojson(nullptr)},
                 {"kv_lora_rank", s.mla.kv_lora_rank}, {"qk_nope_head_dim", s.mla.qk_nope_head_dim},
                 {"qk_rope_head_dim", s.mla.qk_rope_head_dim}, {"v_head_dim", s.mla.v_head_dim},
                 {"intermediate_size", s.d_ff}, {"max_position_embeddings", s.max_positions},
                 {"hidden_act", "silu"}, {"rms_norm_eps", s.norm_eps}, {"rope_theta", s.rope.theta},
                 {"rope_interleave", s.rope.interleaved}, {"attention_bias", s.attention_bias},
                 {"tie_word_embeddings", s.tied_embeddings}, {"n_routed_experts", m.experts},
                 {"num_experts_per_tok", m.top_k}, {"moe_intermediate_size", m.expert_intermediate},
                 {"n_shared_experts", m.shared_experts}, {"first_k_dense_replace", m.first_dense},
                 {"moe_layer_freq", m.layer_step}, {"n_group", m.groups}, {"topk_group", m.top_groups},
                 {"routed_scaling_factor", m.routed_scaling}, {"norm_topk_prob", m.normalize_top_k},
                 {"aux_loss_alpha", m.aux_loss_coef}});
  if (!v3) {
    j["scoring_func"] = "softmax";
    j["topk_method"] = m.groups > 1 ? "group_limited_greedy" : "greedy";
  }
  return j;
}

// t5 and switch_transformers.
ojson t5_family(const ModelSpec& s, const char* architecture, const char* type, const std::string& name) {
  ojson j = header(architecture, type, name);
  j.update(ojson{{"vocab_size", s.vocab_size}, {"d_model", s.d_model}, {"d_kv", s.head_dim}, {"d_ff", s.d_ff},
                 {"num_layers", s.layers}, {"num_decoder_layers", s.decoder_layers}, {"num_heads", s.heads},
                 {"relative_attention_num_buckets", s.buckets.num_buckets},
                 {"relative_attention_max_distance", s.buckets.max_distance},
                 {"layer_norm_epsilon", s.norm_eps}, {"is_encoder_decoder", true},
                 {"decoder_start_token_id", 0}, {"pad_token_id", 0}, {"eos_token_id", 1},
                 {"tie_word_embeddings", s.tied_embeddings}});
  j["scale_decoder_outputs"] = s.scale_decoder_outputs;
  return j;
}

ojson switch_transformers(const ModelSpec& s, const std::string& name) {
  const MoeSpec& m = s.moe;
  ojson j = t5_family(s, "SwitchTransformersForConditionalGeneration", "switch_transformers", name);
  j.update(ojson{{"dense_act_fn", "relu"}, {"num_experts", m.experts}, {"expert_capacity", m.capacity > 0 ? m.capacity : 64},
                 {"encoder_sparse_step", m.layer_step}, {"decoder_sparse_step", m.layer_step},
                 {"num_sparse_encoder_layers", s.layers / m.layer_step},
                 {"num_sparse_decoder_layers", s.decoder_layers / m.layer_step}, {"router_bias", m.router_bias},
                 {"router_aux_loss_coef", m.aux_loss_coef}, {"router_z_loss_coef", m.z_loss_coef},
                 {"router_jitter_noise", 0.0}});
  return j;
}

ojson config_for(const ModelSpec& s, const std::string& name) {
  switch (s.layout) {
    case WeightLayout::Bert: return bert(s, name);
    case WeightLayout::Gpt2: return gpt2(s, name);
    case WeightLayout::Llama:
      return s.mask.kind == MaskKind::SlidingWindow ? llama_family(s, "MistralForCausalLM", "mistral", name)
                                                     : llama_family(s, "LlamaForCausalLM", "llama", name);
    case WeightLayout::Mixtral: return mixtral(s, name);
    case WeightLayout::Qwen2Moe: return qwen2_moe(s, name);
    case WeightLayout::DeepSeek: return deepseek(s, name);
    case WeightLayout::T5: {
      ojson j = t5_family(s, "T5ForConditionalGeneration", "t5", name);
      j["feed_forward_proj"] = s.ffn == FfnKind::GatedGelu ? "gated-gelu" : "relu";
      return j;
    }
    case WeightLayout::Switch: return switch_transformers(s, name);
  }
  throw InputError(s.name + ": no Hugging Face model type for this weight layout");
}

std::string capacity_words(const MoeSpec& m) {
  std::ostringstream o;
  if (m.capacity_mode == CapacityMode::Factor) o << "capacity factor " << m.capacity_factor;
  if (m.capacity_mode == CapacityMode::Fixed) o << "fixed capacity of " << m.capacity << " slots per expert";
  if (m.capacity_mode == CapacityMode::Dropless) o << "no capacity limit (dropless)";
  return o.str();
}

// What a config cannot carry: routing capacity and policies, with the flags that restore them.
std::vector<std::string> routing_notes(const ModelSpec& want, const ModelSpec& got) {
  std::vector<std::string> notes;
  if (!want.is_moe()) return notes;
  const MoeSpec &a = want.moe, &b = got.moe;
  const bool same_capacity = a.capacity_mode == b.capacity_mode &&
                             (a.capacity_mode != CapacityMode::Fixed || a.capacity == b.capacity) &&
                             (a.capacity_mode != CapacityMode::Factor ||
                              (a.capacity_factor == b.capacity_factor && a.capacity_formula == b.capacity_formula));
  if (!same_capacity) {
    std::ostringstream flags;
    if (a.capacity_mode == CapacityMode::Factor) {
      flags << "--capacity-factor " << a.capacity_factor;
      if (a.capacity_formula != MoeSpec{}.capacity_formula) flags << " --capacity-formula " << to_string(a.capacity_formula);
    } else if (a.capacity_mode == CapacityMode::Fixed) {
      flags << "--capacity " << a.capacity;
    } else {
      flags << "--dropless";
    }
    notes.push_back(want.name + "'s " + capacity_words(a) + " is not part of a Hugging Face config; the " +
                    "folder imports with " + capacity_words(b) + ". Run it with " + flags.str() +
                    " to route as the preset does");
  }
  if (a.drop_policy != b.drop_policy)
    notes.push_back(std::string("run the folder with --drop-policy ") + to_string(a.drop_policy) +
                    " to drop as " + want.name + " does");
  return notes;
}

}  // namespace

std::vector<std::string> structural_differences(const ModelSpec& a, const ModelSpec& b) {
  std::vector<std::string> out;
  auto diff = [&](const char* field, auto x, auto y) {
    if (x == y) return;
    std::ostringstream s;
    s << std::boolalpha << field << ": " << x << " vs " << y;
    out.push_back(s.str());
  };
  diff("family", to_string(a.family), to_string(b.family));
  diff("vocab_size", a.vocab_size, b.vocab_size);
  diff("d_model", a.d_model, b.d_model);
  diff("layers", a.layers, b.layers);
  if (a.family == Family::EncoderDecoder) diff("decoder_layers", a.decoder_layers, b.decoder_layers);
  diff("heads", a.heads, b.heads);
  diff("attention", to_string(a.attention), to_string(b.attention));
  if (a.attention == AttentionKind::MLA) {
    diff("mla.q_lora_rank", a.mla.q_lora_rank, b.mla.q_lora_rank);
    diff("mla.kv_lora_rank", a.mla.kv_lora_rank, b.mla.kv_lora_rank);
    diff("mla.qk_nope_head_dim", a.mla.qk_nope_head_dim, b.mla.qk_nope_head_dim);
    diff("mla.qk_rope_head_dim", a.mla.qk_rope_head_dim, b.mla.qk_rope_head_dim);
    diff("mla.v_head_dim", a.mla.v_head_dim, b.mla.v_head_dim);
  } else {
    diff("kv_heads", a.kv_heads, b.kv_heads);
    diff("head_dim", a.head_dim, b.head_dim);
  }
  bool dense = false;
  const int layers = std::max(a.layers, a.decoder_layers);
  for (int i = 0; i < layers; ++i) {
    dense |= !a.is_moe_layer(i);
    if (a.is_moe_layer(i) != b.is_moe_layer(i)) out.push_back("layer " + std::to_string(i) + " MoE or dense");
  }
  if (dense) diff("d_ff", a.d_ff, b.d_ff);
  if (a.position == PositionKind::Learned) diff("max_positions", a.max_positions, b.max_positions);
  diff("type_vocab_size", a.type_vocab_size, b.type_vocab_size);
  diff("mask", to_string(a.mask.kind), to_string(b.mask.kind));
  if (a.mask.kind == MaskKind::SlidingWindow) {
    diff("mask.window", a.mask.window, b.mask.window);
    diff("mask.window_counts_self", a.mask.window_counts_self, b.mask.window_counts_self);
  }
  if (a.mask.kind == MaskKind::Prefix) diff("mask.prefix_length", a.mask.prefix_length, b.mask.prefix_length);
  if (a.mask.kind == MaskKind::Chunked) diff("mask.chunk_size", a.mask.chunk_size, b.mask.chunk_size);
  diff("position", to_string(a.position), to_string(b.position));
  if (a.position == PositionKind::Rope) {
    diff("rope.theta", a.rope.theta, b.rope.theta);
    diff("rope.scaling_type", a.rope.scaling_type, b.rope.scaling_type);
    diff("rope.interleaved", a.rope.interleaved, b.rope.interleaved);
  }
  if (a.position == PositionKind::T5Relative) {
    diff("buckets.num_buckets", a.buckets.num_buckets, b.buckets.num_buckets);
    diff("buckets.max_distance", a.buckets.max_distance, b.buckets.max_distance);
  }
  diff("scale_attention", a.scale_attention, b.scale_attention);
  diff("norm", to_string(a.norm), to_string(b.norm));
  diff("norm_placement (pre)", a.norm_placement == NormPlacement::Pre, b.norm_placement == NormPlacement::Pre);
  diff("parallel_block", a.parallel_block, b.parallel_block);
  diff("norm_eps", a.norm_eps, b.norm_eps);
  diff("ffn", to_string(a.ffn), to_string(b.ffn));
  diff("attention_bias", a.attention_bias, b.attention_bias);
  diff("qkv_bias", a.qkv_bias, b.qkv_bias);
  diff("mlp_bias", a.mlp_bias, b.mlp_bias);
  diff("tied_embeddings", a.tied_embeddings, b.tied_embeddings);
  diff("mlm_head", a.mlm_head, b.mlm_head);
  diff("scale_decoder_outputs", a.scale_decoder_outputs, b.scale_decoder_outputs);
  const MoeSpec &x = a.moe, &y = b.moe;
  diff("moe.experts", x.experts, y.experts);
  if (x.experts == 0 || y.experts == 0) return out;
  diff("moe.top_k", x.top_k, y.top_k);
  diff("moe.expert_intermediate", x.expert_intermediate, y.expert_intermediate);
  diff("moe.shared_experts", x.shared_experts, y.shared_experts);
  if (x.shared_experts > 0) diff("moe.shared_intermediate", x.shared_intermediate, y.shared_intermediate);
  diff("moe.shared_gate", x.shared_gate, y.shared_gate);
  diff("moe.router", to_string(x.router), to_string(y.router));
  diff("moe.normalize_top_k", x.normalize_top_k, y.normalize_top_k);
  diff("moe.correction_bias", x.correction_bias, y.correction_bias);
  diff("moe.router_bias", x.router_bias, y.router_bias);
  diff("moe.groups", x.groups, y.groups);
  if (x.groups > 1) {
    diff("moe.top_groups", x.top_groups, y.top_groups);
    diff("moe.group_score (top-2 sum)", x.group_score == GroupScore::Top2Sum, y.group_score == GroupScore::Top2Sum);
  }
  diff("moe.routed_scaling", x.routed_scaling, y.routed_scaling);
  diff("moe.drop_output (zero)", x.drop_output == DropOutput::Zero, y.drop_output == DropOutput::Zero);
  return out;
}

ExportedConfig export_hf_config(const ModelSpec& s, const std::string& name) {
  validate_or_throw(s, s.name);
  ExportedConfig out{config_for(s, name), {}};
  const ModelSpec back = import_hf_config(nlohmann::json::parse(out.config.dump()), name + "/config.json");
  const std::vector<std::string> lost = structural_differences(s, back);
  if (!lost.empty()) {
    std::string msg = s.name + ": no Hugging Face " + out.config["model_type"].get<std::string>() +
                      " config describes this architecture exactly, so it is not exported; it would change";
    for (const auto& d : lost) msg += "\n  - " + d + " (preset vs config)";
    throw InputError(msg);
  }
  out.notes = routing_notes(s, back);
  return out;
}

}  // namespace archscope
