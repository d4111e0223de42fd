// Formatting of the ledger for people (a table) and programs (JSON).
#include "engine/model/ledger_report.h"

#include <cstdio>
#include <sstream>

namespace archscope {

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string short_count(double n) {
  char buf[32];
  if (n >= 1e12) std::snprintf(buf, sizeof buf, "%.2fT", n / 1e12);
  else if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) {
    b /= 1024;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : b < 1e6 ? "%.1f %s" : "%.3g %s", b, units[u]);
  return buf;
}

std::string describe_mask(const ModelSpec& s, bool brief) {
  const MaskSpec& m = s.mask;
  std::string self = to_string(m.kind);
  if (!brief && m.kind == MaskKind::SlidingWindow) self += " (" + std::to_string(m.window) + " keys)";
  if (!brief && m.kind == MaskKind::Prefix) self += " (" + std::to_string(m.prefix_length) + " tokens)";
  if (!brief && m.kind == MaskKind::Chunked) self += " (chunks of " + std::to_string(m.chunk_size) + ")";
  // An encoder-decoder's encoder always attends bidirectionally; the spec's mask is the decoder's.
  if (s.family == Family::EncoderDecoder)
    return brief ? "enc bidir, dec " + self : "encoder bidirectional, decoder " + self;
  return self;
}

std::string describe_capacity(const MoeSpec& m) {
  char buf[160];
  switch (m.capacity_mode) {
    case CapacityMode::Dropless:
      return "dropless";
    case CapacityMode::Fixed:
      std::snprintf(buf, sizeof buf, "fixed: %d slots per expert", m.capacity);
      return buf;
    case CapacityMode::Factor: {
      const char* name = to_string(m.capacity_formula);
      const double f = m.capacity_factor;
      switch (m.capacity_formula) {
        case CapacityFormula::KAware:
          std::snprintf(buf, sizeof buf, "factor %g: C = ceil(%g T %d / %d) (%s), from 1 to T", f, f, m.top_k,
                        m.experts, name);
          break;
        case CapacityFormula::PerToken:
          std::snprintf(buf, sizeof buf, "factor %g: C = ceil(%g T / %d) (%s), from 1 to T", f, f, m.experts, name);
          break;
        case CapacityFormula::Flaxformer:
          std::snprintf(buf, sizeof buf, "factor %g: C = max(round(%g T / %d), 4) (%s), from 1 to T", f, f,
                        m.experts, name);
          break;
      }
      return buf;
    }
  }
  return "?";
}

nlohmann::json spec_to_json(const ModelSpec& s) {
  nlohmann::json j = {
      {"name", s.name},
      {"family", to_string(s.family)},
      {"vocab_size", s.vocab_size},
      {"d_model", s.d_model},
      {"layers", s.layers},
      {"heads", s.heads},
      {"kv_heads", s.kv_heads},
      {"head_dim", s.head_dim},
      {"d_ff", s.d_ff},
      {"attention", to_string(s.attention)},
      {"position", to_string(s.position)},
      {"norm", to_string(s.norm)},
      {"norm_placement", s.norm_placement == NormPlacement::Pre ? "pre" : "post"},
      {"ffn", to_string(s.ffn)},
      {"tied_embeddings", s.tied_embeddings},
  };
  if (s.family == Family::EncoderDecoder) {
    j["decoder_layers"] = s.decoder_layers;
    j["encoder_mask"] = to_string(MaskKind::Bidirectional);
    j["decoder_mask"] = to_string(s.mask.kind);
  } else {
    j["mask"] = to_string(s.mask.kind);
  }
  if (s.mask.kind == MaskKind::SlidingWindow) {
    j["window"] = s.mask.window;
    j["window_counts_self"] = s.mask.window_counts_self;
  }
  if (s.mask.kind == MaskKind::Prefix) j["prefix_length"] = s.mask.prefix_length;
  if (s.position == PositionKind::Rope) j["rope_theta"] = s.rope.theta;
  if (s.attention == AttentionKind::MLA)
    j["mla"] = {{"q_lora_rank", s.mla.q_lora_rank},
                {"kv_lora_rank", s.mla.kv_lora_rank},
                {"qk_nope_head_dim", s.mla.qk_nope_head_dim},
                {"qk_rope_head_dim", s.mla.qk_rope_head_dim},
                {"v_head_dim", s.mla.v_head_dim}};
  if (s.is_moe()) {
    std::vector<int> moe_layers;
    int n = s.family == Family::EncoderDecoder ? std::max(s.layers, s.decoder_layers) : s.layers;
    for (int i = 0; i < n; ++i)
      if (s.is_moe_layer(i)) moe_layers.push_back(i);
    j["moe"] = {{"experts", s.moe.experts},
                {"top_k", s.moe.top_k},
                {"expert_intermediate", s.moe.expert_intermediate},
                {"shared_experts", s.moe.shared_experts},
                {"router", to_string(s.moe.router)},
                {"groups", s.moe.groups},
                {"top_groups", s.moe.top_groups},
                {"routed_scaling", s.moe.routed_scaling},
                {"capacity_mode", to_string(s.moe.capacity_mode)},
                {"capacity_factor", s.moe.capacity_factor},
                {"capacity", s.moe.capacity},
                {"capacity_formula", to_string(s.moe.capacity_formula)},
                {"capacity_formula_source", capacity_formula_source(s.moe.capacity_formula)},
                {"drop_policy", to_string(s.moe.drop_policy)},
                {"moe_layers", moe_layers}};
    if (!s.moe.library_compat.empty()) j["moe"]["library_compat"] = s.moe.library_compat;
    if (!s.moe.compat_mode.empty()) j["moe"]["compat_mode"] = s.moe.compat_mode;
  }
  return j;
}

nlohmann::json ledger_to_json(const ModelSpec& s, const Ledger& l) {
  nlohmann::json breakdown = nlohmann::json::array();
  for (const auto& line : l.lines) {
    nlohmann::json e = {{"component", line.component},
                        {"total", line.total},
                        {"active", line.active},
                        {"in_total", line.in_total}};
    if (!line.note.empty()) e["note"] = line.note;
    breakdown.push_back(e);
  }
  nlohmann::json kv = {{"layers", l.kv_cache_layers},
                       {"elements_per_token_per_layer", l.kv_cache_elements_per_token_per_layer},
                       {"formula", l.kv_cache_formula}};
  if (s.family == Family::EncoderDecoder) {
    kv["self_bytes_per_target_token"] = l.kv_cache_self_bytes;
    kv["cross_bytes_per_source_token"] = l.kv_cache_cross_bytes;
  }
  return {
      {"model", spec_to_json(s)},
      {"per_token", l.per_token},
      {"params_total", l.params_total},
      {"params_active", l.params_active},
      {"params_breakdown", breakdown},
      {"lora_trainable_params", l.lora_trainable},
      {"dtype", to_string(l.dtype)},
      {"weights_bytes", l.weights_bytes},
      {"kv_cache_bytes_per_token", l.kv_cache_bytes_per_token},
      {"kv_cache", kv},
      {"flops_per_token", l.flops_per_token},
      {"flops",
       {{"context", l.context},
        {"context_source", l.context_note},
        {"convention", l.flops_convention},
        {"attention_context", l.attention_context},
        {"matmul", l.flops_matmul},
        {"attention", l.flops_attention},
        {"matmul_params_active", l.matmul_params_active},
        {"formula", "2 * matmul_params_active + 2 * attention_layers * heads * (d_qk + d_v) * "
                    "attention_context"}}},
  };
}

std::string ledger_to_text(const ModelSpec& s, const Ledger& l) {
  std::ostringstream o;
  o << s.name << " — " << s.description << "\n";
  o << "  " << to_string(s.family) << ", " << s.layers << " layers";
  if (s.family == Family::EncoderDecoder) o << " + " << s.decoder_layers << " decoder layers";
  o << ", d_model " << s.d_model << ", " << s.heads << " heads / " << s.kv_heads << " KV ("
    << to_string(s.attention) << "), mask " << describe_mask(s) << "\n";
  if (s.is_moe()) {
    o << "  MoE: " << s.moe.experts << " experts, top-" << s.moe.top_k << ", router "
      << to_string(s.moe.router) << ", capacity " << describe_capacity(s.moe);
    if (s.moe.capacity_mode != CapacityMode::Dropless) o << ", drops by " << to_string(s.moe.drop_policy);
    o << "\n";
    if (s.moe.capacity_mode == CapacityMode::Factor)
      o << "  capacity rule: " << to_string(s.moe.capacity_formula) << ", "
        << capacity_formula_source(s.moe.capacity_formula) << "\n";
    if (s.moe.capacity_mode != CapacityMode::Dropless && s.moe.drop_policy == DropPolicy::Priority)
      o << "  drop policy: priority, Batch Prioritized Routing (V-MoE, Riquelme et al. 2021): tokens by "
           "their top-1 probability, one order for every rank\n";
    if (!s.moe.library_compat.empty()) o << "  routing: " << s.moe.library_compat << "\n";
  }
  o << "\n  parameters   total " << with_commas(l.params_total) << " (" << short_count(l.params_total)
    << ")   active/token " << with_commas(l.params_active) << " ("
    << short_count(l.params_active) << ")\n";
  char row[160];
  for (const auto& line : l.lines) {
    std::snprintf(row, sizeof row, "    %-30s %20s %20s%s\n", line.component.c_str(),
                  with_commas(line.total).c_str(), with_commas(line.active).c_str(),
                  line.in_total ? "" : "  (not in total)");
    o << row;
  }
  if (l.lora_trainable > 0) o << "  LoRA trainable parameters " << with_commas(l.lora_trainable) << "\n";
  if (s.family == Family::EncoderDecoder) o << "  per token    " << l.per_token << "\n";
  o << "  KV cache     " << with_commas(l.kv_cache_bytes_per_token) << " bytes/token ("
    << to_string(l.dtype) << "; " << l.kv_cache_formula << ")\n";
  o << "  FLOPs        " << with_commas(l.flops_per_token) << " per token at context " << l.context
    << ", " << l.context_note << " (matmul " << short_count(static_cast<double>(l.flops_matmul))
    << ", attention " << short_count(static_cast<double>(l.flops_attention)) << ")\n";
  o << "               " << l.flops_convention << "\n";
  return o.str();
}

}  // namespace archscope
