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

// Batch Prioritized Routing (V-MoE): one order for every rank, by each
// token's top-1 probability. E = 3, k = 2, C = 1:
//   token 0: p = [.50, .20, .30] -> experts 0 then 2, priority .50
//   token 1: p = [.15, .45, .40] -> experts 1 then 2, priority .45
// First choices fit (0 and 1). Expert 2 has one slot for two second choices:
// BPR gives it to token 0 (higher top-1), although token 1's second-choice
// probability (.40) beats token 0's (.30).
TEST(Capacity, BatchPrioritizedRoutingKeepsTokenZerosSecondChoice) {
  MoeSpec spec = top_k_spec(3, 2);
  spec.capacity_mode = CapacityMode::Fixed;
  spec.capacity = 1;
  spec.drop_policy = DropPolicy::Priority;
  Tensor logits = logits_of({{std::log(.50f), std::log(.20f), std::log(.30f)},
                             {std::log(.15f), std::log(.45f), std::log(.40f)}});
  Routing r = run(logits, spec);
  ASSERT_EQ(r.expert, (std::vector<int>{0, 2, 1, 2}));
  EXPECT_EQ(r.kept, (std::vector<uint8_t>{1, 1, 1, 0}));
  EXPECT_EQ(r.slot, (std::vector<int>{0, 0, 0, -1}));
  // By position the same cut keeps token 0's second choice too, for another reason.
  spec.drop_policy = DropPolicy::Position;
  EXPECT_EQ(run(logits, spec).kept, (std::vector<uint8_t>{1, 1, 1, 0}));
}

TEST(Capacity, BatchPrioritizedRoutingUsesOneOrderForEveryRank) {
  // Token 1 comes later but is more confident; the second ranks follow the
  // same order, so token 1's second choice beats token 0's at expert 2, and
  // the position policy decides the other way.
  MoeSpec spec = top_k_spec(3, 2);
  spec.capacity_mode = CapacityMode::Fixed;
  spec.capacity = 1;
  Tensor logits = logits_of({{std::log(.45f), std::log(.15f), std::log(.40f)},
                             {std::log(.20f), std::log(.50f), std::log(.30f)}});
  spec.drop_policy = DropPolicy::Priority;
  Routing bpr = run(logits, spec);
  ASSERT_EQ(bpr.expert, (std::vector<int>{0, 2, 1, 2}));
  EXPECT_EQ(bpr.kept, (std::vector<uint8_t>{1, 0, 1, 1}));
  spec.drop_policy = DropPolicy::Position;
  EXPECT_EQ(run(logits, spec).kept, (std::vector<uint8_t>{1, 1, 1, 0}));
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
  // The default counts the k slots every token needs (GShard, Megatron-Core, DeepSpeed).
  EXPECT_EQ(spec.capacity_formula, CapacityFormula::KAware);
  EXPECT_EQ(capacity_for(spec, 16), 5);  // k-aware: ceil(1.25 * 16 * 2 / 8)
  spec.capacity_formula = CapacityFormula::PerToken;
  EXPECT_EQ(capacity_for(spec, 16), 3);  // per-token: ceil(1.25 * 16 / 8) = ceil(2.5)
  spec.capacity_factor = 0.5;
  EXPECT_EQ(capacity_for(spec, 16), 1);
  spec.capacity_factor = 1.0;
  EXPECT_EQ(capacity_for(spec, 16), 2);
  spec.capacity_factor = 2.0;
  EXPECT_EQ(capacity_for(spec, 16), 4);
}

TEST(Capacity, FlaxformerRoundsHalfToEvenWithFourSlotsAtLeast) {
  MoeSpec spec = top_k_spec(8, 2);  // k plays no part in flaxformer's rule
  spec.capacity_mode = CapacityMode::Factor;
  spec.capacity_formula = CapacityFormula::Flaxformer;
  auto c = [&](double cf, int T) {
    spec.capacity_factor = cf;
    return capacity_for(spec, T);
  };
  EXPECT_EQ(c(1.25, 64), 10);  // round(10.0)
  EXPECT_EQ(c(1.0, 36), 4);    // round(4.5) = 4: Python rounds half to even
  EXPECT_EQ(c(1.0, 44), 6);    // round(5.5) = 6
  EXPECT_EQ(c(1.0, 43), 5);    // round(5.375)
  EXPECT_EQ(c(2.0, 52), 13);   // round(13.0)
  EXPECT_EQ(c(0.25, 64), 4);   // round(2.0) raised to min_expert_capacity 4
  EXPECT_EQ(c(0.25, 3), 3);    // ... and held to T: no expert can use more than T slots
}

TEST(Capacity, FormulasByName) {
  EXPECT_EQ(capacity_formula_from("k-aware"), CapacityFormula::KAware);
  EXPECT_EQ(capacity_formula_from("megatron"), CapacityFormula::KAware);
  EXPECT_EQ(capacity_formula_from("per-token"), CapacityFormula::PerToken);
  EXPECT_EQ(capacity_formula_from("flaxformer"), CapacityFormula::Flaxformer);
  EXPECT_FALSE(capacity_formula_from("gshard").has_value());
  for (CapacityFormula f : {CapacityFormula::KAware, CapacityFormula::PerToken, CapacityFormula::Flaxformer})
    EXPECT_EQ(capacity_formula_from(to_string(f)), f);
}

TEST(Capacity, TopTwoAtFactorOneKeepsABalancedRouting) {
  // Eight tokens over four experts, top-2, every expert chosen by exactly four
  // tokens: perfect balance. Counting the k slots (C = 2 T / E = 4) keeps all
  // 16 pairs; the per-token rule (C = T / E = 2) drops half by construction.
  std::vector<std::vector<float>> rows;
  for (int t = 0; t < 8; ++t) {
    std::vector<float> z(4, 0.0f);
    z[t % 4] = 3.0f;
    z[(t + 1) % 4] = 2.0f;
    rows.push_back(z);
  }
  MoeSpec spec = top_k_spec(4, 2);
  spec.capacity_mode = CapacityMode::Factor;
  spec.capacity_factor = 1.0;
  MoeMetrics k_aware = metrics_of(logits_of(rows), spec);
  EXPECT_EQ(k_aware.capacity, 4);
  EXPECT_EQ(k_aware.dropped_pairs, 0);
  spec.capacity_formula = CapacityFormula::PerToken;
  MoeMetrics per_token = metrics_of(logits_of(rows), spec);
  EXPECT_EQ(per_token.capacity, 2);
  EXPECT_EQ(per_token.dropped_pairs, 8);
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

// Padding takes no capacity: C is computed from real tokens, padded tokens
// choose nothing, and no metric counts them, under every formula and policy.
TEST(Capacity, PaddedTokensTakeNoSlotAndCountInNoMetric) {
  // Tokens 0, 2, 4, 5 are real; 1 and 3 are padding that would crowd expert 0.
  const Tensor logits = logits_of({{3, 0}, {9, 0}, {2, 0}, {9, 0}, {0, 4}, {1, 0}});
  const std::vector<uint8_t> valid = {1, 0, 1, 0, 1, 1};
  const Tensor real = logits_of({{3, 0}, {2, 0}, {0, 4}, {1, 0}});
  for (CapacityFormula f : {CapacityFormula::KAware, CapacityFormula::PerToken, CapacityFormula::Flaxformer})
    for (DropPolicy policy : {DropPolicy::Position, DropPolicy::Priority}) {
      MoeSpec spec = top_k_spec(2, 1);
      spec.capacity_mode = CapacityMode::Factor;
      spec.capacity_factor = 1.0;
      spec.capacity_formula = f;
      spec.drop_policy = policy;
      const RoutedLayer padded = route(logits, spec, nullptr, valid);
      const RoutedLayer unpadded = route(real, spec);
      const std::string what = std::string(to_string(f)) + ", " + to_string(policy);
      // k-aware and per-token: C = ceil(4 / 2) = 2 from the 4 real tokens, not 3 from 6.
      EXPECT_EQ(padded.metrics.capacity, f == CapacityFormula::Flaxformer ? 4 : 2) << what;
      EXPECT_EQ(padded.metrics.capacity, unpadded.metrics.capacity) << what;
      const std::vector<int> real_rows = {0, 2, 4, 5};
      for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(padded.routing.kept[real_rows[i]], unpadded.routing.kept[i]) << what << " token " << i;
        EXPECT_EQ(padded.routing.slot[real_rows[i]], unpadded.routing.slot[i]) << what << " token " << i;
      }
      for (int t : {1, 3}) {
        EXPECT_EQ(padded.routing.expert[t], -1) << what;
        EXPECT_EQ(padded.routing.kept[t], 0) << what;
      }
      const MoeMetrics &p = padded.metrics, &u = unpadded.metrics;
      EXPECT_EQ(p.tokens, 4) << what;
      EXPECT_EQ(p.load_before, u.load_before) << what;
      EXPECT_EQ(p.load_after, u.load_after) << what;
      EXPECT_EQ(p.dropped_pairs, u.dropped_pairs) << what;
      EXPECT_EQ(p.dropped_tokens, u.dropped_tokens) << what;
      EXPECT_DOUBLE_EQ(p.aux_loss_switch, u.aux_loss_switch) << what;
      EXPECT_DOUBLE_EQ(p.entropy_mean, u.entropy_mean) << what;
      EXPECT_DOUBLE_EQ(p.z_loss, u.z_loss) << what;
      EXPECT_EQ(p.f_top1, u.f_top1) << what;
      EXPECT_EQ(p.mean_prob, u.mean_prob) << what;
    }
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
