// Validation of ModelSpec: every rule that makes a spec describe a real model,
// each broken rule reported on its own with the field, the value and the rule.
#include "engine/model/model_spec.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/errors.h"
#include "engine/model/ledger_report.h"
#include "engine/model/limits.h"

namespace archscope {

bool ModelSpec::is_moe_layer(int i) const {
  if (!is_moe()) return false;
  if (i < moe.first_dense) return false;
  if (std::find(moe.dense_layers.begin(), moe.dense_layers.end(), i) != moe.dense_layers.end())
    return false;
  return moe.layer_step > 0 && i % moe.layer_step == moe.step_remainder;
}

int ModelSpec::q_head_dim() const {
  return attention == AttentionKind::MLA ? mla.qk_nope_head_dim + mla.qk_rope_head_dim : head_dim;
}

int ModelSpec::v_head_dim() const {
  return attention == AttentionKind::MLA ? mla.v_head_dim : head_dim;
}

AttentionKind attention_kind_for(int heads, int kv_heads) {
  if (kv_heads == heads) return AttentionKind::MHA;
  if (kv_heads == 1) return AttentionKind::MQA;
  return AttentionKind::GQA;
}

namespace {

class Problems {
 public:
  template <typename T>
  void require(bool ok, const char* field, T value, const std::string& rule) {
    if (ok) return;
    std::ostringstream s;
    s << field << " = " << value << ": " << rule;
    list.push_back(s.str());
  }
  void positive(const char* field, long long value) {
    require(value > 0, field, value, "must be a positive integer");
  }
  // A size beyond its bound in limits.h; lower bounds are the rules' business.
  void at_most(const char* field, long long value, long long max) {
    require(value <= max, field, value, "must be at most " + with_commas(max));
  }
  std::vector<std::string> list;
};

// Every size against its upper bound in limits.h, before any rule that loops
// over layers or experts: a spec too large is reported without further work.
bool within_limits(const ModelSpec& s, Problems& p) {
  using namespace limits;
  const size_t before = p.list.size();
  p.at_most("vocab_size", s.vocab_size, kVocab);
  p.at_most("d_model", s.d_model, kWidth);
  p.at_most("layers", s.layers, kLayers);
  if (s.family == Family::EncoderDecoder) p.at_most("decoder_layers", s.decoder_layers, kLayers);
  p.at_most("heads", s.heads, kHeads);
  p.at_most("kv_heads", s.kv_heads, kHeads);
  p.at_most("head_dim", s.head_dim, kHeadDim);
  p.at_most("d_ff", s.d_ff, kFfnWidth);
  p.at_most("max_positions", s.max_positions, kPositions);
  p.at_most("type_vocab_size", s.type_vocab_size, kTokenTypes);
  p.at_most("mask.prefix_length", s.mask.prefix_length, kPositions);
  p.at_most("mask.window", s.mask.window, kPositions);
  p.at_most("mask.chunk_size", s.mask.chunk_size, kPositions);
  p.at_most("buckets.num_buckets", s.buckets.num_buckets, kBuckets);
  p.at_most("buckets.max_distance", s.buckets.max_distance, kPositions);
  p.at_most("lora.rank", s.lora.rank, kLoraRank);
  if (s.attention == AttentionKind::MLA) {
    p.at_most("mla.q_lora_rank", s.mla.q_lora_rank, kWidth);
    p.at_most("mla.kv_lora_rank", s.mla.kv_lora_rank, kWidth);
    p.at_most("mla.qk_nope_head_dim", s.mla.qk_nope_head_dim, kHeadDim);
    p.at_most("mla.qk_rope_head_dim", s.mla.qk_rope_head_dim, kHeadDim);
    p.at_most("mla.v_head_dim", s.mla.v_head_dim, kHeadDim);
  }
  const MoeSpec& m = s.moe;
  p.at_most("moe.experts", m.experts, kExperts);
  if (m.experts > 0) {
    p.at_most("moe.expert_intermediate", m.expert_intermediate, kFfnWidth);
    p.at_most("moe.shared_experts", m.shared_experts, kSharedExperts);
    p.at_most("moe.shared_intermediate", m.shared_intermediate, kSharedWidth);
    p.at_most("moe.layer_step", m.layer_step, kLayers);
    p.at_most("moe.first_dense", m.first_dense, kLayers);
    p.at_most("moe.dense_layers (count)", static_cast<long long>(m.dense_layers.size()), kLayers);
    if (m.capacity_mode == CapacityMode::Fixed) p.at_most("moe.capacity", m.capacity, kPositions);
    if (m.capacity_mode == CapacityMode::Factor)
      p.require(std::isfinite(m.capacity_factor) && m.capacity_factor <= kCapacityFactor,
                "moe.capacity_factor", m.capacity_factor,
                "must be a finite number at most " + with_commas(static_cast<long long>(kCapacityFactor)));
    p.require(std::isfinite(m.routed_scaling), "moe.routed_scaling", m.routed_scaling, "must be finite");
    p.require(std::isfinite(m.aux_loss_coef), "moe.aux_loss_coef", m.aux_loss_coef, "must be finite");
    p.require(std::isfinite(m.z_loss_coef), "moe.z_loss_coef", m.z_loss_coef, "must be finite");
  }
  p.require(std::isfinite(s.norm_eps), "norm_eps", s.norm_eps, "must be finite");
  p.require(std::isfinite(s.rope.theta), "rope.theta", s.rope.theta, "must be finite");
  p.require(std::isfinite(s.rope.scaling_factor), "rope.scaling_factor", s.rope.scaling_factor,
            "must be finite");
  return p.list.size() == before;
}

void validate_moe(const ModelSpec& s, Problems& p) {
  const MoeSpec& m = s.moe;
  p.require(m.experts >= 0, "moe.experts", m.experts, "must not be negative");
  if (m.experts == 0) return;
  p.require(m.top_k >= 1, "moe.top_k", m.top_k, "must be at least 1");
  p.require(m.top_k <= m.experts, "moe.top_k", m.top_k,
            "must be at most moe.experts (" + std::to_string(m.experts) + ")");
  p.positive("moe.expert_intermediate", m.expert_intermediate);
  p.require(m.shared_experts >= 0, "moe.shared_experts", m.shared_experts, "must not be negative");
  if (m.shared_experts > 0) p.positive("moe.shared_intermediate", m.shared_intermediate);
  p.require(m.groups >= 1, "moe.groups", m.groups, "must be at least 1");
  if (m.groups >= 1) {
    p.require(m.experts % m.groups == 0, "moe.experts", m.experts,
              "must be divisible by moe.groups (" + std::to_string(m.groups) + ")");
    p.require(m.top_groups >= 1 && m.top_groups <= m.groups, "moe.top_groups", m.top_groups,
              "must be between 1 and moe.groups (" + std::to_string(m.groups) + ")");
    if (m.groups > 1 && m.experts % m.groups == 0 && m.top_groups >= 1) {
      int per_group = m.experts / m.groups;
      p.require(m.top_k <= m.top_groups * per_group, "moe.top_k", m.top_k,
                "must fit in the kept groups (top_groups x experts per group = " +
                    std::to_string(m.top_groups * per_group) + ")");
      if (m.group_score == GroupScore::Top2Sum)
        p.require(per_group >= 2, "moe.experts / moe.groups", per_group,
                  "group scores sum each group's top 2 experts, so a group needs at least 2");
    }
  }
  p.require(m.routed_scaling > 0, "moe.routed_scaling", m.routed_scaling, "must be positive");
  p.require(m.layer_step >= 1, "moe.layer_step", m.layer_step, "must be at least 1");
  p.require(m.step_remainder >= 0 && m.step_remainder < std::max(1, m.layer_step),
            "moe.step_remainder", m.step_remainder, "must be in [0, moe.layer_step)");
  p.require(m.first_dense >= 0, "moe.first_dense", m.first_dense, "must not be negative");
  if (m.capacity_mode == CapacityMode::Fixed)
    p.positive("moe.capacity", m.capacity);
  if (m.capacity_mode == CapacityMode::Factor)
    p.require(m.capacity_factor > 0, "moe.capacity_factor", m.capacity_factor,
              "must be positive (use dropless for no capacity limit)");
  p.require(m.correction_bias ? m.router == RouterFunction::Sigmoid : true, "moe.correction_bias",
            "true", "is only defined for the sigmoid router");
}

void validate_attention(const ModelSpec& s, Problems& p) {
  if (s.attention == AttentionKind::MLA) {
    const MlaSpec& m = s.mla;
    p.require(m.q_lora_rank >= 0, "mla.q_lora_rank", m.q_lora_rank, "must not be negative");
    p.positive("mla.kv_lora_rank", m.kv_lora_rank);
    p.positive("mla.qk_nope_head_dim", m.qk_nope_head_dim);
    p.positive("mla.qk_rope_head_dim", m.qk_rope_head_dim);
    p.positive("mla.v_head_dim", m.v_head_dim);
    p.require(m.qk_rope_head_dim % 2 == 0, "mla.qk_rope_head_dim", m.qk_rope_head_dim,
              "must be even (RoPE rotates pairs)");
    p.require(s.position == PositionKind::Rope, "position", to_string(s.position),
              "MLA splits heads into RoPE and non-RoPE parts, so positions must be rope");
    return;
  }
  p.positive("kv_heads", s.kv_heads);
  p.positive("head_dim", s.head_dim);
  if (s.heads > 0 && s.kv_heads > 0) {
    p.require(s.kv_heads <= s.heads, "kv_heads", s.kv_heads,
              "must be at most heads (" + std::to_string(s.heads) + ")");
    p.require(s.heads % s.kv_heads == 0, "heads", s.heads,
              "must be divisible by kv_heads (" + std::to_string(s.kv_heads) + ")");
    AttentionKind implied = attention_kind_for(s.heads, s.kv_heads);
    p.require(s.attention == implied, "attention", to_string(s.attention),
              std::string("heads and kv_heads make this ") + to_string(implied));
  }
  if (s.position == PositionKind::Rope)
    p.require(s.head_dim % 2 == 0, "head_dim", s.head_dim, "must be even for RoPE");
}

void validate_mask(const ModelSpec& s, Problems& p) {
  const MaskSpec& m = s.mask;
  switch (m.kind) {
    case MaskKind::Prefix:
      p.require(m.prefix_length >= 0, "mask.prefix_length", m.prefix_length,
                "must not be negative");
      break;
    case MaskKind::SlidingWindow:
      p.positive("mask.window", m.window);
      break;
    case MaskKind::Chunked:
      p.positive("mask.chunk_size", m.chunk_size);
      break;
    default:
      break;
  }
  if (s.family == Family::EncoderOnly)
    p.require(m.kind == MaskKind::Bidirectional, "mask", to_string(m.kind),
              "an encoder-only model attends bidirectionally");
  if (s.family == Family::PrefixLM)
    p.require(m.kind == MaskKind::Prefix, "mask", to_string(m.kind),
              "a prefix LM uses the prefix mask");
}

}  // namespace

std::vector<std::string> validate(const ModelSpec& s) {
  Problems p;
  if (!within_limits(s, p)) return p.list;
  p.positive("vocab_size", s.vocab_size);
  p.positive("d_model", s.d_model);
  p.positive("layers", s.layers);
  if (s.family == Family::EncoderDecoder) p.positive("decoder_layers", s.decoder_layers);
  p.positive("heads", s.heads);
  if (s.heads > 0 && s.attention != AttentionKind::MLA && s.head_dim > 0 &&
      s.position != PositionKind::T5Relative && s.head_dim * s.heads != s.d_model &&
      s.d_model > 0) {
    // Most families split the width evenly; LLaMA-style configs may set head_dim freely.
    bool free_head_dim = s.layout == WeightLayout::Llama || s.layout == WeightLayout::Mixtral ||
                         s.layout == WeightLayout::Qwen2Moe;
    if (!free_head_dim)
      p.require(s.d_model % s.heads == 0, "d_model", s.d_model,
                "must be divisible by heads (" + std::to_string(s.heads) + ")");
  }
  bool needs_dense_ffn = !s.is_moe();
  for (int i = 0; s.is_moe() && i < s.layers; ++i)
    if (!s.is_moe_layer(i)) needs_dense_ffn = true;
  if (needs_dense_ffn) p.positive("d_ff", s.d_ff);
  if (s.position == PositionKind::Learned) p.positive("max_positions", s.max_positions);
  if (s.position == PositionKind::Rope)
    p.require(s.rope.theta > 0, "rope.theta", s.rope.theta, "must be positive");
  if (s.position == PositionKind::T5Relative) {
    // The encoder halves the buckets by direction and each half keeps an exact
    // range of half its buckets; the log-spaced rest divides by
    // log(max_distance / exact), which must be positive (2 buckets gave 0/0).
    p.require(s.buckets.num_buckets >= 4, "buckets.num_buckets", s.buckets.num_buckets,
              "must be at least 4 (each direction needs an exact range)");
    p.require(s.buckets.max_distance > s.buckets.num_buckets / 2, "buckets.max_distance",
              s.buckets.max_distance, "must exceed num_buckets/2 (the exact range of the decoder)");
  }
  p.require(s.norm_eps > 0, "norm_eps", s.norm_eps, "must be positive");
  p.require(s.type_vocab_size >= 0, "type_vocab_size", s.type_vocab_size, "must not be negative");
  p.require(s.lora.rank >= 0, "lora.rank", s.lora.rank, "must not be negative");
  validate_attention(s, p);
  validate_mask(s, p);
  validate_moe(s, p);
  return p.list;
}

void validate_or_throw(const ModelSpec& spec, const std::string& where) {
  auto problems = validate(spec);
  if (problems.empty()) return;
  std::string msg = where + ": invalid model";
  for (const auto& problem : problems) msg += "\n  - " + problem;
  throw SpecError(msg);
}

const char* to_string(Family f) {
  switch (f) {
    case Family::EncoderOnly: return "encoder-only";
    case Family::DecoderOnly: return "decoder-only";
    case Family::EncoderDecoder: return "encoder-decoder";
    case Family::PrefixLM: return "prefix-lm";
  }
  return "?";
}
const char* to_string(AttentionKind a) {
  switch (a) {
    case AttentionKind::MHA: return "MHA";
    case AttentionKind::GQA: return "GQA";
    case AttentionKind::MQA: return "MQA";
    case AttentionKind::MLA: return "MLA";
  }
  return "?";
}
const char* to_string(MaskKind m) {
  switch (m) {
    case MaskKind::Causal: return "causal";
    case MaskKind::Bidirectional: return "bidirectional";
    case MaskKind::Prefix: return "prefix";
    case MaskKind::SlidingWindow: return "sliding-window";
    case MaskKind::Chunked: return "chunked";
  }
  return "?";
}
const char* to_string(PositionKind p) {
  switch (p) {
    case PositionKind::Learned: return "learned";
    case PositionKind::Sinusoidal: return "sinusoidal";
    case PositionKind::Rope: return "rope";
    case PositionKind::T5Relative: return "t5-relative";
  }
  return "?";
}
const char* to_string(NormKind n) { return n == NormKind::LayerNorm ? "layernorm" : "rmsnorm"; }
const char* to_string(FfnKind f) {
  switch (f) {
    case FfnKind::GeluExact: return "gelu";
    case FfnKind::GeluTanh: return "gelu-tanh";
    case FfnKind::Relu: return "relu";
    case FfnKind::SwiGLU: return "swiglu";
    case FfnKind::GatedGelu: return "gated-gelu";
  }
  return "?";
}
const char* to_string(RouterFunction r) { return r == RouterFunction::Softmax ? "softmax" : "sigmoid"; }
const char* to_string(CapacityMode c) {
  switch (c) {
    case CapacityMode::Dropless: return "dropless";
    case CapacityMode::Fixed: return "fixed";
    case CapacityMode::Factor: return "factor";
  }
  return "?";
}
const char* to_string(CapacityFormula f) {
  switch (f) {
    case CapacityFormula::KAware: return "k-aware";
    case CapacityFormula::PerToken: return "per-token";
    case CapacityFormula::Flaxformer: return "flaxformer";
  }
  return "?";
}
const char* capacity_formula_source(CapacityFormula f) {
  switch (f) {
    case CapacityFormula::KAware:
      return "every token needs k slots: GShard (Lepikhin et al. 2020, 2N/E for top-2), Megatron-Core "
             "get_capacity, DeepSpeed top2gating";
    case CapacityFormula::PerToken:
      return "tokens per expert, k ignored: the Switch Transformer's expert capacity (Fedus et al. 2021), "
             "rounded up";
    case CapacityFormula::Flaxformer:
      return "flaxformer MoeLayer: int(round(cf T / E)) (Python's round, half to even), at least "
             "min_expert_capacity = 4, k ignored";
  }
  return "?";
}
std::optional<CapacityFormula> capacity_formula_from(const std::string& name) {
  if (name == "k-aware" || name == "megatron") return CapacityFormula::KAware;
  if (name == "per-token") return CapacityFormula::PerToken;
  if (name == "flaxformer") return CapacityFormula::Flaxformer;
  return std::nullopt;
}
const char* to_string(DropPolicy d) { return d == DropPolicy::Position ? "position" : "priority"; }

}  // namespace archscope
