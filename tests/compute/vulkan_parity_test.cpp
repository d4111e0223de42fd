// The Vulkan backend end to end against the reference backend: every fixture
// model (../shared/fixtures/hf) and every preset at its classroom size, the
// whole trace compared (1e-4 on probabilities, 1e-3 on logits), and routing
// decisions (chosen experts, kept pairs, slots) identical under several
// capacity factors and both drop policies. Validation on; no message allowed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/io/hf_weights.h"
#include "engine/io/random_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/trace_export.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"
#include "engine/run/session.h"
#include "tests/compute/vulkan_test_context.h"

namespace archscope {
namespace {

using testing_support::test_context;

const std::string kFixtures = ARCHSCOPE_FIXTURES;

double max_abs(const Tensor& t) {
  double m = 0;
  for (float x : t.data) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// Probabilities (attention maps, thumbnails, router scores) 1e-4; logits
// 1e-3; other activations 1e-4 or, where values reach the hundreds, 1e-6 of
// their largest magnitude (float32 sums in another order).
double tolerance_for(const std::string& key, const Tensor& want) {
  const double absolute = key.find("logits") != std::string::npos ? 1e-3 : 1e-4;
  const bool probabilities = key.find("attn") != std::string::npos;
  return probabilities ? absolute : std::max(absolute, 1e-6 * max_abs(want));
}

void expect_same_traces(const Trace& want, const Trace& got, const std::string& what) {
  std::map<std::string, Tensor> ours;
  for (auto& [key, t] : trace_tensors(got)) ours[key] = t;
  int compared = 0;
  for (auto& [key, w] : trace_tensors(want)) {
    ASSERT_TRUE(ours.count(key)) << what << ": vulkan's trace has no " << key;
    const Tensor& g = ours[key];
    ASSERT_EQ(g.shape, w.shape) << what << " " << key;
    double err = 0;
    for (int64_t i = 0; i < w.numel(); ++i) {
      ASSERT_TRUE(std::isfinite(g.data[i])) << what << " " << key << "[" << i << "] = " << g.data[i];
      err = std::max(err, static_cast<double>(std::fabs(g.data[i] - w.data[i])));
    }
    EXPECT_LE(err, tolerance_for(key, w)) << what << " " << key << " max |error| " << err;
    ++compared;
  }
  EXPECT_GE(compared, 3) << what;
  // Routing decisions: identical, not close.
  for (const auto* stacks : {&want.encoder, &want.decoder}) {
    const StackTrace& other = stacks == &want.encoder ? got.encoder : got.decoder;
    ASSERT_EQ(stacks->moe.size(), other.moe.size()) << what;
    for (size_t i = 0; i < other.moe.size(); ++i) {
      const Routing &a = stacks->moe[i].routing, &b = other.moe[i].routing;
      const std::string layer = what + " MoE layer " + std::to_string(stacks->moe[i].layer);
      EXPECT_EQ(a.expert, b.expert) << layer << ": chosen experts";
      EXPECT_EQ(a.kept, b.kept) << layer << ": kept pairs";
      EXPECT_EQ(a.slot, b.slot) << layer << ": slots";
      EXPECT_EQ(a.capacity, b.capacity) << layer;
      const MoeMetrics &ma = stacks->moe[i].metrics, &mb = other.moe[i].metrics;
      EXPECT_EQ(ma.dropped_tokens, mb.dropped_tokens) << layer;
    }
  }
}

class VulkanParity : public ::testing::Test {
 protected:
  void SetUp() override { before_ = test_context().validation_messages().size(); }
  void TearDown() override {
    const auto messages = test_context().validation_messages();
    for (size_t i = before_; i < messages.size(); ++i) ADD_FAILURE() << "validation: " << messages[i];
  }
  size_t before_ = 0;
};

class FixtureParity : public VulkanParity, public ::testing::WithParamInterface<std::string> {};

TEST_P(FixtureParity, MatchesTheReference) {
  const std::string dir = kFixtures + "/" + GetParam();
  LoadedModel model = load_hf_model(dir);
  SafetensorsFile expected(dir + "/expected.safetensors");
  ForwardInputs in;
  for (int64_t v : expected.load_ints("input_ids")) in.input_ids.push_back(static_cast<int>(v));
  if (expected.contains("decoder_input_ids"))
    for (int64_t v : expected.load_ints("decoder_input_ids")) in.decoder_input_ids.push_back(static_cast<int>(v));
  auto reference = make_reference_backend();
  auto vulkan = testing_support::make_test_vulkan_backend();
  auto want = forward(model.spec, model.weights, *reference, in);
  auto got = forward(model.spec, model.weights, *vulkan, in);
  expect_same_traces(*want, *got, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureParity,
                         ::testing::Values("bert", "gpt2", "llama_gqa", "mistral_swa", "mixtral", "qwen2_moe",
                                           "deepseek_v3", "t5", "switch"));

// Every preset at its classroom size on seeded weights; MoE presets under
// capacity factors that drop and both drop policies.
TEST_F(VulkanParity, EveryPresetAtClassroomSize) {
  auto reference = make_reference_backend();
  auto vulkan = testing_support::make_test_vulkan_backend();
  for (const Preset& p : presets()) {
    ModelSpec spec = p.classroom;
    const ModelWeights weights = make_random_weights(spec, 1234);
    ForwardInputs in;
    for (int t = 0; t < 24; ++t) in.input_ids.push_back((t * 37 + 5) % spec.vocab_size);
    std::vector<std::pair<double, DropPolicy>> routings = {{0.0, DropPolicy::Position}};
    if (spec.is_moe())
      routings = {{0.5, DropPolicy::Position}, {0.5, DropPolicy::Priority}, {1.0, DropPolicy::Priority},
                  {1.25, DropPolicy::Position}};
    for (auto [factor, policy] : routings) {
      std::string what = p.name;
      if (factor > 0) {
        spec.moe.capacity_mode = CapacityMode::Factor;
        spec.moe.capacity_factor = factor;
        spec.moe.drop_policy = policy;
        what += " cf " + std::to_string(factor) + (policy == DropPolicy::Priority ? " priority" : " position");
      }
      auto want = forward(spec, weights, *reference, in);
      auto got = forward(spec, weights, *vulkan, in);
      expect_same_traces(*want, *got, what);
    }
  }
}

// The capacity slider on the device: a Session re-runs from the first MoE
// layer's capacity cut with the activations it kept on the device, and
// gives what a fresh reference run of the changed spec gives.
TEST_F(VulkanParity, SessionReroutesOnTheDevice) {
  auto reference = make_reference_backend();
  auto vulkan = testing_support::make_test_vulkan_backend();
  for (const char* name : {"mixtral", "switch-base-8", "deepseek-v3"}) {
    ModelSpec spec = find_preset(name)->classroom;
    auto weights = std::make_shared<const ModelWeights>(make_random_weights(spec, 7));
    ForwardInputs in;
    for (int t = 0; t < 20; ++t) in.input_ids.push_back((t * 11 + 3) % spec.vocab_size);
    Session session(spec, weights, *vulkan, in);
    session.run();
    for (auto [factor, policy] : {std::pair{0.5, DropPolicy::Priority}, {1.0, DropPolicy::Position}}) {
      MoeSpec moe = spec.moe;
      moe.capacity_mode = CapacityMode::Factor;
      moe.capacity_factor = factor;
      moe.drop_policy = policy;
      session.set_moe(moe);
      auto got = session.run();
      ModelSpec changed = spec;
      changed.moe = moe;
      auto want = forward(changed, *weights, *reference, in);
      expect_same_traces(*want, *got, std::string(name) + " re-routed to cf " + std::to_string(factor));
    }
  }
}

}  // namespace
}  // namespace archscope
