// Capacity, metrics from the backend's counts, and the router of one layer
// on host logits.
#include "engine/run/routing.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/errors.h"

namespace archscope {

TopKParams top_k_params(const MoeSpec& m) {
  return {m.top_k, m.groups, m.top_groups, m.group_score, m.normalize_top_k, m.routed_scaling};
}

int capacity_for(const MoeSpec& spec, int tokens) {
  const double E = spec.experts, cf = spec.capacity_factor;
  switch (spec.capacity_mode) {
    case CapacityMode::Dropless:
      return -1;
    case CapacityMode::Fixed:
      return spec.capacity;
    case CapacityMode::Factor: {
      double c = 0;
      switch (spec.capacity_formula) {
        // The small epsilon keeps exact products (1.25 * 16 / 8 = 2.5) from rounding up twice.
        case CapacityFormula::KAware: c = std::ceil(cf * tokens * spec.top_k / E - 1e-9); break;
        case CapacityFormula::PerToken: c = std::ceil(cf * tokens / E - 1e-9); break;
        // Python's round() is half to even, as nearbyint is in the default rounding mode;
        // the product is taken in flaxformer's order, (cf * T) / E.
        case CapacityFormula::Flaxformer: c = std::max(std::nearbyint(cf * tokens / E), 4.0); break;
      }
      // A positive factor always leaves one slot (1e-30 gave 0: every token dropped).
      // An expert receives at most one pair per token, so any C >= T keeps every
      // pair; clamping there keeps C an int for every finite factor (1e30 wrapped).
      if (!(c >= 1)) return 1;
      return c >= tokens ? std::max(tokens, 1) : static_cast<int>(c);
    }
  }
  return -1;
}

MoeMetrics make_metrics(const HostMoeCounts& c, const MoeSpec& spec, int capacity, int T) {
  MoeMetrics m;
  const int E = static_cast<int>(c.load_before.size()), K = spec.top_k;
  m.tokens = T;
  m.top_k = K;
  m.capacity = capacity;
  m.load_before.assign(c.load_before.begin(), c.load_before.end());
  m.load_after.assign(c.load_after.begin(), c.load_after.end());
  m.dropped_pairs = c.drops.at(0);
  m.dropped_tokens = c.drops.at(1);
  m.partially_dropped_tokens = c.drops.at(2);
  m.f_top1.assign(E, 0);
  m.f_pairs.assign(E, 0);
  m.mean_prob.assign(E, 0);
  const double tokens = std::max(T, 1);
  m.entropy_mean = c.token_sums.data.at(0) / tokens;
  m.z_loss = c.token_sums.data.at(1) / tokens;
  const double mean_load = static_cast<double>(T) * K / E;
  double var = 0;
  int max_load = 0;
  for (int e = 0; e < E; ++e) {
    m.f_top1[e] = c.first_choice[e] / tokens;
    m.mean_prob[e] = c.prob_sum.data[e] / tokens;
    m.f_pairs[e] = T > 0 ? m.load_before[e] / (static_cast<double>(T) * K) : 0;
    m.aux_loss_switch += E * m.f_top1[e] * m.mean_prob[e];
    m.aux_loss_hf += E * (m.load_before[e] / tokens) * m.mean_prob[e];
    var += (m.load_before[e] - mean_load) * (m.load_before[e] - mean_load) / E;
    max_load = std::max(max_load, m.load_before[e]);
  }
  m.aux_loss_switch_weighted = spec.aux_loss_coef * m.aux_loss_switch;
  m.entropy_max = std::log(static_cast<double>(E));
  m.load_cv = mean_load > 0 ? std::sqrt(var) / mean_load : 0;
  m.max_over_mean = mean_load > 0 ? max_load / mean_load : 0;
  m.drop_rate_tokens = T > 0 ? static_cast<double>(m.dropped_tokens) / T : 0;
  m.drop_rate_pairs = T > 0 ? static_cast<double>(m.dropped_pairs) / (static_cast<double>(T) * K) : 0;
  return m;
}

double hf_load_balancing_loss(const std::vector<const HostMoeCounts*>& layers, int real_tokens) {
  if (layers.empty() || real_tokens <= 0) return 0;
  const size_t E = layers.front()->load_before.size();
  std::vector<double> tokens_per_expert(E, 0), prob_per_expert(E, 0);
  for (const HostMoeCounts* c : layers)
    for (size_t e = 0; e < E; ++e) {
      tokens_per_expert[e] += c->load_before[e];
      prob_per_expert[e] += c->prob_sum.data[e];
    }
  const double n = static_cast<double>(layers.size()) * real_tokens;
  double loss = 0;
  for (size_t e = 0; e < E; ++e) loss += (tokens_per_expert[e] / n) * (prob_per_expert[e] / n);
  return loss * static_cast<double>(E);
}

RoutedLayer route_logits(Backend& b, const Tensor& logits, const MoeSpec& spec, const Tensor* bias,
                         const std::vector<uint8_t>& valid) {
  const int T = logits.dim(0), E = logits.dim(1);
  for (int64_t i = 0; i < logits.numel(); ++i)
    if (!std::isfinite(logits.data[i]))
      throw NumericError("router logits (" + std::to_string(T) + ", " + std::to_string(E) + "): token " +
                         std::to_string(i / E) + ", expert " + std::to_string(i % E) + " is " +
                         std::to_string(logits.data[i]) + "; routing needs finite logits");
  DeviceTensor z = b.upload(logits);
  DeviceTensor bias_d = bias ? b.upload(*bias) : DeviceTensor{};
  DeviceTensor valid_d;
  int real = T;
  if (!valid.empty()) {
    valid_d = b.upload_ints(std::vector<int32_t>(valid.begin(), valid.end()), {T});
    real = static_cast<int>(std::count_if(valid.begin(), valid.end(), [](uint8_t v) { return v != 0; }));
  }
  const int capacity = capacity_for(spec, real);
  DeviceTensor scores = b.router_scores(z, spec.router);
  TopKOutputs top = b.top_k(scores, bias ? &bias_d : nullptr, valid.empty() ? nullptr : &valid_d, top_k_params(spec));
  CapacityOutputs cut = b.capacity_cut(top.expert, scores, {spec.experts, capacity, spec.drop_policy});
  MoeCounts counts = b.moe_counts(z, scores, top.expert, cut.kept, valid.empty() ? nullptr : &valid_d, spec.router);

  RoutedLayer out;
  Routing& r = out.routing;
  r.tokens = T;
  r.experts = logits.dim(1);
  r.top_k = spec.top_k;
  r.logits = logits;
  r.capacity = capacity;
  r.valid = valid.empty() ? std::vector<uint8_t>(T, 1) : valid;
  std::vector<int32_t> expert, groups, kept, slot;
  HostMoeCounts c;
  Tensor weight;
  std::vector<Download> batch = {{&scores, &r.scores, nullptr},   {&top.expert, nullptr, &expert},
                                 {&top.weight, &weight, nullptr}, {&cut.kept, nullptr, &kept},
                                 {&cut.slot, nullptr, &slot},     {&counts.load_before, nullptr, &c.load_before},
                                 {&counts.load_after, nullptr, &c.load_after},
                                 {&counts.first_choice, nullptr, &c.first_choice},
                                 {&counts.drops, nullptr, &c.drops},
                                 {&counts.prob_sum, &c.prob_sum, nullptr},
                                 {&counts.token_sums, &c.token_sums, nullptr}};
  if (!top.groups.empty()) batch.push_back({&top.groups, nullptr, &groups});
  b.download_batch(batch);
  r.expert.assign(expert.begin(), expert.end());
  r.weight = weight.data;
  r.groups.assign(groups.begin(), groups.end());
  r.kept.assign(kept.begin(), kept.end());
  r.slot.assign(slot.begin(), slot.end());
  out.metrics = make_metrics(c, spec, capacity, real);
  return out;
}

}  // namespace archscope
