// The engine's forward pass on the fast kernels against the same pass on the
// reference: every preset at its classroom size and every Hugging Face
// fixture on the fixture's inputs. Probabilities and hidden states within 1e-4, logits within 1e-3
// (or 1e-6 of their largest magnitude), routing decisions identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/io/hf_weights.h"
#include "engine/io/random_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "tests/fast/compare.h"
#include "tests/fast/kernel_backend.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;
using archscope::testing::near_absolute;

double max_abs(const Tensor& t) {
  double m = 0;
  for (float v : t.data) m = std::max(m, static_cast<double>(std::fabs(v)));
  return m;
}

// parity_test.cpp's rule: absolute, widened to 1e-6 of the tensor's largest value.
double tolerance(double absolute, const Tensor& want) { return std::max(absolute, 1e-6 * max_abs(want)); }

void expect_same_stack(const StackTrace& got, const StackTrace& want, const std::string& which) {
  ASSERT_EQ(got.hidden.size(), want.hidden.size()) << which;
  for (size_t i = 0; i < want.hidden.size(); ++i)
    EXPECT_TRUE(near_absolute(got.hidden[i].data, want.hidden[i], tolerance(1e-4, want.hidden[i])))
        << which << " hidden " << i;
  for (auto list : {&StackTrace::self_attention, &StackTrace::cross_attention}) {
    ASSERT_EQ((got.*list).size(), (want.*list).size());
    for (size_t i = 0; i < (want.*list).size(); ++i)
      EXPECT_TRUE(near_absolute((got.*list)[i].probs.data, (want.*list)[i].probs, 1e-4))
          << which << " attention layer " << (want.*list)[i].layer;
  }
  ASSERT_EQ(got.moe.size(), want.moe.size());
  for (size_t i = 0; i < want.moe.size(); ++i) {
    const Routing &g = got.moe[i].routing, &w = want.moe[i].routing;
    EXPECT_EQ(g.expert, w.expert) << which << " moe " << i;
    EXPECT_EQ(g.kept, w.kept) << which << " moe " << i;
    EXPECT_EQ(g.slot, w.slot) << which << " moe " << i;
  }
}

void expect_same_trace(const Trace& got, const Trace& want) {
  expect_same_stack(got.encoder, want.encoder, "encoder");
  expect_same_stack(got.decoder, want.decoder, "decoder");
  EXPECT_TRUE(near_absolute(got.logits.data, want.logits, tolerance(1e-3, want.logits))) << "logits";
}

class PresetOnFastKernels : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetOnFastKernels, MatchesReference) {
  const ModelSpec& s = find_preset(GetParam())->classroom;
  const ModelWeights w = make_random_weights(s);
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(demo_sentence());
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = in.input_ids;
  auto fast_backend = fast::make_kernel_backend(2);
  expect_same_trace(*forward(s, w, *fast_backend, in), *oracle::forward(s, w, in));
}

INSTANTIATE_TEST_SUITE_P(Presets, PresetOnFastKernels, ::testing::ValuesIn([] {
                           std::vector<std::string> names;
                           for (const Preset& p : presets()) names.push_back(p.name);
                           return names;
                         }()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

class FixtureOnFastKernels : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureOnFastKernels, MatchesReference) {
  const std::string dir = std::string(ARCHSCOPE_FIXTURES) + "/" + GetParam();
  const LoadedModel model = load_hf_model(dir);
  const SafetensorsFile inputs(dir + "/expected.safetensors");
  ForwardInputs in;
  for (int64_t id : inputs.load_ints("input_ids")) in.input_ids.push_back(static_cast<int>(id));
  if (inputs.contains("decoder_input_ids"))
    for (int64_t id : inputs.load_ints("decoder_input_ids")) in.decoder_input_ids.push_back(static_cast<int>(id));
  auto fast_backend = fast::make_kernel_backend(2);
  expect_same_trace(*forward(model.spec, model.weights, *fast_backend, in),
                    *oracle::forward(model.spec, model.weights, in));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureOnFastKernels,
                         ::testing::Values("bert", "deepseek_v3", "gpt2", "llama_gqa", "mistral_swa", "mixtral",
                                           "qwen2_moe", "switch", "t5"),
                         [](const auto& info) { return info.param; });

}  // namespace
