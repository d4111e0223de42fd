// MoE lookups and descriptions.
#include "app/views/moe_common.h"

#include <algorithm>

#include "app/views/plot.h"

namespace archscope::views {

const std::vector<MoeRecord>& moe_records(const Scene& s, Stack stack) {
  static const std::vector<MoeRecord> none;
  if (!s.trace) return none;
  return stack == Stack::Encoder ? s.trace->encoder.moe : s.trace->decoder.moe;
}

Stack moe_stack(const Scene& s) {
  if (!moe_records(s, s.focus.stack).empty()) return s.focus.stack;
  return s.focus.stack == Stack::Encoder ? Stack::Decoder : Stack::Encoder;
}

const MoeRecord* focused_moe(const Scene& s) {
  const auto& list = moe_records(s, moe_stack(s));
  if (list.empty()) return nullptr;
  for (const MoeRecord& m : list)
    if (m.layer >= s.focus.layer) return &m;
  return &list.back();
}

std::string describe_router(const MoeSpec& m) {
  std::string s = m.router == RouterFunction::Softmax ? "softmax" : "sigmoid";
  if (m.correction_bias) s += " + correction bias";
  if (m.groups > 1) s += ", " + std::to_string(m.groups) + " groups keep " + std::to_string(m.top_groups);
  s += ", top-" + std::to_string(m.top_k);
  if (m.top_k > 1) s += m.normalize_top_k ? ", renormalised" : ", not renormalised";
  if (m.routed_scaling != 1.0) s += ", ×" + fixed(m.routed_scaling, 2);
  if (m.shared_experts > 0) s += ", " + std::to_string(m.shared_experts) + " shared";
  return s;
}

std::string describe_capacity(const MoeSpec& m, const Routing& r) {
  if (r.capacity < 0) return "dropless: every choice is kept";
  const std::string E = std::to_string(r.experts), T = std::to_string(r.tokens), K = std::to_string(r.top_k);
  switch (m.capacity_mode) {
    case CapacityMode::Fixed: return "capacity " + std::to_string(r.capacity) + " slots per expert (fixed)";
    case CapacityMode::Factor:
      switch (m.capacity_formula) {
        case CapacityFormula::KAware:
          return "capacity " + std::to_string(r.capacity) + " = ⌈" + fixed(m.capacity_factor, 2) + " × " + T + " × " +
                 K + " / " + E + "⌉ (k-aware)";
        case CapacityFormula::PerToken:
          return "capacity " + std::to_string(r.capacity) + " = ⌈" + fixed(m.capacity_factor, 2) + " × " + T + " / " +
                 E + "⌉ (per token)";
        case CapacityFormula::Flaxformer:
          return "capacity " + std::to_string(r.capacity) + " = max(round(" + fixed(m.capacity_factor, 2) + " × " + T +
                 " / " + E + "), 4) (flaxformer)";
      }
      break;
    case CapacityMode::Dropless: break;
  }
  return "capacity " + std::to_string(r.capacity);
}

int choice_rank(const Routing& r, int t, int e) {
  for (int k = 0; k < r.top_k; ++k)
    if (r.expert[r.at(t, k)] == e) return k;
  return -1;
}

}  // namespace archscope::views
