// What one MoE layer's routing produced, on the host: the per-token record
// the views draw (Routing) and the balance metrics (MoeMetrics, made from the
// backend's counts). The routing itself runs on the backend (router_scores,
// top_k, capacity_cut, moe_counts); architecture-facts §5, §6 give the rules.
#pragma once

#include <vector>

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"
#include "engine/tensor.h"

namespace archscope {

struct Routing {
  int tokens = 0;   // T, padded tokens included
  int experts = 0;  // E
  int top_k = 0;    // K
  Tensor logits;    // (T, E) router logits
  Tensor scores;    // (T, E) softmax probabilities, or sigmoid scores
  std::vector<int> expert;    // (T, K) chosen experts, best first; -1 for a padded token
  std::vector<float> weight;  // (T, K) combine weights (renormalised and scaled as the spec says)
  std::vector<int> groups;    // (T, top_groups) kept groups, group-limited routing only
  int capacity = -1;          // slots per expert; -1 = dropless
  std::vector<uint8_t> kept;  // (T, K) 1 = the pair fits within capacity
  std::vector<int> slot;      // (T, K) index in the expert's buffer, -1 when not kept
  std::vector<uint8_t> valid; // (T) 1 = a real token; padded tokens take no part in routing

  int at(int t, int k) const { return t * top_k + k; }
};

// The top-k parameters of a spec.
TopKParams top_k_params(const MoeSpec& spec);

// Slots per expert for T real tokens; -1 when the spec is dropless.
//   k-aware: C = ceil(cf T k / E); per-token: C = ceil(cf T / E);
//   flaxformer: C = max(round(cf T / E), 4); fixed: C.
// A factor's C is at least 1 and at most T (no expert can use more than T slots).
int capacity_for(const MoeSpec& spec, int tokens);

// Backend::moe_counts brought to the host.
struct HostMoeCounts {
  std::vector<int32_t> load_before, load_after, first_choice, drops;
  Tensor prob_sum, token_sums;
};

struct MoeMetrics {
  int tokens = 0;  // real tokens (padding excluded): every denominator below
  int top_k = 0;
  std::vector<int> load_before;  // (E) pairs routed to each expert
  std::vector<int> load_after;   // (E) pairs kept after the capacity cut
  int capacity = -1;
  int dropped_pairs = 0;
  int dropped_tokens = 0;            // tokens whose every choice was dropped
  int partially_dropped_tokens = 0;  // tokens that lost some but not all choices
  std::vector<double> f_top1;  // Switch normalisation: fraction of tokens whose first choice is i
  std::vector<double> f_pairs; // Megatron normalisation: load_before / (T K), sums to 1
  std::vector<double> mean_prob;  // P_i: mean router probability (normalised scores for sigmoid)
  double aux_loss_switch = 0;     // E * sum_i f_top1 P_i: 1 at perfect balance (before alpha)
  double aux_loss_switch_weighted = 0;  // times the spec's aux_loss_coef
  double aux_loss_hf = 0;  // this layer alone in Hugging Face Mixtral's normalisation (K at balance)
  double z_loss = 0;       // mean_t (logsumexp_i z_ti)^2
  double entropy_mean = 0; // mean_t -sum_i p ln p
  double entropy_max = 0;  // ln E
  double load_cv = 0;      // std / mean of load_before
  double max_over_mean = 0;
  double drop_rate_tokens = 0;  // dropped_tokens / T
  double drop_rate_pairs = 0;   // dropped_pairs / (T K)
};

MoeMetrics make_metrics(const HostMoeCounts& counts, const MoeSpec& spec, int capacity, int real_tokens);

// Hugging Face's load_balancing_loss_func (Mixtral, Qwen2-MoE) over every MoE
// layer, given the attention mask: E * sum_i (tokens to i / n) * (sum of p_i / n),
// n = layers x real tokens, from each layer's counts.
double hf_load_balancing_loss(const std::vector<const HostMoeCounts*>& layers, int real_tokens);

// One layer's routing of host router logits (T, E) through the backend's
// ops, brought back with its metrics: for tests and tools that study the
// router alone. `valid` (T) may be empty (every token real).
struct RoutedLayer {
  Routing routing;
  MoeMetrics metrics;
};
RoutedLayer route_logits(Backend& b, const Tensor& logits, const MoeSpec& spec,
                         const Tensor* correction_bias = nullptr, const std::vector<uint8_t>& valid = {});

}  // namespace archscope
