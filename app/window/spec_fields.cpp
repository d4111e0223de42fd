// The field table.
#include "app/window/spec_fields.h"

namespace archscope::window {

namespace {

using K = SpecField::Kind;

SpecField field(std::string group, std::string path, std::string label, K kind, std::vector<std::string> choices = {}) {
  SpecField f;
  f.group = std::move(group);
  f.path = std::move(path);
  f.label = std::move(label);
  f.kind = kind;
  f.choices = std::move(choices);
  return f;
}

// Shorthands for an int, double, bool or enum member reached by an accessor.
template <typename Get>
SpecField int_field(std::string group, std::string path, std::string label, Get member, double min, double max) {
  SpecField f = field(std::move(group), std::move(path), std::move(label), K::Int);
  f.min = min;
  f.max = max;
  f.get = [member](const ModelSpec& s) { return static_cast<double>(member(const_cast<ModelSpec&>(s))); };
  f.set = [member](ModelSpec& s, double v) { member(s) = static_cast<int>(v); };
  return f;
}

template <typename Get>
SpecField double_field(std::string group, std::string path, std::string label, Get member, double min, double max) {
  SpecField f = field(std::move(group), std::move(path), std::move(label), K::Double);
  f.min = min;
  f.max = max;
  f.get = [member](const ModelSpec& s) { return member(const_cast<ModelSpec&>(s)); };
  f.set = [member](ModelSpec& s, double v) { member(s) = v; };
  return f;
}

template <typename Get>
SpecField bool_field(std::string group, std::string path, std::string label, Get member) {
  SpecField f = field(std::move(group), std::move(path), std::move(label), K::Bool);
  f.get = [member](const ModelSpec& s) { return member(const_cast<ModelSpec&>(s)) ? 1.0 : 0.0; };
  f.set = [member](ModelSpec& s, double v) { member(s) = v != 0; };
  return f;
}

template <typename Enum, typename Get>
SpecField choice_field(std::string group, std::string path, std::string label, std::vector<std::string> names, Get member) {
  SpecField f = field(std::move(group), std::move(path), std::move(label), K::Choice, std::move(names));
  f.get = [member](const ModelSpec& s) { return static_cast<double>(member(const_cast<ModelSpec&>(s))); };
  f.set = [member](ModelSpec& s, double v) { member(s) = static_cast<Enum>(static_cast<int>(v)); };
  return f;
}

bool moe(const ModelSpec& s) { return s.is_moe(); }

std::vector<SpecField> make_fields() {
  std::vector<SpecField> f;
  const double big = 1 << 20;
  f.push_back(choice_field<Family>("Model", "family", "family",
                                   {"encoder-only", "decoder-only", "encoder-decoder", "prefix LM"},
                                   [](ModelSpec& s) -> Family& { return s.family; }));
  f.push_back(int_field("Sizes", "vocab_size", "vocabulary", [](ModelSpec& s) -> int& { return s.vocab_size; }, 1, big));
  f.push_back(int_field("Sizes", "d_model", "width D", [](ModelSpec& s) -> int& { return s.d_model; }, 1, 65536));
  f.push_back(int_field("Sizes", "layers", "layers", [](ModelSpec& s) -> int& { return s.layers; }, 1, 512));
  f.push_back(int_field("Sizes", "decoder_layers", "decoder layers", [](ModelSpec& s) -> int& { return s.decoder_layers; }, 0, 512));
  f.back().applies = [](const ModelSpec& s) { return s.family == Family::EncoderDecoder; };
  f.push_back(int_field("Sizes", "d_ff", "FFN width", [](ModelSpec& s) -> int& { return s.d_ff; }, 0, big));
  f.push_back(int_field("Sizes", "max_positions", "position table", [](ModelSpec& s) -> int& { return s.max_positions; }, 0, big));
  f.push_back(int_field("Sizes", "type_vocab_size", "token types", [](ModelSpec& s) -> int& { return s.type_vocab_size; }, 0, 16));

  f.push_back(choice_field<AttentionKind>("Attention", "attention", "kind", {"MHA", "GQA", "MQA", "MLA"},
                                          [](ModelSpec& s) -> AttentionKind& { return s.attention; }));
  f.push_back(int_field("Attention", "heads", "query heads", [](ModelSpec& s) -> int& { return s.heads; }, 1, 1024));
  f.push_back(int_field("Attention", "kv_heads", "KV heads", [](ModelSpec& s) -> int& { return s.kv_heads; }, 1, 1024));
  f.push_back(int_field("Attention", "head_dim", "head width", [](ModelSpec& s) -> int& { return s.head_dim; }, 1, 1024));
  const auto mla = [](const ModelSpec& s) { return s.attention == AttentionKind::MLA; };
  f.push_back(int_field("Attention", "mla.q_lora_rank", "MLA query rank", [](ModelSpec& s) -> int& { return s.mla.q_lora_rank; }, 0, 65536));
  f.back().applies = mla;
  f.push_back(int_field("Attention", "mla.kv_lora_rank", "MLA latent rank", [](ModelSpec& s) -> int& { return s.mla.kv_lora_rank; }, 0, 65536));
  f.back().applies = mla;
  f.push_back(int_field("Attention", "mla.qk_nope_head_dim", "MLA no-RoPE dims", [](ModelSpec& s) -> int& { return s.mla.qk_nope_head_dim; }, 0, 1024));
  f.back().applies = mla;
  f.push_back(int_field("Attention", "mla.qk_rope_head_dim", "MLA RoPE dims", [](ModelSpec& s) -> int& { return s.mla.qk_rope_head_dim; }, 0, 1024));
  f.back().applies = mla;
  f.push_back(int_field("Attention", "mla.v_head_dim", "MLA value dims", [](ModelSpec& s) -> int& { return s.mla.v_head_dim; }, 0, 1024));
  f.back().applies = mla;
  f.push_back(bool_field("Attention", "attention_bias", "q/k/v/o biases", [](ModelSpec& s) -> bool& { return s.attention_bias; }));
  f.push_back(bool_field("Attention", "qkv_bias", "q/k/v biases only", [](ModelSpec& s) -> bool& { return s.qkv_bias; }));
  f.push_back(bool_field("Attention", "scale_attention", "scale by 1/√d", [](ModelSpec& s) -> bool& { return s.scale_attention; }));

  f.push_back(choice_field<MaskKind>("Mask", "mask.kind", "mask",
                                     {"causal", "bidirectional", "prefix", "sliding window", "chunked"},
                                     [](ModelSpec& s) -> MaskKind& { return s.mask.kind; }));
  f.push_back(int_field("Mask", "mask.prefix_length", "prefix length", [](ModelSpec& s) -> int& { return s.mask.prefix_length; }, 0, big));
  f.back().applies = [](const ModelSpec& s) { return s.mask.kind == MaskKind::Prefix; };
  f.push_back(int_field("Mask", "mask.window", "window", [](ModelSpec& s) -> int& { return s.mask.window; }, 0, big));
  f.back().applies = [](const ModelSpec& s) { return s.mask.kind == MaskKind::SlidingWindow; };
  f.push_back(bool_field("Mask", "mask.window_counts_self", "window counts the query", [](ModelSpec& s) -> bool& { return s.mask.window_counts_self; }));
  f.back().applies = [](const ModelSpec& s) { return s.mask.kind == MaskKind::SlidingWindow; };
  f.push_back(int_field("Mask", "mask.chunk_size", "chunk size", [](ModelSpec& s) -> int& { return s.mask.chunk_size; }, 0, big));
  f.back().applies = [](const ModelSpec& s) { return s.mask.kind == MaskKind::Chunked; };

  f.push_back(choice_field<PositionKind>("Positions", "position", "positions", {"learned", "sinusoidal", "RoPE", "T5 relative"},
                                         [](ModelSpec& s) -> PositionKind& { return s.position; }));
  f.push_back(double_field("Positions", "rope.theta", "RoPE θ", [](ModelSpec& s) -> double& { return s.rope.theta; }, 1, 1e9));
  f.back().applies = [](const ModelSpec& s) { return s.position == PositionKind::Rope; };
  f.push_back(bool_field("Positions", "rope.interleaved", "RoPE interleaved pairs", [](ModelSpec& s) -> bool& { return s.rope.interleaved; }));
  f.back().applies = [](const ModelSpec& s) { return s.position == PositionKind::Rope; };
  f.push_back(int_field("Positions", "buckets.num_buckets", "relative buckets", [](ModelSpec& s) -> int& { return s.buckets.num_buckets; }, 2, 1024));
  f.back().applies = [](const ModelSpec& s) { return s.position == PositionKind::T5Relative; };
  f.push_back(int_field("Positions", "buckets.max_distance", "max distance", [](ModelSpec& s) -> int& { return s.buckets.max_distance; }, 1, big));
  f.back().applies = [](const ModelSpec& s) { return s.position == PositionKind::T5Relative; };

  f.push_back(choice_field<NormKind>("Norm and FFN", "norm", "norm", {"LayerNorm", "RMSNorm"},
                                     [](ModelSpec& s) -> NormKind& { return s.norm; }));
  f.push_back(choice_field<NormPlacement>("Norm and FFN", "norm_placement", "placement", {"pre", "post"},
                                          [](ModelSpec& s) -> NormPlacement& { return s.norm_placement; }));
  f.push_back(bool_field("Norm and FFN", "parallel_block", "parallel attention + FFN", [](ModelSpec& s) -> bool& { return s.parallel_block; }));
  f.push_back(double_field("Norm and FFN", "norm_eps", "norm ε", [](ModelSpec& s) -> double& { return s.norm_eps; }, 1e-12, 1));
  f.push_back(choice_field<FfnKind>("Norm and FFN", "ffn", "FFN", {"GELU", "GELU (tanh)", "ReLU", "SwiGLU", "gated GELU"},
                                    [](ModelSpec& s) -> FfnKind& { return s.ffn; }));
  f.push_back(bool_field("Norm and FFN", "mlp_bias", "FFN biases", [](ModelSpec& s) -> bool& { return s.mlp_bias; }));

  f.push_back(int_field("Experts", "moe.experts", "experts (0: dense)", [](ModelSpec& s) -> int& { return s.moe.experts; }, 0, 4096));
  f.push_back(int_field("Experts", "moe.top_k", "top-k", [](ModelSpec& s) -> int& { return s.moe.top_k; }, 1, 4096));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.expert_intermediate", "expert width", [](ModelSpec& s) -> int& { return s.moe.expert_intermediate; }, 0, big));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.shared_experts", "shared experts", [](ModelSpec& s) -> int& { return s.moe.shared_experts; }, 0, 64));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.shared_intermediate", "shared width", [](ModelSpec& s) -> int& { return s.moe.shared_intermediate; }, 0, big));
  f.back().applies = moe;
  f.push_back(bool_field("Experts", "moe.shared_gate", "sigmoid gate on shared", [](ModelSpec& s) -> bool& { return s.moe.shared_gate; }));
  f.back().applies = moe;
  f.push_back(choice_field<RouterFunction>("Experts", "moe.router", "router", {"softmax", "sigmoid"},
                                           [](ModelSpec& s) -> RouterFunction& { return s.moe.router; }));
  f.back().applies = moe;
  f.push_back(bool_field("Experts", "moe.normalize_top_k", "renormalise top-k", [](ModelSpec& s) -> bool& { return s.moe.normalize_top_k; }));
  f.back().applies = moe;
  f.push_back(bool_field("Experts", "moe.correction_bias", "selection bias", [](ModelSpec& s) -> bool& { return s.moe.correction_bias; }));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.groups", "groups", [](ModelSpec& s) -> int& { return s.moe.groups; }, 1, 256));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.top_groups", "groups kept", [](ModelSpec& s) -> int& { return s.moe.top_groups; }, 1, 256));
  f.back().applies = moe;
  f.push_back(double_field("Experts", "moe.routed_scaling", "routed scaling", [](ModelSpec& s) -> double& { return s.moe.routed_scaling; }, 0, 100));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.first_dense", "first dense layers", [](ModelSpec& s) -> int& { return s.moe.first_dense; }, 0, 512));
  f.back().applies = moe;
  f.push_back(int_field("Experts", "moe.layer_step", "MoE every n layers", [](ModelSpec& s) -> int& { return s.moe.layer_step; }, 1, 512));
  f.back().applies = moe;
  f.push_back(choice_field<CapacityMode>("Capacity", "moe.capacity_mode", "capacity", {"dropless", "fixed", "factor"},
                                         [](ModelSpec& s) -> CapacityMode& { return s.moe.capacity_mode; }));
  f.back().applies = moe;
  f.push_back(double_field("Capacity", "moe.capacity_factor", "capacity factor", [](ModelSpec& s) -> double& { return s.moe.capacity_factor; }, 0.01, 64));
  f.back().applies = [](const ModelSpec& s) { return s.is_moe() && s.moe.capacity_mode == CapacityMode::Factor; };
  f.push_back(int_field("Capacity", "moe.capacity", "slots per expert", [](ModelSpec& s) -> int& { return s.moe.capacity; }, 0, big));
  f.back().applies = [](const ModelSpec& s) { return s.is_moe() && s.moe.capacity_mode == CapacityMode::Fixed; };
  f.push_back(choice_field<CapacityFormula>("Capacity", "moe.capacity_formula", "formula", {"k-aware ⌈cf·T·k/E⌉", "per token ⌈cf·T/E⌉", "flaxformer max(round(cf·T/E), 4)"},
                                            [](ModelSpec& s) -> CapacityFormula& { return s.moe.capacity_formula; }));
  f.back().applies = moe;
  f.push_back(choice_field<DropPolicy>("Capacity", "moe.drop_policy", "drop first", {"by position", "by priority (BPR)"},
                                       [](ModelSpec& s) -> DropPolicy& { return s.moe.drop_policy; }));
  f.back().applies = moe;
  f.push_back(choice_field<DropOutput>("Capacity", "moe.drop_output", "dropped pair outputs", {"zero (papers)", "weight × input (transformers 4.x Switch)"},
                                       [](ModelSpec& s) -> DropOutput& { return s.moe.drop_output; }));
  f.back().applies = moe;
  f.push_back(double_field("Capacity", "moe.aux_loss_coef", "aux loss coefficient", [](ModelSpec& s) -> double& { return s.moe.aux_loss_coef; }, 0, 10));
  f.back().applies = moe;

  f.push_back(bool_field("Head", "tied_embeddings", "head tied to embedding", [](ModelSpec& s) -> bool& { return s.tied_embeddings; }));
  f.push_back(bool_field("Head", "scale_decoder_outputs", "scale decoder output by D^-½", [](ModelSpec& s) -> bool& { return s.scale_decoder_outputs; }));
  f.push_back(int_field("LoRA (ledger)", "lora.rank", "adapter rank", [](ModelSpec& s) -> int& { return s.lora.rank; }, 0, 4096));
  return f;
}

}  // namespace

const std::vector<SpecField>& spec_fields() {
  static const std::vector<SpecField> fields = make_fields();
  return fields;
}

std::string message_field(const std::string& message) {
  const auto eq = message.find(" = ");
  return eq == std::string::npos ? std::string() : message.substr(0, eq);
}

}  // namespace archscope::window
