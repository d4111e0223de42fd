// The grouped expert FFN against the reference's expert_ffn: every MoE
// preset's classroom experts (gated and plain, with and without biases) and a
// wide synthetic layer, with rows spread unevenly (experts with no rows, one
// row, most rows) and unused rows past the last offset.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "engine/backends/fast/expert_ffn.h"
#include "engine/io/random_weights.h"
#include "engine/model/presets.h"
#include "engine/run/blocks.h"
#include "tests/fast/compare.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;
using archscope::testing::near_relative;
using archscope::testing::random_tensor;

struct Layer {
  std::vector<FfnWeights> experts;
  int D, F;
  Activation act;
  bool gated;
};

Layer preset_layer(const std::string& preset) {
  const ModelSpec& s = find_preset(preset)->classroom;
  const ModelWeights w = make_random_weights(s);
  for (const StackWeights* st : {&w.encoder, &w.decoder})
    for (const LayerWeights& l : st->layers)
      if (l.moe) {
        const bool gated = s.ffn == FfnKind::SwiGLU || s.ffn == FfnKind::GatedGelu;
        return {l.moe->experts, s.d_model, s.moe.expert_intermediate, activation_of(s.ffn), gated};
      }
  throw std::logic_error(preset + " has no MoE layer");
}

// Three SwiGLU experts of width 200 on D 96, every matrix with a bias.
Layer wide_layer() {
  Layer l{{}, 96, 200, Activation::Silu, true};
  for (uint32_t e = 0; e < 3; ++e) {
    FfnWeights f;
    f.gate = {random_tensor({200, 96}, 10 * e + 1, 0.1f), random_tensor({200}, 10 * e + 2)};
    f.up = {random_tensor({200, 96}, 10 * e + 3, 0.1f), random_tensor({200}, 10 * e + 4)};
    f.down = {random_tensor({96, 200}, 10 * e + 5, 0.07f), random_tensor({96}, 10 * e + 6)};
    l.experts.push_back(f);
  }
  return l;
}

// offsets (E + 1) for `used` rows: expert 0 empty, expert 1 one row, the rest spread at random.
std::vector<int32_t> uneven_offsets(int E, int used, uint32_t seed) {
  std::vector<int32_t> counts(E, 0);
  std::mt19937 rng(seed);
  int left = used;
  if (E > 1 && left > 0) counts[1] = 1, --left;
  for (; left > 0; --left) counts[E > 2 ? 2 + rng() % (E - 2) : E - 1]++;
  std::vector<int32_t> offsets(E + 1, 0);
  std::partial_sum(counts.begin(), counts.end(), offsets.begin() + 1);
  return offsets;
}

void expect_matches_reference(const Layer& l, int used, int unused, int threads) {
  const int E = static_cast<int>(l.experts.size()), N = used + unused;
  const Tensor rows = random_tensor({N, l.D}, 77);
  const std::vector<int32_t> offsets = uneven_offsets(E, used, 5);
  const Tensor want = oracle::expert_ffn(rows, offsets, l.experts, l.act);
  auto data = [](const Tensor& t) { return t.empty() ? nullptr : t.data.data(); };
  std::vector<fast::ExpertFfnWeights> experts;
  for (const FfnWeights& f : l.experts)
    experts.push_back({data(f.gate.w), data(f.gate.b), data(f.up.w), data(f.up.b), data(f.down.w), data(f.down.b)});
  fast::ThreadPool pool(threads);
  std::vector<float> got(static_cast<size_t>(N) * l.D, 99.0f);
  fast::expert_ffn(pool, rows.data.data(), N, offsets.data(), experts, {l.D, l.F, l.act, l.gated}, got.data());
  EXPECT_TRUE(near_relative(got, want, 1e-3)) << used << " rows, " << unused << " unused, " << threads << " threads";
}

class PresetExperts : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetExperts, MatchReference) {
  const Layer l = preset_layer(GetParam());
  for (int used : {1, 7, 64})
    for (int threads : {1, 3}) expect_matches_reference(l, used, used % 5, threads);
}

INSTANTIATE_TEST_SUITE_P(Presets, PresetExperts,
                         ::testing::Values("mixtral", "switch-base-8", "gshard", "deepseek-v3", "qwen-moe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(ExpertFfn, WideLayerWithBiasesSplitsIntoColumnBlocks) {
  for (int threads : {1, 2, 3}) expect_matches_reference(wide_layer(), 300, 11, threads);
}

TEST(ExpertFfn, RefusesBadOffsetsAndMissingWeights) {
  fast::ThreadPool pool(1);
  std::vector<float> x(8), w(8), y(8);
  const fast::ExpertFfnWeights plain{nullptr, nullptr, w.data(), nullptr, w.data(), nullptr};
  const fast::ExpertFfnShape shape{2, 2, Activation::Relu, false};
  const int32_t beyond[2] = {0, 5};  // 5 rows of 4
  EXPECT_THROW(fast::expert_ffn(pool, x.data(), 4, beyond, std::span(&plain, 1), shape, y.data()), std::invalid_argument);
  const int32_t descending[3] = {0, 3, 2};
  const fast::ExpertFfnWeights two[2] = {plain, plain};
  EXPECT_THROW(fast::expert_ffn(pool, x.data(), 4, descending, two, shape, y.data()), std::invalid_argument);
  const int32_t fine[2] = {0, 4};
  EXPECT_THROW(fast::expert_ffn(pool, x.data(), 4, fine, std::span(&plain, 1), {2, 2, Activation::Silu, true}, y.data()),
               std::invalid_argument);  // gated without a gate
}

}  // namespace
