// Routing and capacity on small hand-worked cases, and the balance metrics on a
// balanced and a collapsed router.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/backends/backend.h"
#include "engine/run/routing.h"

using namespace archscope;

namespace {

Tensor logits_of(std::vector<std::vector<float>> rows) {
  Tensor t({static_cast<int>(rows.size()), static_cast<int>(rows[0].size())});
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < rows[r].size(); ++c) t.row(static_cast<int>(r))[c] = rows[r][c];
  return t;
}

MoeSpec top_k_spec(int experts, int k) {
  MoeSpec m;
  m.experts = experts;
  m.top_k = k;
  m.expert_intermediate = 4;
  return m;
}

// Routing runs on a backend: these cases go through the reference's ops.
RoutedLayer route(const Tensor& logits, const MoeSpec& spec, const Tensor* bias = nullptr,
                  const std::vector<uint8_t>& valid = {}) {
  auto backend = make_reference_backend();
  return route_logits(*backend, logits, spec, bias, valid);
}

Routing run(const Tensor& logits, const MoeSpec& spec, const Tensor* bias = nullptr) {
  return route(logits, spec, bias).routing;
}

MoeMetrics metrics_of(const Tensor& logits, const MoeSpec& spec) { return route(logits, spec).metrics; }

// Four tokens over two experts: tokens 0, 1, 2 want expert 0 (token 2 most
// strongly, then 0, then 1); token 3 wants expert 1.
Tensor four_tokens() { return logits_of({{2, 0}, {1, 0}, {4, 0}, {0, 3}}); }

}  // namespace

TEST(Routing, SoftmaxTopKRenormalises) {
  MoeSpec spec = top_k_spec(4, 2);
  Routing r = run(logits_of({{1, 3, 2, 0}}), spec);
  EXPECT_EQ(r.expert[0], 1);
  EXPECT_EQ(r.expert[1], 2);
  // softmax over all four then renormalised over the chosen two = softmax over {3, 2}
  EXPECT_NEAR(r.weight[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(r.weight[0] + r.weight[1], 1.0, 1e-6);
}

TEST(Routing, WithoutRenormalisationWeightsAreTheProbabilities) {
  MoeSpec spec = top_k_spec(4, 2);
  spec.normalize_top_k = false;  // Qwen2-MoE, Switch
  Routing r = run(logits_of({{1, 3, 2, 0}}), spec);
  const double z = std::exp(1) + std::exp(3) + std::exp(2) + std::exp(0);
  EXPECT_NEAR(r.weight[0], std::exp(3) / z, 1e-6);
  EXPECT_NEAR(r.weight[1], std::exp(2) / z, 1e-6);
}

TEST(Capacity, PositionPolicyDropsTheLateComer) {
  MoeSpec spec = top_k_spec(2, 1);
  spec.capacity_mode = CapacityMode::Fixed;
  spec.capacity = 2;
  Routing r = run(four_tokens(), spec);
  EXPECT_EQ(r.capacity, 2);
  EXPECT_EQ(r.kept, (std::vector<uint8_t>{1, 1, 0, 1}));  // token 2 came third to expert 0
  EXPECT_EQ(r.slot, (std::vector<int>{0, 1, -1, 0}));
}

TEST(Capacity, PriorityPolicyDropsTheLeastConfident) {
  MoeSpec spec = top_k_spec(2, 1);
  spec.capacity_mode = CapacityMode::Fixed;
  spec.capacity = 2;
  spec.drop_policy = DropPolicy::Priority;
  Routing r = run(four_tokens(), spec);
  EXPECT_EQ(r.kept, (std::vector<uint8_t>{1, 0, 1, 1}));  // token 1 has the lowest probability
  EXPECT_EQ(r.slot[2], 0);                                // token 2 is served first
}

TEST(Capacity, FirstChoicesFillBeforeAnySecondChoice) {
  // Token 0: A then B. Token 1: B then A. Token 2: B then C. One slot each.
  MoeSpec spec = top_k_spec(3, 2);
  spec.capacity_mode = CapacityMode::Fixed;
  spec.capacity = 1;
  Routing r = run(logits_of({{3, 2, 0}, {2, 3, 0}, {0, 3, 2}}), spec);
  // First choices: t0->A kept, t1->B kept, t2->B dropped.
  EXPECT_EQ(r.kept[r.at(0, 0)], 1);
  EXPECT_EQ(r.kept[r.at(1, 0)], 1);
  EXPECT_EQ(r.kept[r.at(2, 0)], 0);
  // Second choices: t0->B and t1->A find their experts full; t2->C is kept.
  EXPECT_EQ(r.kept[r.at(0, 1)], 0);
  EXPECT_EQ(r.kept[r.at(1, 1)], 0);
  EXPECT_EQ(r.kept[r.at(2, 1)], 1);
  // The surviving choice keeps its original normalised weight.
  EXPECT_NEAR(r.weight[r.at(2, 1)], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  MoeMetrics m = metrics_of(logits_of({{3, 2, 0}, {2, 3, 0}, {0, 3, 2}}), spec);
  EXPECT_EQ(m.dropped_pairs, 3);
  EXPECT_EQ(m.dropped_tokens, 0);  // every token still reaches some expert
  EXPECT_EQ(m.partially_dropped_tokens, 3);
}

TEST(Capacity, DroplessDropsNothingEvenWhenAllChooseOneExpert) {
  MoeSpec spec = top_k_spec(4, 2);
  Routing r = run(logits_of({{9, 5, 0, 0}, {9, 5, 0, 0}, {9, 5, 0, 0}, {9, 5, 0, 0}, {9, 5, 0, 0}}), spec);
  EXPECT_EQ(r.capacity, -1);
  for (uint8_t k : r.kept) EXPECT_EQ(k, 1);
  EXPECT_EQ(route(logits_of({{9, 5, 0, 0}, {9, 5, 0, 0}, {9, 5, 0, 0}, {9, 5, 0, 0}, {9, 5, 0, 0}}), spec).metrics.dropped_pairs, 0);
}

TEST(Capacity, FormulasAndFactors) {
  MoeSpec spec = top_k_spec(8, 2);
  spec.capacity_mode = CapacityMode::Factor;
  spec.capacity_factor = 1.25;
  EXPECT_EQ(capacity_for(spec, 16), 3);  // per-token: ceil(1.25 * 16 / 8) = ceil(2.5)
  spec.capacity_formula = CapacityFormula::Megatron;
  EXPECT_EQ(capacity_for(spec, 16), 5);  // Megatron: ceil(1.25 * 16 * 2 / 8)
  spec.capacity_formula = CapacityFormula::PerToken;
  spec.capacity_factor = 0.5;
  EXPECT_EQ(capacity_for(spec, 16), 1);
  spec.capacity_factor = 1.0;
  EXPECT_EQ(capacity_for(spec, 16), 2);
  spec.capacity_factor = 2.0;
  EXPECT_EQ(capacity_for(spec, 16), 4);
}

TEST(Capacity, FactorHalfOneAndTwoOnTheSameRouting) {
  // Eight tokens, four experts, top-1; expert 0 is wanted by tokens 0..4, expert 1 by 5..7.
  Tensor logits = logits_of({{5, 0, 0, 0}, {5, 0, 0, 0}, {5, 0, 0, 0}, {5, 0, 0, 0}, {5, 0, 0, 0},
                             {0, 5, 0, 0}, {0, 5, 0, 0}, {0, 5, 0, 0}});
  MoeSpec spec = top_k_spec(4, 1);
  spec.capacity_mode = CapacityMode::Factor;
  auto dropped_with = [&](double cf) {
    spec.capacity_factor = cf;
    return metrics_of(logits, spec).dropped_tokens;
  };
  EXPECT_EQ(dropped_with(0.5), 6);  // C = 1: expert 0 keeps 1 of 5, expert 1 keeps 1 of 3
  EXPECT_EQ(dropped_with(1.0), 4);  // C = 2: 3 + 1 dropped
  EXPECT_EQ(dropped_with(2.0), 1);  // C = 4: only expert 0's fifth token
}

TEST(Routing, SigmoidGroupLimitedWithCorrectionBias) {
  // Eight experts in four groups of two; keep two groups; top-2.
  MoeSpec spec = top_k_spec(8, 2);
  spec.router = RouterFunction::Sigmoid;
  spec.correction_bias = true;
  spec.groups = 4;
  spec.top_groups = 2;
  spec.routed_scaling = 2.5;
  // Expert 0 alone is the best, but group 0's top-2 sum loses to groups 1 and 2.
  Tensor logits = logits_of({{4, -4, 2, 2, 1.5, 1.5, 0, 0}});
  Tensor bias({8});
  Routing r = run(logits, spec, &bias);
  EXPECT_EQ(r.groups, (std::vector<int>{1, 2}));
  EXPECT_EQ(r.expert[0] / 2, 1);  // both choices come from group 1 (experts 2, 3 tie)
  EXPECT_EQ(r.expert[1] / 2, 1);
  EXPECT_NEAR(r.weight[0] + r.weight[1], 2.5, 1e-5);  // renormalised, then scaled

  // A bias moves selection, not weights: lift expert 5 above group 1's experts.
  bias.data[5] = 1.0f;
  Routing b = run(logits, spec, &bias);
  EXPECT_EQ(b.expert[0], 5);
  const double s5 = 1 / (1 + std::exp(-1.5)), s2 = 1 / (1 + std::exp(-2.0));
  EXPECT_NEAR(b.weight[0], 2.5 * s5 / (s5 + s2), 1e-5);
}

TEST(Metrics, BalancedRouter) {
  // Token t prefers expert t, symmetrically: every expert gets one token.
  const int E = 4;
  std::vector<std::vector<float>> rows(E, std::vector<float>(E, 0.0f));
  for (int t = 0; t < E; ++t) rows[t][t] = 3.0f;
  MoeSpec spec = top_k_spec(E, 1);
  MoeMetrics m = metrics_of(logits_of(rows), spec);
  EXPECT_NEAR(m.aux_loss_switch, 1.0, 1e-6);  // 1 at perfect balance
  EXPECT_NEAR(m.load_cv, 0.0, 1e-12);
  EXPECT_NEAR(m.max_over_mean, 1.0, 1e-12);
  for (double p : m.mean_prob) EXPECT_NEAR(p, 0.25, 1e-6);
  EXPECT_NEAR(m.aux_loss_switch_weighted, 0.01, 1e-8);
}

TEST(Metrics, CollapsedRouter) {
  const int E = 4, T = 8;
  std::vector<std::vector<float>> rows(T, std::vector<float>{20, 0, 0, 0});
  MoeSpec spec = top_k_spec(E, 1);
  MoeMetrics m = metrics_of(logits_of(rows), spec);
  EXPECT_NEAR(m.aux_loss_switch, E, 1e-6);  // E when one expert takes everything
  EXPECT_NEAR(m.load_cv, std::sqrt(E - 1.0), 1e-9);
  EXPECT_NEAR(m.max_over_mean, E, 1e-9);
  EXPECT_LT(m.entropy_mean, 1e-6);
  EXPECT_EQ(m.load_before, (std::vector<int>{T, 0, 0, 0}));
}

TEST(Metrics, ZLossAndEntropyOfAFlatRouter) {
  MoeSpec spec = top_k_spec(4, 1);
  MoeMetrics m = metrics_of(logits_of({{0, 0, 0, 0}, {0, 0, 0, 0}}), spec);
  EXPECT_NEAR(m.z_loss, std::log(4.0) * std::log(4.0), 1e-6);
  EXPECT_NEAR(m.entropy_mean, std::log(4.0), 1e-6);
  EXPECT_NEAR(m.entropy_max, std::log(4.0), 1e-12);
}

TEST(Metrics, HuggingFaceNormalisationCountsEverySlot) {
  // Mixtral's load_balancing_loss_func gives k at perfect balance.
  std::vector<std::vector<float>> rows = {{3, 3, 0, 0}, {0, 0, 3, 3}, {3, 3, 0, 0}, {0, 0, 3, 3}};
  MoeSpec spec = top_k_spec(4, 2);
  RoutedLayer layer = route(logits_of(rows), spec);
  // The counts behind the metrics, as the trace gets them.
  HostMoeCounts counts;
  counts.load_before.assign(layer.metrics.load_before.begin(), layer.metrics.load_before.end());
  counts.prob_sum = Tensor({4});
  for (int e = 0; e < 4; ++e) counts.prob_sum.data[e] = static_cast<float>(layer.metrics.mean_prob[e] * 4);
  EXPECT_NEAR(hf_load_balancing_loss({&counts}, 4), 2.0, 1e-6);
  EXPECT_NEAR(layer.metrics.aux_loss_hf, 2.0, 1e-6);
}
