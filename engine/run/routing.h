// Token-to-expert routing, the capacity cut, and the balance metrics
// (architecture-facts §5, §6). Pure functions of the router logits, so the
// capacity slider can re-run the cut without recomputing anything else.
#pragma once

#include <vector>

#include "engine/model/model_spec.h"
#include "engine/tensor.h"

namespace archscope {

struct Routing {
  int tokens = 0;   // T
  int experts = 0;  // E
  int top_k = 0;    // K
  Tensor logits;    // (T, E) router logits
  Tensor scores;    // (T, E) softmax probabilities, or sigmoid scores
  std::vector<int> expert;    // (T, K) chosen experts, best first
  std::vector<float> weight;  // (T, K) combine weights (renormalised and scaled as the spec says)
  std::vector<int> groups;    // (T, top_groups) kept groups, group-limited routing only
  int capacity = -1;          // slots per expert; -1 = dropless
  std::vector<uint8_t> kept;  // (T, K) 1 = the pair fits within capacity
  std::vector<int> slot;      // (T, K) index in the expert's buffer, -1 when dropped

  int at(int t, int k) const { return t * top_k + k; }
};

// Chooses K experts per token: softmax or sigmoid scores, optional correction
// bias (selection only) and group-limited selection, renormalisation and scaling.
// `correction_bias` may be null.
Routing select_experts(const Tensor& logits, const MoeSpec& spec, const Tensor* correction_bias);

// Slots per expert for T tokens; -1 when the spec is dropless.
//   per-token: C = ceil(cf * T / E); Megatron: C = ceil(cf * T * K / E); fixed: C.
int capacity_for(const MoeSpec& spec, int tokens);

// The capacity cut. Every first choice is placed before any second choice;
// within a rank, tokens go by position or by router priority (the pair's
// router probability, highest first; ties by position). Fills capacity, kept and slot.
void assign_capacity(Routing& routing, const MoeSpec& spec);

struct MoeMetrics {
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

MoeMetrics compute_metrics(const Routing& routing, const MoeSpec& spec);

// Hugging Face's load_balancing_loss_func (Mixtral, Qwen2-MoE) over the router
// logits of every MoE layer, concatenated: E * sum_{k,i} mean(onehot_k,i) * mean(p_i).
double hf_load_balancing_loss(const std::vector<const Tensor*>& layer_logits, int top_k);

}  // namespace archscope
