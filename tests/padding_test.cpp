// Key padding (transformers' attention_mask) and token types. Padded tokens
// take no part in attention, routing, capacity or any metric, so every real
// token's numbers equal the unpadded run's where transformers' would: right
// padding exactly; left padding under RoPE (relative positions) to float
// rounding. Rows that see no key are marked in the trace.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"

using namespace archscope;

namespace {

struct PaddedRun {
  std::shared_ptr<const Trace> trace;
  ModelSpec spec;
};

std::vector<int> real_ids() { return WordVocabulary::builtin().encode("the quick brown fox jumps over the dog"); }

PaddedRun run(ModelSpec s, std::vector<int> ids, std::vector<uint8_t> valid = {}) {
  ModelWeights w = make_random_weights(s);
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = std::move(ids);
  in.key_valid = std::move(valid);
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 12, 86};
  return {forward(s, w, *backend, in), s};
}

// Pads `pad` tokens (id 0) on the right or the left of the real ids.
PaddedRun padded(const ModelSpec& s, int pad, bool left) {
  std::vector<int> ids = real_ids();
  std::vector<uint8_t> valid(ids.size(), 1);
  ids.insert(left ? ids.begin() : ids.end(), pad, 0);
  valid.insert(left ? valid.begin() : valid.end(), pad, 0);
  return run(s, ids, valid);
}

// max |a[row_a + r] - b[row_b + r]| over `rows` rows of two (T, C) tensors.
double row_diff(const Tensor& a, int row_a, const Tensor& b, int row_b, int rows) {
  double m = 0;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < a.dim(-1); ++c)
      m = std::max(m, static_cast<double>(std::fabs(a.row(row_a + r)[c] - b.row(row_b + r)[c])));
  return m;
}

// Real tokens of `p` (starting at `offset`) against the unpadded run `u`:
// hidden states, logits (single-stack models), routing decisions and metrics.
void expect_real_tokens_match(const PaddedRun& u, const PaddedRun& p, int offset, double tol) {
  const int T = static_cast<int>(u.trace->input_ids.size());
  const bool enc_dec = u.spec.family == Family::EncoderDecoder;
  const StackTrace& su = enc_dec ? u.trace->encoder : u.trace->main_stack();
  const StackTrace& sp = enc_dec ? p.trace->encoder : p.trace->main_stack();
  ASSERT_EQ(su.hidden.size(), sp.hidden.size());
  for (size_t i = 0; i < su.hidden.size(); ++i)
    EXPECT_LE(row_diff(su.hidden[i], 0, sp.hidden[i], offset, T), tol) << "hidden " << i;
  if (enc_dec) {
    EXPECT_LE(row_diff(u.trace->logits, 0, p.trace->logits, 0, u.trace->logits.dim(0)), tol) << "decoder logits";
  } else {
    EXPECT_LE(row_diff(u.trace->logits, 0, p.trace->logits, offset, T), tol) << "logits";
  }

  ASSERT_EQ(su.moe.size(), sp.moe.size());
  for (size_t i = 0; i < su.moe.size(); ++i) {
    const Routing &ru = su.moe[i].routing, &rp = sp.moe[i].routing;
    const int K = ru.top_k;
    for (int t = 0; t < T; ++t)
      for (int k = 0; k < K; ++k) {
        EXPECT_EQ(ru.expert[ru.at(t, k)], rp.expert[rp.at(t + offset, k)]) << "layer " << i << " token " << t;
        EXPECT_EQ(ru.kept[ru.at(t, k)], rp.kept[rp.at(t + offset, k)]) << "layer " << i << " token " << t;
      }
    // Padded tokens choose nothing, take no slot and are never counted as dropped.
    for (int t = 0; t < rp.tokens; ++t) {
      if (rp.valid[t]) continue;
      for (int k = 0; k < K; ++k) {
        EXPECT_EQ(rp.expert[rp.at(t, k)], -1);
        EXPECT_EQ(rp.kept[rp.at(t, k)], 0);
        EXPECT_EQ(rp.slot[rp.at(t, k)], -1);
      }
    }
    const MoeMetrics &mu = su.moe[i].metrics, &mp = sp.moe[i].metrics;
    EXPECT_EQ(mp.tokens, T);
    EXPECT_EQ(mu.capacity, mp.capacity);
    EXPECT_EQ(mu.load_before, mp.load_before);
    EXPECT_EQ(mu.load_after, mp.load_after);
    EXPECT_EQ(mu.dropped_pairs, mp.dropped_pairs);
    EXPECT_EQ(mu.dropped_tokens, mp.dropped_tokens);
    EXPECT_NEAR(mu.aux_loss_switch, mp.aux_loss_switch, 10 * tol + 1e-7);
    EXPECT_NEAR(mu.entropy_mean, mp.entropy_mean, 10 * tol + 1e-7);
    EXPECT_NEAR(mu.z_loss, mp.z_loss, 10 * tol + 1e-6);
    for (size_t e = 0; e < mu.mean_prob.size(); ++e) EXPECT_NEAR(mu.mean_prob[e], mp.mean_prob[e], 10 * tol + 1e-7);
  }
  ASSERT_EQ(u.trace->aux_loss_hf.has_value(), p.trace->aux_loss_hf.has_value());
  if (u.trace->aux_loss_hf) {
    EXPECT_NEAR(*u.trace->aux_loss_hf, *p.trace->aux_loss_hf, 10 * tol + 1e-7);
  }
}

ModelSpec with_capacity(const std::string& preset, double factor) {
  ModelSpec s = find_preset(preset)->classroom;
  s.moe.capacity_mode = CapacityMode::Factor;
  s.moe.capacity_factor = factor;
  s.moe.drop_policy = DropPolicy::Priority;
  return s;
}

}  // namespace

// Right padding changes nothing for real tokens in any family: exactly.
class RightPadding : public ::testing::TestWithParam<std::string> {};

TEST_P(RightPadding, RealTokensAreExactlyTheUnpaddedRun) {
  // Capacity is tight, so padded tokens taking slots or counting in loads would show.
  ModelSpec s = find_preset(GetParam())->classroom;
  if (s.is_moe() && s.moe.capacity_mode == CapacityMode::Dropless) s = with_capacity(GetParam(), 1.0);
  const PaddedRun u = run(s, real_ids());
  const PaddedRun p = padded(s, 5, false);
  expect_real_tokens_match(u, p, 0, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Families, RightPadding,
                         ::testing::Values("bert", "gpt2", "mixtral", "switch-base-8", "gshard", "deepseek-v3",
                                           "qwen-moe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Left padding shifts absolute positions; under RoPE only relative ones
// matter, so real tokens agree to float rounding (as in transformers).
class LeftPadding : public ::testing::TestWithParam<std::string> {};

TEST_P(LeftPadding, RealTokensMatchUnderRelativePositions) {
  const ModelSpec s = with_capacity(GetParam(), 1.0);
  const PaddedRun u = run(s, real_ids());
  const PaddedRun p = padded(s, 3, true);
  expect_real_tokens_match(u, p, 3, 2e-5);
  // The padded queries of a causal model see no key at all: marked, and 0.
  const AttentionRecord& a = p.trace->main_stack().self_attention[0];
  for (int q = 0; q < a.tq; ++q) {
    EXPECT_EQ(a.no_visible_key[q], q < 3 ? 1 : 0) << q;
    if (q >= 3) continue;
    for (int k = 0; k < a.tk; ++k) EXPECT_EQ(a.probs.data[static_cast<size_t>(q) * a.tk + k], 0.0f);
  }
}

INSTANTIATE_TEST_SUITE_P(Rope, LeftPadding, ::testing::Values("mixtral", "deepseek-v3", "qwen-moe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Capacity from real tokens under every formula and drop policy: left
// padding (which comes first in position order) takes no slot from a real token.
TEST(Padding, LeftPaddingTakesNoSlotUnderAnyFormulaOrPolicy) {
  for (CapacityFormula f : {CapacityFormula::KAware, CapacityFormula::PerToken, CapacityFormula::Flaxformer})
    for (DropPolicy policy : {DropPolicy::Position, DropPolicy::Priority}) {
      SCOPED_TRACE(std::string(to_string(f)) + ", " + to_string(policy));
      ModelSpec s = with_capacity("mixtral", 0.5);
      s.moe.capacity_formula = f;
      s.moe.drop_policy = policy;
      expect_real_tokens_match(run(s, real_ids()), padded(s, 4, true), 4, 2e-5);
    }
}

TEST(Padding, EveryRowThatSeesAKeyIsUnmarked) {
  const PaddedRun p = padded(find_preset("bert")->classroom, 2, false);
  for (const AttentionRecord& a : p.trace->encoder.self_attention)
    for (uint8_t none : a.no_visible_key) EXPECT_EQ(none, 0);  // bidirectional: padded rows see the real keys
}

TEST(Padding, BadFlagsAreRefused) {
  const ModelSpec s = find_preset("gpt2")->classroom;
  EXPECT_THROW(run(s, {5, 6, 7}, {1, 0}), InputError);
  try {
    run(s, {5, 6, 7}, {1, 2, 1});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("key padding[1] = 2"), std::string::npos) << e.what();
  }
}

TEST(TokenTypes, SegmentBIsReachable) {
  const ModelSpec s = find_preset("bert")->classroom;
  ModelWeights w = make_random_weights(s);
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = {3, 12, 86, 1, 40, 41};
  auto a = forward(s, w, *backend, in);
  in.token_type_ids = {0, 0, 0, 0, 1, 1};
  auto b = forward(s, w, *backend, in);
  // The embedding (hidden.L0) of segment-A tokens is unchanged; segment B's moves.
  EXPECT_EQ(row_diff(a->encoder.hidden[0], 0, b->encoder.hidden[0], 0, 4), 0.0);
  EXPECT_GT(row_diff(a->encoder.hidden[0], 4, b->encoder.hidden[0], 4, 2), 1e-3);
  EXPECT_EQ(b->token_type_ids, in.token_type_ids);

  in.token_type_ids = {0, 0, 0, 0, 1, 2};
  try {
    forward(s, w, *backend, in);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("token_type_ids[5] = 2: outside [0, 2)"), std::string::npos) << e.what();
  }
  const ModelSpec gpt2 = find_preset("gpt2")->classroom;
  ModelWeights gw = make_random_weights(gpt2);
  in.token_type_ids = {0, 0, 0, 0, 0, 0};
  EXPECT_THROW(forward(gpt2, gw, *backend, in), InputError);
}
