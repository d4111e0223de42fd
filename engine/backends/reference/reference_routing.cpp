// The reference's router: scores, top-k with group-limited selection, the
// capacity cut and the counts the balance metrics are made from
// (architecture-facts §5, §6). Padded tokens (valid = 0) take no part.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/backends/reference/reference_backend.h"

namespace archscope {

using namespace reference;

namespace {

// "a ranks above b" for every float, NaN included: NaN above every number
// (where torch.topk and torch.sort put it), NaNs equal among themselves,
// -0 equal to +0. `>` alone is no strict weak ordering once a NaN appears,
// and a sort given one may return anything or read out of bounds.
bool ranks_above(float a, float b) {
  const bool nan_a = std::isnan(a), nan_b = std::isnan(b);
  if (nan_a || nan_b) return nan_a && !nan_b;
  return a > b;
}

// Indices of the k largest values, largest first; ties go to the lower index.
std::vector<int> top_indices(const std::vector<float>& v, int k) {
  std::vector<int> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  // A total order (value, then index), so a partial sort gives the stable answer.
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) {
    return ranks_above(v[a], v[b]) || (!ranks_above(v[b], v[a]) && a < b);
  });
  idx.resize(k);
  return idx;
}

void softmax_row(const float* z, int n, float* p) {
  const float m = *std::max_element(z, z + n);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += (p[i] = std::exp(z[i] - m));
  for (int i = 0; i < n; ++i) p[i] = static_cast<float>(p[i] / sum);
}

bool is_valid(const int32_t* valid, int t) { return !valid || valid[t] != 0; }

}  // namespace

DeviceTensor ReferenceBackend::router_scores(const DeviceTensor& logits_t, RouterFunction f) {
  // logits (T, E) -> scores (T, E)
  require(logits_t.rank() == 2 && logits_t.dim(1) > 0, "router_scores", "logits " + logits_t.shape_string());
  const int T = logits_t.dim(0), E = logits_t.dim(1);
  const float* z = f32(logits_t, "router_scores");
  NewF32 s = new_f32({T, E});
  for (int t = 0; t < T; ++t) {
    const float* zt = z + static_cast<int64_t>(t) * E;
    float* st = s.data + static_cast<int64_t>(t) * E;
    if (f == RouterFunction::Softmax) {
      softmax_row(zt, E, st);
    } else {
      for (int e = 0; e < E; ++e) st[e] = 1.0f / (1.0f + std::exp(-zt[e]));
    }
  }
  return s.tensor;
}

TopKOutputs ReferenceBackend::top_k(const DeviceTensor& scores_t, const DeviceTensor* bias_t,
                                    const DeviceTensor* valid_t, const TopKParams& p) {
  // scores (T, E) -> expert, weight (T, K); groups (T, top_groups)
  require(scores_t.rank() == 2, "top_k", "scores " + scores_t.shape_string());
  const int T = scores_t.dim(0), E = scores_t.dim(1), K = p.k, G = std::max(1, p.groups);
  require(K >= 1 && K <= E, "top_k", "k = " + std::to_string(K) + " of " + std::to_string(E) + " experts");
  require(E % G == 0 && p.top_groups >= 1 && p.top_groups <= G && (G == 1 || K <= p.top_groups * (E / G)),
          "top_k", std::to_string(E) + " experts in " + std::to_string(G) + " groups keeping " +
                       std::to_string(p.top_groups));
  require(G == 1 || p.group_score == GroupScore::Max || E / G >= 2, "top_k", "Top2Sum needs two experts per group");
  require(!bias_t || bias_t->numel() == E, "top_k", "correction bias " + (bias_t ? bias_t->shape_string() : ""));
  require(!valid_t || valid_t->numel() == T, "top_k", "valid flags of the wrong length");
  const float* scores = f32(scores_t, "top_k");
  const float* bias = bias_t ? f32(*bias_t, "top_k") : nullptr;
  const int32_t* valid = valid_t ? i32(*valid_t, "top_k") : nullptr;
  const int per_group = E / G;

  NewI32 expert = new_i32({T, K}, -1);
  NewF32 weight = new_f32({T, K});
  NewI32 groups = G > 1 ? new_i32({T, p.top_groups}, -1) : NewI32{{}, nullptr};
  for (int t = 0; t < T; ++t) {
    if (!is_valid(valid, t)) continue;  // a padded token chooses nothing
    // s (E): what the weights are taken from; choice (E): what selection ranks.
    const float* s = scores + static_cast<int64_t>(t) * E;
    std::vector<float> choice(E);
    for (int e = 0; e < E; ++e) choice[e] = s[e] + (bias ? bias[e] : 0.0f);

    if (G > 1) {
      // Group-limited: score each group, keep the best top_groups, zero the rest
      // (Hugging Face fills masked experts with 0, not -inf).
      std::vector<float> group_score(G);
      for (int g = 0; g < G; ++g) {
        std::vector<float> members(choice.begin() + g * per_group, choice.begin() + (g + 1) * per_group);
        std::sort(members.begin(), members.end(), ranks_above);
        group_score[g] = p.group_score == GroupScore::Top2Sum ? members[0] + members[1] : members[0];
      }
      std::vector<int> kept_groups = top_indices(group_score, p.top_groups);
      std::vector<uint8_t> keep(G, 0);
      for (int g : kept_groups) keep[g] = 1;
      for (int e = 0; e < E; ++e)
        if (!keep[e / per_group]) choice[e] = 0.0f;
      std::sort(kept_groups.begin(), kept_groups.end());
      std::copy(kept_groups.begin(), kept_groups.end(), groups.data + static_cast<int64_t>(t) * p.top_groups);
    }

    std::vector<int> chosen = top_indices(choice, K);
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += s[chosen[k]];
    for (int k = 0; k < K; ++k) {
      double w = s[chosen[k]];
      if (p.normalize) w /= (sum + 1e-20);
      expert.data[t * K + k] = chosen[k];
      weight.data[t * K + k] = static_cast<float>(w * p.routed_scaling);
    }
  }
  return {expert.tensor, weight.tensor, groups.tensor};
}

CapacityOutputs ReferenceBackend::capacity_cut(const DeviceTensor& expert_t, const DeviceTensor& scores_t,
                                               const CapacityParams& p) {
  // expert (T, K), scores (T, E) -> kept, slot (T, K)
  require(expert_t.rank() == 2 && scores_t.rank() == 2 && scores_t.dim(0) == expert_t.dim(0) &&
              scores_t.dim(1) == p.experts,
          "capacity_cut", "expert " + expert_t.shape_string() + ", scores " + scores_t.shape_string());
  const int T = expert_t.dim(0), K = expert_t.dim(1), E = p.experts;
  const int32_t* expert = i32(expert_t, "capacity_cut");
  const float* scores = f32(scores_t, "capacity_cut");
  NewI32 kept = new_i32({T, K}, 0), slot = new_i32({T, K}, -1);
  std::vector<int> fill(E, 0), order(T);
  std::iota(order.begin(), order.end(), 0);
  if (p.policy == DropPolicy::Priority) {
    // Batch Prioritized Routing (V-MoE; flaxformer's argsort(-gate[..., 0])):
    // tokens by the router probability of their first choice, highest first,
    // ties by position; that one order serves every rank. The probability,
    // not the renormalised weight, which is 1 for every top-1 token.
    // A padded token (expert -1) keeps -inf: it is never kept, so its place changes nothing.
    std::vector<float> top1(T, -std::numeric_limits<float>::infinity());
    for (int t = 0; t < T; ++t)
      if (expert[t * K] >= 0 && expert[t * K] < E) top1[t] = scores[static_cast<int64_t>(t) * E + expert[t * K]];
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return ranks_above(top1[a], top1[b]); });
  }
  for (int k = 0; k < K; ++k) {
    for (int t : order) {
      const int i = t * K + k, e = expert[i];
      if (e < 0) continue;  // a padded token takes no slot
      require(e < E, "capacity_cut", "expert " + std::to_string(e) + " of " + std::to_string(E));
      if (p.capacity >= 0 && fill[e] >= p.capacity) continue;
      kept.data[i] = 1;
      slot.data[i] = fill[e]++;
    }
  }
  return {kept.tensor, slot.tensor};
}

MoeCounts ReferenceBackend::moe_counts(const DeviceTensor& logits_t, const DeviceTensor& scores_t,
                                       const DeviceTensor& expert_t, const DeviceTensor& kept_t,
                                       const DeviceTensor* valid_t, RouterFunction f) {
  require(logits_t.rank() == 2 && scores_t.shape == logits_t.shape && expert_t.rank() == 2 &&
              kept_t.shape == expert_t.shape && expert_t.dim(0) == logits_t.dim(0),
          "moe_counts", "logits " + logits_t.shape_string() + ", expert " + expert_t.shape_string());
  const int T = logits_t.dim(0), E = logits_t.dim(1), K = expert_t.dim(1);
  const float *z = f32(logits_t, "moe_counts"), *scores = f32(scores_t, "moe_counts");
  const int32_t *expert = i32(expert_t, "moe_counts"), *kept = i32(kept_t, "moe_counts");
  const int32_t* valid = valid_t ? i32(*valid_t, "moe_counts") : nullptr;
  NewI32 before = new_i32({E}), after = new_i32({E}), first = new_i32({E}), drops = new_i32({3});
  std::vector<double> prob_sum(E, 0.0);
  double entropy_sum = 0, z2_sum = 0;
  for (int t = 0; t < T; ++t) {
    if (!is_valid(valid, t)) continue;
    int dropped = 0;
    for (int k = 0; k < K; ++k) {
      const int i = t * K + k, e = expert[i];
      require(e >= 0 && e < E, "moe_counts", "a real token without expert " + std::to_string(k));
      ++before.data[e];
      if (kept[i]) ++after.data[e]; else ++dropped;
    }
    ++first.data[expert[t * K]];
    drops.data[0] += dropped;
    if (dropped == K) ++drops.data[1];
    else if (dropped > 0) ++drops.data[2];

    // The router's distribution: softmax probabilities as they are, sigmoid
    // scores divided by their sum.
    const float* s = scores + static_cast<int64_t>(t) * E;
    std::vector<double> p(s, s + E);
    const double total = std::accumulate(p.begin(), p.end(), 0.0);
    if (f == RouterFunction::Sigmoid && total > 0)
      for (double& x : p) x /= total;
    for (int e = 0; e < E; ++e) {
      prob_sum[e] += p[e];
      if (p[e] > 0) entropy_sum -= p[e] * std::log(p[e]);
    }
    const float* zt = z + static_cast<int64_t>(t) * E;
    const double zmax = *std::max_element(zt, zt + E);
    double sum = 0;
    for (int e = 0; e < E; ++e) sum += std::exp(zt[e] - zmax);
    const double lse = zmax + std::log(sum);
    z2_sum += lse * lse;
  }
  NewF32 probs = new_f32({E}), sums = new_f32({2});
  for (int e = 0; e < E; ++e) probs.data[e] = static_cast<float>(prob_sum[e]);
  sums.data[0] = static_cast<float>(entropy_sum);
  sums.data[1] = static_cast<float>(z2_sum);
  return {before.tensor, after.tensor, first.tensor, drops.tensor, probs.tensor, sums.tensor};
}

}  // namespace archscope
