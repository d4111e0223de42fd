// The expert loop against the reference MoE sublayer, given the reference's
// own routing: every MoE preset's classroom layer (gated and plain FFNs, top-1
// to top-8, biases or none), at 1, odd and many tokens, with and without a
// capacity cut that drops pairs.
#include <gtest/gtest.h>

#include "engine/backends/fast/moe_experts.h"
#include "engine/io/random_weights.h"
#include "engine/model/presets.h"
#include "tests/fast/compare.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;
using archscope::testing::near_relative;
using archscope::testing::random_tensor;

struct MoeCase {
  std::string preset;
  double capacity_factor;  // 0: the preset's own capacity rule
  int tokens;
};

void PrintTo(const MoeCase& c, std::ostream* os) {
  *os << c.preset << " T=" << c.tokens << " cf=" << c.capacity_factor;
}

const MoeWeights& first_moe_layer(const ModelWeights& w) {
  for (const StackWeights* st : {&w.encoder, &w.decoder})
    for (const LayerWeights& l : st->layers)
      if (l.moe) return *l.moe;
  throw std::logic_error("no MoE layer");
}

const float* data_or_null(const Tensor& t) { return t.empty() ? nullptr : t.data.data(); }

class MoeExperts : public ::testing::TestWithParam<MoeCase> {};

TEST_P(MoeExperts, MatchReferenceGivenItsRouting) {
  const MoeCase& c = GetParam();
  ModelSpec s = find_preset(c.preset)->classroom;
  if (c.capacity_factor > 0) {
    s.moe.capacity_mode = CapacityMode::Factor;
    s.moe.capacity_factor = c.capacity_factor;
  }
  // The routed experts alone: shared experts and dropped-pair outputs are other ops.
  s.moe.drop_output = DropOutput::Zero;
  const ModelWeights weights = make_random_weights(s);
  MoeWeights w = first_moe_layer(weights);
  w.shared.reset();
  w.shared_gate = {};
  const Tensor x = random_tensor({c.tokens, s.d_model}, 51);
  const MoeResult want = oracle::moe(s, w, x);

  std::vector<fast::ExpertWeights> experts;
  for (const FfnWeights& e : w.experts)
    experts.push_back({data_or_null(e.gate.w), data_or_null(e.gate.b), e.up.w.data.data(), data_or_null(e.up.b),
                       e.down.w.data.data(), data_or_null(e.down.b)});
  const bool gated = s.ffn == FfnKind::SwiGLU || s.ffn == FfnKind::GatedGelu;
  const fast::ExpertFfn ffn{s.d_model, s.moe.expert_intermediate, activation_of(s.ffn), gated};
  const Routing& r = want.routing;
  const fast::RoutedPairs pairs{r.tokens, r.top_k, r.expert.data(), r.weight.data(), r.kept.data()};
  for (int threads : {1, 3}) {
    fast::ThreadPool pool(threads);
    std::vector<float> out(want.out.numel(), 99.0f);
    fast::moe_experts(pool, x.data.data(), ffn, experts, pairs, out.data());
    EXPECT_TRUE(near_relative(out, want.out, 1e-3)) << threads << " threads";
  }
}

std::vector<MoeCase> cases() {
  std::vector<MoeCase> out;
  for (const char* p : {"mixtral", "switch-base-8", "gshard", "deepseek-v3", "qwen-moe"})
    for (int T : {1, 7, 64}) {
      out.push_back({p, 0, T});
      out.push_back({p, 0.5, T});
    }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Presets, MoeExperts, ::testing::ValuesIn(cases()), [](const auto& info) {
  std::string n = info.param.preset + "_T" + std::to_string(info.param.tokens) +
                  (info.param.capacity_factor > 0 ? "_cf05" : "");
  for (char& ch : n)
    if (ch == '-') ch = '_';
  return n;
});

TEST(MoeExperts, RefusesAnExpertOutsideTheList) {
  fast::ThreadPool pool(1);
  std::vector<float> x(4), w(4), out(4);
  const fast::ExpertWeights e{nullptr, nullptr, w.data(), nullptr, w.data(), nullptr};
  const int expert[1] = {3};
  const float weight[1] = {1.0f};
  const fast::RoutedPairs pairs{1, 1, expert, weight, nullptr};
  EXPECT_THROW(fast::moe_experts(pool, x.data(), {2, 2, Activation::Relu, false}, std::span(&e, 1), pairs, out.data()),
               std::invalid_argument);
}

}  // namespace
