// The fast CPU backend against the reference, end to end through the engine's
// forward pass: every preset at its classroom size over several token counts
// and a padded batch, every MoE preset over capacity factors, drop policies
// and drop outputs, and every Hugging Face fixture on the fixture's inputs.
// Probabilities and hidden states within 1e-4, logits within 1e-3 (or 1e-6 of
// their largest magnitude, as tests/parity_test.cpp), routing decisions
// (experts, kept pairs, slots, capacity) identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/backends/fast/cpu_backend.h"
#include "engine/io/hf_weights.h"
#include "engine/io/random_weights.h"
#include "engine/io/safetensors.h"
#include "engine/model/presets.h"
#include "tests/fast/compare.h"
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
    EXPECT_EQ(g.capacity, w.capacity) << which << " moe " << i;
    EXPECT_EQ(g.expert, w.expert) << which << " moe " << i;
    EXPECT_EQ(g.kept, w.kept) << which << " moe " << i;
    EXPECT_EQ(g.slot, w.slot) << which << " moe " << i;
    EXPECT_EQ(g.groups, w.groups) << which << " moe " << i;
  }
}

void expect_same_trace(const Trace& got, const Trace& want) {
  EXPECT_EQ(got.backend, "cpu");
  expect_same_stack(got.encoder, want.encoder, "encoder");
  expect_same_stack(got.decoder, want.decoder, "decoder");
  EXPECT_TRUE(near_absolute(got.logits.data, want.logits, tolerance(1e-3, want.logits))) << "logits";
}

// ---- Presets ----

struct RoutingCase {
  const char* name;
  CapacityMode mode;
  double factor;
  int capacity;
  CapacityFormula formula;
  DropPolicy policy;
  DropOutput output;
};

// The preset's own routing first, then limits that drop pairs by each rule.
const RoutingCase kRoutings[] = {
    {"own", CapacityMode::Dropless, 0, 0, CapacityFormula::PerToken, DropPolicy::Position, DropOutput::Zero},
    {"cf0_5_position", CapacityMode::Factor, 0.5, 0, CapacityFormula::PerToken, DropPolicy::Position,
     DropOutput::Zero},
    {"cf1_priority", CapacityMode::Factor, 1.0, 0, CapacityFormula::PerToken, DropPolicy::Priority,
     DropOutput::Zero},
    {"cf1_25_k_aware_scaled", CapacityMode::Factor, 1.25, 0, CapacityFormula::KAware, DropPolicy::Priority,
     DropOutput::ScaledInput},
    {"fixed1_position", CapacityMode::Fixed, 0, 1, CapacityFormula::PerToken, DropPolicy::Position,
     DropOutput::Zero},
};

struct PresetCase {
  std::string preset;
  int tokens;
  int routing;       // index into kRoutings
  int padded = 0;    // the last `padded` tokens are key padding
  std::string name;  // for the test's name
};

std::vector<PresetCase> preset_cases() {
  std::vector<PresetCase> cases;
  for (const Preset& p : presets()) {
    std::string base = p.name;
    std::replace(base.begin(), base.end(), '-', '_');
    for (int T : {1, 7, 16, 100}) cases.push_back({p.name, T, 0, 0, base + "_T" + std::to_string(T)});
    cases.push_back({p.name, 12, 0, 3, base + "_T12_last3padded"});
    if (!p.classroom.is_moe()) continue;
    for (int r = 1; r < static_cast<int>(std::size(kRoutings)); ++r)
      for (int T : {16, 100})
        cases.push_back({p.name, T, r, 0, base + "_T" + std::to_string(T) + "_" + kRoutings[r].name});
  }
  return cases;
}

// Routing settings change no weight, so each preset's are made once.
const ModelWeights& weights_of(const std::string& preset) {
  static std::map<std::string, ModelWeights> made;
  auto it = made.find(preset);
  if (it == made.end()) it = made.emplace(preset, make_random_weights(find_preset(preset)->classroom)).first;
  return it->second;
}

void PrintTo(const PresetCase& c, std::ostream* os) { *os << c.name; }

class PresetOnCpu : public ::testing::TestWithParam<PresetCase> {};

TEST_P(PresetOnCpu, MatchesReference) {
  const PresetCase& c = GetParam();
  ModelSpec s = find_preset(c.preset)->classroom;
  if (c.routing > 0) {
    const RoutingCase& r = kRoutings[c.routing];
    s.moe.capacity_mode = r.mode;
    s.moe.capacity_factor = r.factor;
    s.moe.capacity = r.capacity;
    s.moe.capacity_formula = r.formula;
    s.moe.drop_policy = r.policy;
    s.moe.drop_output = r.output;
  }
  const ModelWeights& w = weights_of(c.preset);
  ForwardInputs in;
  for (int t = 0; t < c.tokens; ++t) in.input_ids.push_back((t * 7919 + 11) % s.vocab_size);
  if (c.padded > 0) {
    in.key_valid.assign(c.tokens, 1);
    std::fill(in.key_valid.end() - c.padded, in.key_valid.end(), 0);
  }
  if (s.family == Family::EncoderDecoder)
    for (int t = 0; t < std::max(1, c.tokens / 2); ++t)
      in.decoder_input_ids.push_back((t * 104729 + 5) % s.vocab_size);
  fast::CpuBackend cpu;
  const auto want = oracle::forward(s, w, in);
  const auto got = forward(s, w, cpu, in);
  expect_same_trace(*got, *want);
  // A case that drops nothing would not test the drop rules.
  if (c.routing > 0 && kRoutings[c.routing].mode != CapacityMode::Dropless) {
    int64_t dropped = 0;
    for (const StackTrace* st : {&want->encoder, &want->decoder})
      for (const MoeRecord& m : st->moe) dropped += std::count(m.routing.kept.begin(), m.routing.kept.end(), 0);
    EXPECT_GT(dropped, 0) << "no pair was dropped";
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, PresetOnCpu, ::testing::ValuesIn(preset_cases()),
                         [](const auto& info) { return info.param.name; });

// ---- Hugging Face fixtures ----

class FixtureOnCpu : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureOnCpu, MatchesReference) {
  const std::string dir = std::string(ARCHSCOPE_FIXTURES) + "/" + GetParam();
  const LoadedModel model = load_hf_model(dir);
  const SafetensorsFile inputs(dir + "/expected.safetensors");
  ForwardInputs in;
  for (int64_t id : inputs.load_ints("input_ids")) in.input_ids.push_back(static_cast<int>(id));
  if (inputs.contains("decoder_input_ids"))
    for (int64_t id : inputs.load_ints("decoder_input_ids")) in.decoder_input_ids.push_back(static_cast<int>(id));
  // Three threads: an odd count splits every product and head loop unevenly.
  fast::ThreadPool pool(3);
  fast::CpuBackend cpu(pool);
  expect_same_trace(*forward(model.spec, model.weights, cpu, in),
                    *oracle::forward(model.spec, model.weights, in));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureOnCpu,
                         ::testing::Values("bert", "deepseek_v3", "gpt2", "llama_gqa", "mistral_swa", "mixtral",
                                           "qwen2_moe", "switch", "t5"),
                         [](const auto& info) { return info.param; });

}  // namespace
