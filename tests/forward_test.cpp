// The forward pass on the presets' classroom sizes with seeded weights: every
// family runs, the trace holds what the views need, masks are the predicates
// they claim, dropped tokens ride the residual, and oversized models are refused.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "engine/run/moe.h"
#include "engine/errors.h"
#include "engine/run/forward.h"
#include "engine/model/presets.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"

using namespace archscope;

namespace {

std::shared_ptr<const Trace> run_preset(const ModelSpec& spec, const std::string& text) {
  ModelWeights w = make_random_weights(spec);
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(text);
  if (spec.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 12, 86, 92};
  return forward(spec, w, *backend, in);
}

bool all_finite(const Tensor& t) {
  for (float x : t.data)
    if (!std::isfinite(x)) return false;
  return true;
}

class EveryPreset : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPreset, ClassroomSizeRunsAndTracesEverything) {
  const Preset* p = find_preset(GetParam());
  const ModelSpec& s = p->classroom;
  const auto start = std::chrono::steady_clock::now();
  auto trace = run_preset(s, demo_sentence());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("  %-14s weights + forward %.1f ms (forward %.1f ms)\n", p->name.c_str(), ms, trace->elapsed_ms);

  const int T = static_cast<int>(trace->input_ids.size());
  const StackTrace& main = trace->main_stack();
  ASSERT_EQ(main.self_attention.size(), static_cast<size_t>(s.family == Family::EncoderDecoder ? s.decoder_layers : s.layers));
  ASSERT_EQ(main.hidden.size(), main.self_attention.size() + 1);
  EXPECT_TRUE(all_finite(trace->logits));
  EXPECT_EQ(trace->logits.dim(1), s.vocab_size);
  if (s.family != Family::EncoderDecoder) {
    EXPECT_EQ(trace->logits.dim(0), T);
  }

  // Attention rows are distributions over exactly the keys the mask allows.
  for (const StackTrace* st : {&trace->encoder, &trace->decoder})
    for (const auto* list : {&st->self_attention, &st->cross_attention})
      for (const AttentionRecord& a : *list) {
        const int H = a.probs.dim(0), Tq = a.probs.dim(1), Tk = a.probs.dim(2);
        EXPECT_EQ(H, s.heads);
        std::vector<uint8_t> allowed = a.mask.matrix(Tq, Tk);
        for (int h = 0; h < H; ++h)
          for (int q = 0; q < Tq; ++q) {
            double sum = 0;
            for (int k = 0; k < Tk; ++k) {
              float v = a.probs.data[(static_cast<int64_t>(h) * Tq + q) * Tk + k];
              if (!allowed[static_cast<size_t>(q) * Tk + k]) {
                EXPECT_EQ(v, 0.0f);
              }
              sum += v;
            }
            EXPECT_NEAR(sum, 1.0, 1e-5);
          }
      }

  // Every MoE layer's routing is recorded with its metrics.
  int moe_layers = 0;
  for (int i = 0; i < s.layers; ++i) moe_layers += s.is_moe_layer(i);
  if (s.family == Family::EncoderDecoder)
    for (int i = 0; i < s.decoder_layers; ++i) moe_layers += s.is_moe_layer(i);
  EXPECT_EQ(static_cast<int>(trace->encoder.moe.size() + trace->decoder.moe.size()), moe_layers);
  for (const StackTrace* st : {&trace->encoder, &trace->decoder})
    for (const MoeRecord& m : st->moe) {
      EXPECT_EQ(m.routing.experts, s.moe.experts);
      EXPECT_EQ(m.routing.top_k, s.moe.top_k);
      int total = 0;
      for (int c : m.metrics.load_before) total += c;
      EXPECT_EQ(total, m.routing.tokens * s.moe.top_k);
    }
}

INSTANTIATE_TEST_SUITE_P(Presets, EveryPreset,
                         ::testing::Values("bert", "gpt2", "llama2-7b", "llama3-8b", "mistral-7b",
                                           "falcon-7b", "t5-base", "prefix-lm", "mixtral",
                                           "switch-base-8", "gshard", "deepseek-v3", "qwen-moe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace

TEST(Forward, SameSeedSameNumbers) {
  const ModelSpec& s = find_preset("deepseek-v3")->classroom;
  auto a = run_preset(s, "the quick brown fox");
  auto b = run_preset(s, "the quick brown fox");
  EXPECT_EQ(a->logits.data, b->logits.data);
  ModelWeights w1 = make_random_weights(s, 7), w2 = make_random_weights(s, 8);
  EXPECT_NE(w1.token_embedding.data, w2.token_embedding.data);
}

TEST(Forward, MasksAreTheirPredicates) {
  auto mistral = run_preset(find_preset("mistral-7b")->classroom, demo_sentence());
  const AttentionRecord& a = mistral->decoder.self_attention[0];
  const int W = find_preset("mistral-7b")->classroom.mask.window;
  for (int q = 0; q < a.probs.dim(1); ++q)
    for (int k = 0; k < a.probs.dim(2); ++k)
      EXPECT_EQ(a.mask.allows(q, k), k <= q && q - k < W) << q << "," << k;

  auto prefix = run_preset(find_preset("prefix-lm")->classroom, demo_sentence());
  const AttentionMask& m = prefix->decoder.self_attention[0].mask;
  const int P = find_preset("prefix-lm")->classroom.mask.prefix_length;
  EXPECT_TRUE(m.allows(0, P - 1));  // the prefix sees itself bidirectionally
  EXPECT_FALSE(m.allows(P, P + 1));  // after it, causal
  EXPECT_TRUE(m.allows(P + 3, 0));   // and every later token sees the prefix

  auto t5 = run_preset(find_preset("t5-base")->classroom, demo_sentence());
  EXPECT_TRUE(t5->encoder.self_attention[0].mask.allows(0, 5));   // bidirectional encoder
  EXPECT_FALSE(t5->decoder.self_attention[0].mask.allows(0, 1));  // causal decoder
  EXPECT_EQ(t5->decoder.cross_attention[0].probs.dim(2), static_cast<int>(t5->input_ids.size()));
}

TEST(Forward, SlidingWindowConventions) {
  AttentionMask hf;
  hf.kind = MaskKind::SlidingWindow;
  hf.window = 3;
  EXPECT_TRUE(hf.allows(5, 3));   // q - W < kv: 3 keys counting itself
  EXPECT_FALSE(hf.allows(5, 2));
  AttentionMask gym = hf;
  gym.window_counts_self = false;
  EXPECT_TRUE(gym.allows(5, 2));  // q - kv <= W: W + 1 keys
  EXPECT_FALSE(gym.allows(5, 1));
}

TEST(Forward, DroppedTokenContributesZeroSoTheResidualCarriesIt) {
  ModelSpec s = find_preset("switch-base-8")->classroom;
  s.moe.capacity_mode = CapacityMode::Fixed;
  s.moe.capacity = 1;
  auto w = std::make_shared<const ModelWeights>(make_random_weights(s));
  auto backend = make_reference_backend();
  ResidentWeights R(*backend, w);
  Tensor x({12, s.d_model});
  for (int64_t i = 0; i < x.numel(); ++i) x.data[i] = std::sin(0.37 * i);
  const DeviceTensor xd = backend->upload(x);
  const MoeWeights& moe = *w->encoder.layers[1].moe;
  auto run = [&] {
    MoeLayerResult m = mixture_of_experts(*backend, s, R, moe, xd, {nullptr, 12});
    return std::tuple{backend->download(m.out), backend->download_ints(m.cut.kept),
                      backend->download(m.router.top.weight)};
  };
  auto [out, kept, weight] = run();
  int dropped = 0;
  for (int t = 0; t < 12; ++t) {
    if (kept[t]) continue;
    ++dropped;
    for (int d = 0; d < s.d_model; ++d) EXPECT_EQ(out.row(t)[d], 0.0f);
  }
  EXPECT_GT(dropped, 0) << "12 tokens, 8 experts, 1 slot each: some must drop";

  // The transformers-4 compatibility mode outputs weight * x instead.
  s.moe.drop_output = DropOutput::ScaledInput;
  auto [legacy, legacy_kept, legacy_weight] = run();
  for (int t = 0; t < 12; ++t)
    if (!legacy_kept[t]) {
      EXPECT_FLOAT_EQ(legacy.row(t)[0], legacy_weight.data[t] * x.row(t)[0]);
    }
}

TEST(Forward, RejectsBadTokenIds) {
  const ModelSpec& s = find_preset("gpt2")->classroom;
  ModelWeights w = make_random_weights(s);
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = {1, 2, s.vocab_size};
  try {
    forward(s, w, *backend, in);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input_ids[2] = " + std::to_string(s.vocab_size)), std::string::npos);
  }
  in.input_ids.assign(s.max_positions + 1, 1);
  EXPECT_THROW(forward(s, w, *backend, in), InputError);
  in.input_ids.clear();
  EXPECT_THROW(forward(s, w, *backend, in), InputError);
}

TEST(Forward, TooLargeForMemoryIsRefusedBeforeAllocating) {
  const ModelSpec& big = find_preset("llama2-7b")->full;  // 27 GB of float32 weights
  try {
    make_random_weights(big, 1, uint64_t{24} << 30);
    FAIL() << "no error";
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("refused before allocating"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_fits_in_memory(find_preset("gpt2")->classroom, uint64_t{24} << 30));
}

TEST(Forward, KeyPaddingHidesPaddedKeys) {
  const ModelSpec& s = find_preset("bert")->classroom;
  ModelWeights w = make_random_weights(s);
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = {3, 12, 86, 0, 0};
  in.key_valid = {1, 1, 1, 0, 0};
  auto trace = forward(s, w, *backend, in);
  const Tensor& p = trace->encoder.self_attention[0].probs;
  for (int q = 0; q < 5; ++q) {
    EXPECT_EQ(p.data[q * 5 + 3], 0.0f);
    EXPECT_EQ(p.data[q * 5 + 4], 0.0f);
  }
}
