// Routers (softmax top-k, sigmoid with correction bias and groups), capacity,
// and the metrics of one MoE layer.
#include "engine/run/routing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace archscope {

namespace {

// Indices of the k largest values, largest first; ties go to the lower index.
std::vector<int> top_indices(const std::vector<float>& v, int k) {
  std::vector<int> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  // A total order (value, then index), so a partial sort gives the stable answer.
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int a, int b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
  idx.resize(k);
  return idx;
}

std::vector<float> softmax(const float* z, int n) {
  std::vector<float> p(n);
  float m = *std::max_element(z, z + n);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += (p[i] = std::exp(z[i] - m));
  for (auto& x : p) x = static_cast<float>(x / sum);
  return p;
}

// Normalised router distribution of token t: softmax probabilities as they
// are, sigmoid scores divided by their sum.
std::vector<double> distribution(const Routing& r, const MoeSpec& spec, int t) {
  std::vector<double> p(r.experts);
  double sum = 0;
  for (int e = 0; e < r.experts; ++e) sum += (p[e] = r.scores.row(t)[e]);
  if (spec.router == RouterFunction::Sigmoid && sum > 0)
    for (auto& x : p) x /= sum;
  return p;
}

}  // namespace

Routing select_experts(const Tensor& logits, const MoeSpec& spec, const Tensor* bias) {
  Routing r;
  r.tokens = logits.dim(0);
  r.experts = logits.dim(1);
  r.top_k = spec.top_k;
  r.logits = logits;
  r.scores = Tensor({r.tokens, r.experts});
  r.expert.resize(static_cast<size_t>(r.tokens) * r.top_k);
  r.weight.resize(r.expert.size());
  const int E = r.experts, G = spec.groups, per_group = E / std::max(1, G);
  for (int t = 0; t < r.tokens; ++t) {
    // scores (E): what the weights are taken from; choice (E): what selection ranks.
    std::vector<float> scores(E), choice(E);
    if (spec.router == RouterFunction::Softmax) {
      scores = softmax(logits.row(t), E);
    } else {
      for (int e = 0; e < E; ++e) scores[e] = 1.0f / (1.0f + std::exp(-logits.row(t)[e]));
    }
    for (int e = 0; e < E; ++e) choice[e] = scores[e] + (bias ? bias->data[e] : 0.0f);
    std::copy(scores.begin(), scores.end(), r.scores.row(t));

    if (G > 1) {
      // Group-limited: score each group, keep the best top_groups, zero the rest
      // (Hugging Face fills masked experts with 0, not -inf).
      std::vector<float> group_score(G);
      for (int g = 0; g < G; ++g) {
        std::vector<float> members(choice.begin() + g * per_group, choice.begin() + (g + 1) * per_group);
        std::sort(members.begin(), members.end(), std::greater<float>());
        group_score[g] = spec.group_score == GroupScore::Top2Sum ? members[0] + members[1] : members[0];
      }
      std::vector<int> kept_groups = top_indices(group_score, spec.top_groups);
      std::vector<uint8_t> keep(G, 0);
      for (int g : kept_groups) keep[g] = 1;
      for (int e = 0; e < E; ++e)
        if (!keep[e / per_group]) choice[e] = 0.0f;
      std::sort(kept_groups.begin(), kept_groups.end());
      r.groups.insert(r.groups.end(), kept_groups.begin(), kept_groups.end());
    }

    std::vector<int> chosen = top_indices(choice, r.top_k);
    double sum = 0;
    for (int k = 0; k < r.top_k; ++k) sum += scores[chosen[k]];
    for (int k = 0; k < r.top_k; ++k) {
      double w = scores[chosen[k]];
      if (spec.normalize_top_k) w /= (sum + 1e-20);
      r.expert[r.at(t, k)] = chosen[k];
      r.weight[r.at(t, k)] = static_cast<float>(w * spec.routed_scaling);
    }
  }
  r.kept.assign(r.expert.size(), 1);
  r.slot.assign(r.expert.size(), -1);
  return r;
}

int capacity_for(const MoeSpec& spec, int tokens) {
  const double E = spec.experts;
  switch (spec.capacity_mode) {
    case CapacityMode::Dropless:
      return -1;
    case CapacityMode::Fixed:
      return spec.capacity;
    case CapacityMode::Factor: {
      double slots = spec.capacity_factor * tokens / E;
      if (spec.capacity_formula == CapacityFormula::Megatron) slots *= spec.top_k;
      // The small epsilon keeps exact products (1.25 * 16 / 8 = 2.5) from rounding up twice.
      return static_cast<int>(std::ceil(slots - 1e-9));
    }
  }
  return -1;
}

void assign_capacity(Routing& r, const MoeSpec& spec) {
  r.capacity = capacity_for(spec, r.tokens);
  std::vector<int> fill(r.experts, 0);
  r.kept.assign(r.expert.size(), 0);
  r.slot.assign(r.expert.size(), -1);
  std::vector<int> order(r.tokens);
  for (int k = 0; k < r.top_k; ++k) {
    std::iota(order.begin(), order.end(), 0);
    if (spec.drop_policy == DropPolicy::Priority) {
      // Router probability of the pair (not its renormalised weight, which is 1
      // for every top-1 token): Batch Prioritized Routing and Megatron's "probs".
      auto priority = [&](int t) { return r.scores.row(t)[r.expert[r.at(t, k)]]; };
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return priority(a) > priority(b); });
    }
    for (int t : order) {
      const int i = r.at(t, k), e = r.expert[i];
      if (r.capacity >= 0 && fill[e] >= r.capacity) continue;
      r.kept[i] = 1;
      r.slot[i] = fill[e]++;
    }
  }
}

MoeMetrics compute_metrics(const Routing& r, const MoeSpec& spec) {
  MoeMetrics m;
  const int T = r.tokens, E = r.experts, K = r.top_k;
  m.capacity = r.capacity;
  m.load_before.assign(E, 0);
  m.load_after.assign(E, 0);
  m.f_top1.assign(E, 0);
  m.f_pairs.assign(E, 0);
  m.mean_prob.assign(E, 0);
  for (int t = 0; t < T; ++t) {
    int dropped = 0;
    for (int k = 0; k < K; ++k) {
      const int i = r.at(t, k), e = r.expert[i];
      ++m.load_before[e];
      if (r.kept[i]) ++m.load_after[e]; else ++dropped;
    }
    m.f_top1[r.expert[r.at(t, 0)]] += 1.0 / T;
    m.dropped_pairs += dropped;
    if (dropped == K) ++m.dropped_tokens;
    else if (dropped > 0) ++m.partially_dropped_tokens;

    std::vector<double> p = distribution(r, spec, t);
    double entropy = 0;
    for (int e = 0; e < E; ++e) {
      m.mean_prob[e] += p[e] / T;
      if (p[e] > 0) entropy -= p[e] * std::log(p[e]);
    }
    m.entropy_mean += entropy / T;

    const float* z = r.logits.row(t);
    const double zmax = *std::max_element(z, z + E);
    double s = 0;
    for (int e = 0; e < E; ++e) s += std::exp(z[e] - zmax);
    const double lse = zmax + std::log(s);
    m.z_loss += lse * lse / T;
  }
  double mean_load = static_cast<double>(T) * K / E, var = 0;
  int max_load = 0;
  for (int e = 0; e < E; ++e) {
    m.f_pairs[e] = m.load_before[e] / (static_cast<double>(T) * K);
    m.aux_loss_switch += E * m.f_top1[e] * m.mean_prob[e];
    m.aux_loss_hf += E * (m.load_before[e] / static_cast<double>(T)) * m.mean_prob[e];
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

double hf_load_balancing_loss(const std::vector<const Tensor*>& layer_logits, int top_k) {
  if (layer_logits.empty()) return 0;
  const int E = layer_logits.front()->dim(1);
  std::vector<double> tokens_per_expert(E, 0), prob_per_expert(E, 0);
  int64_t n = 0;
  for (const Tensor* logits : layer_logits) {
    for (int t = 0; t < logits->dim(0); ++t, ++n) {
      std::vector<float> p = softmax(logits->row(t), E);
      for (int e : top_indices(p, top_k)) tokens_per_expert[e] += 1;
      for (int e = 0; e < E; ++e) prob_per_expert[e] += p[e];
    }
  }
  double loss = 0;
  for (int e = 0; e < E; ++e) loss += (tokens_per_expert[e] / n) * (prob_per_expert[e] / n);
  return loss * E;
}

}  // namespace archscope
