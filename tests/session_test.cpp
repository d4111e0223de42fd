// Re-routing without recomputing: after a routing change a Session re-runs
// from the first MoE layer's capacity cut (or routing step), its trace equals
// a fresh forward of the changed spec element for element, and the ops before
// that step are not run again.
#include <gtest/gtest.h>

#include <functional>

#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/io/trace_export.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "engine/run/session.h"
#include "tests/support/forwarding_backend.h"

using namespace archscope;

namespace {

// Counts the ops that show where a run started.
class CountingBackend : public testing_support::ForwardingBackend {
 public:
  CountingBackend() : ForwardingBackend(make_reference_backend()) {}
  int attention_calls = 0, router_calls = 0, capacity_calls = 0;
  AttentionOutputs attention(const AttentionInputs& in) override {
    ++attention_calls;
    return inner().attention(in);
  }
  DeviceTensor router_scores(const DeviceTensor& l, RouterFunction f) override {
    ++router_calls;
    return inner().router_scores(l, f);
  }
  CapacityOutputs capacity_cut(const DeviceTensor& e, const DeviceTensor& s, const CapacityParams& p) override {
    ++capacity_calls;
    return inner().capacity_cut(e, s, p);
  }
  void reset() { attention_calls = router_calls = capacity_calls = 0; }
};

ForwardInputs inputs_for(const ModelSpec& s) {
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(demo_sentence());
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 12, 86, 92, 7};
  return in;
}

void expect_same_metrics(const MoeMetrics& a, const MoeMetrics& b, const std::string& where) {
  EXPECT_EQ(a.load_before, b.load_before) << where;
  EXPECT_EQ(a.load_after, b.load_after) << where;
  EXPECT_EQ(a.capacity, b.capacity) << where;
  EXPECT_EQ(a.dropped_pairs, b.dropped_pairs) << where;
  EXPECT_EQ(a.dropped_tokens, b.dropped_tokens) << where;
  EXPECT_EQ(a.mean_prob, b.mean_prob) << where;
  EXPECT_EQ(a.f_top1, b.f_top1) << where;
  EXPECT_EQ(a.aux_loss_switch, b.aux_loss_switch) << where;
  EXPECT_EQ(a.z_loss, b.z_loss) << where;
  EXPECT_EQ(a.entropy_mean, b.entropy_mean) << where;
}

// Every tensor of the dump, every routing decision and every metric, exactly.
void expect_same_trace(const Trace& rerun, const Trace& fresh, const std::string& what) {
  auto a = trace_tensors(rerun), b = trace_tensors(fresh);
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first) << what;
    EXPECT_EQ(a[i].second.shape, b[i].second.shape) << what << " " << a[i].first;
    EXPECT_TRUE(a[i].second.data == b[i].second.data) << what << ": " << a[i].first << " differs";
  }
  for (const auto& [x, y] : {std::pair{&rerun.encoder, &fresh.encoder}, std::pair{&rerun.decoder, &fresh.decoder}}) {
    ASSERT_EQ(x->moe.size(), y->moe.size()) << what;
    for (size_t i = 0; i < x->moe.size(); ++i) {
      const std::string where = what + " MoE layer " + std::to_string(x->moe[i].layer);
      EXPECT_EQ(x->moe[i].routing.expert, y->moe[i].routing.expert) << where;
      EXPECT_EQ(x->moe[i].routing.kept, y->moe[i].routing.kept) << where;
      EXPECT_EQ(x->moe[i].routing.slot, y->moe[i].routing.slot) << where;
      EXPECT_EQ(x->moe[i].routing.weight, y->moe[i].routing.weight) << where;
      expect_same_metrics(x->moe[i].metrics, y->moe[i].metrics, where);
    }
  }
  EXPECT_EQ(rerun.aux_loss_hf, fresh.aux_loss_hf) << what;
}

int count_moe_layers(const ModelSpec& s) {
  int n = 0;
  for (int i = 0; i < s.layers; ++i) n += s.is_moe_layer(i);
  if (s.family == Family::EncoderDecoder)
    for (int i = 0; i < s.decoder_layers; ++i) n += s.is_moe_layer(i);
  return n;
}

// Attention ops of a full run, and of the part up to the first MoE layer's FFN.
std::pair<int, int> attention_calls(const ModelSpec& s) {
  const bool enc_dec = s.family == Family::EncoderDecoder;
  const int enc = enc_dec ? s.layers : 0, dec = enc_dec ? s.decoder_layers : s.layers;
  const int full = enc + dec * (enc_dec ? 2 : 1);
  for (int i = 0; i < enc; ++i)
    if (s.is_moe_layer(i)) return {full, i + 1};
  for (int i = 0; i < dec; ++i)
    if (s.is_moe_layer(i)) return {full, enc + (i + 1) * (enc_dec ? 2 : 1)};
  return {full, full};
}

struct Change {
  std::string name;
  Rerun reaches;
  std::function<void(MoeSpec&)> apply;
};

std::vector<Change> changes_for(const ModelSpec& s) {
  const int k = s.moe.top_k;
  // A correction bias is only defined for the sigmoid router (DeepSeek-V3):
  // there the routing-step change is the group score instead.
  Change router_change =
      s.moe.correction_bias
          ? Change{"group score switched", Rerun::FromRouting,
                   [](MoeSpec& m) {
                     m.group_score = m.group_score == GroupScore::Top2Sum ? GroupScore::Max : GroupScore::Top2Sum;
                   }}
          : Change{"router function switched", Rerun::FromRouting, [](MoeSpec& m) {
                     m.router = m.router == RouterFunction::Softmax ? RouterFunction::Sigmoid : RouterFunction::Softmax;
                   }};
  return {
      {"capacity factor 0.5", Rerun::FromCapacity,
       [](MoeSpec& m) { m.capacity_mode = CapacityMode::Factor; m.capacity_factor = 0.5; }},
      {"megatron formula at 1.0", Rerun::FromCapacity,
       [](MoeSpec& m) { m.capacity_factor = 1.0; m.capacity_formula = CapacityFormula::KAware; }},
      {"priority policy", Rerun::FromCapacity, [](MoeSpec& m) { m.drop_policy = DropPolicy::Priority; }},
      {"one fixed slot", Rerun::FromCapacity, [](MoeSpec& m) { m.capacity_mode = CapacityMode::Fixed; m.capacity = 1; }},
      {"dropped pairs output p x", Rerun::FromCapacity, [](MoeSpec& m) { m.drop_output = DropOutput::ScaledInput; }},
      {"top-k changed", Rerun::FromRouting, [k](MoeSpec& m) { m.top_k = k == 1 ? 2 : k - 1; }},
      router_change,
      {"dropless again", Rerun::FromCapacity, [](MoeSpec& m) { m.capacity_mode = CapacityMode::Dropless; }},
  };
}

void check_rerouting(const ModelSpec& base, const std::string& name,
                     const TraceRequest& request = TraceRequest::everything(), ForwardInputs in = {}) {
  auto weights = std::make_shared<const ModelWeights>(make_random_weights(base));
  CountingBackend backend;
  if (in.input_ids.empty()) in = inputs_for(base);
  Session session(base, weights, backend, in, request);
  session.run();
  const auto [full_attention, reused_attention] = attention_calls(base);
  const int moe_layers = count_moe_layers(base);
  ASSERT_EQ(backend.attention_calls, full_attention);

  MoeSpec moe = base.moe;
  for (const Change& c : changes_for(base)) {
    c.apply(moe);
    session.set_moe(moe);
    EXPECT_EQ(session.pending(), c.reaches) << c.name;
    backend.reset();
    auto rerun = session.run();
    // Nothing before the first MoE layer's FFN runs again; its router only
    // when the change reaches the routing step.
    EXPECT_EQ(backend.attention_calls, full_attention - reused_attention) << c.name;
    EXPECT_EQ(backend.router_calls, c.reaches == Rerun::FromRouting ? moe_layers : moe_layers - 1) << c.name;
    EXPECT_EQ(backend.capacity_calls, moe_layers) << c.name;

    ModelSpec changed = base;
    changed.moe = moe;
    auto reference = make_reference_backend();
    auto fresh = forward(changed, *weights, *reference, in, request);
    expect_same_trace(*rerun, *fresh, name + ", " + c.name);
  }
}

class Rerouting : public ::testing::TestWithParam<std::string> {};

TEST_P(Rerouting, EqualsAFreshForwardAndReusesEverythingBefore) {
  check_rerouting(find_preset(GetParam())->classroom, GetParam());
}

INSTANTIATE_TEST_SUITE_P(MoePresets, Rerouting,
                         ::testing::Values("mixtral", "switch-base-8", "deepseek-v3", "qwen-moe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace

TEST(Session, ReroutingKeepsTheEncoderOutputWhenTheFirstMoeLayerIsInTheDecoder) {
  ModelSpec s = find_preset("switch-base-8")->classroom;
  s.layers = 1;  // the encoder's only layer is dense; the decoder's layers 1 and 3 are MoE
  ASSERT_FALSE(s.is_moe_layer(0));
  check_rerouting(s, "switch with a dense encoder");
}

TEST(Session, ReroutingKeepsReducedMapsAndPadding) {
  const ModelSpec s = find_preset("qwen-moe")->classroom;
  TraceRequest focused;
  focused.attention = AttentionKeep::Focused;
  focused.focus = {{Stack::Decoder, 0, 3, false}, {Stack::Decoder, 2, 1, false}};
  focused.thumbnail = 4;
  ForwardInputs in = inputs_for(s);
  in.key_valid.assign(in.input_ids.size(), 1);
  in.key_valid[0] = in.key_valid[1] = in.key_valid.back() = 0;
  check_rerouting(s, "qwen-moe, padded, focused", focused, in);
}

TEST(Session, NoChangeGivesTheSameTraceAndOtherWeightsAreRefused) {
  const ModelSpec s = find_preset("mixtral")->classroom;
  auto weights = std::make_shared<const ModelWeights>(make_random_weights(s));
  auto backend = make_reference_backend();
  Session session(s, weights, *backend, inputs_for(s));
  auto first = session.run();
  session.set_moe(s.moe);
  EXPECT_EQ(session.pending(), Rerun::None);
  EXPECT_EQ(session.run(), first);

  MoeSpec more = s.moe;
  more.experts = 16;
  try {
    session.set_moe(more);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'experts' needs other weights"), std::string::npos) << e.what();
  }
  MoeSpec bad = s.moe;
  bad.top_k = s.moe.experts + 1;
  EXPECT_THROW(session.set_moe(bad), SpecError);
  EXPECT_EQ(session.spec().moe.top_k, s.moe.top_k);  // a refused change leaves the session as it was
}

TEST(Session, ANewRequestOrNewTokensRunEverything) {
  const ModelSpec s = find_preset("switch-base-8")->classroom;
  auto weights = std::make_shared<const ModelWeights>(make_random_weights(s));
  CountingBackend backend;
  Session session(s, weights, backend, inputs_for(s));
  session.run();
  const int full = backend.attention_calls;
  session.set_request(TraceRequest::summary());
  EXPECT_EQ(session.pending(), Rerun::Full);
  backend.reset();
  auto summary = session.run();
  EXPECT_EQ(backend.attention_calls, full);
  EXPECT_TRUE(summary->encoder.hidden.empty());

  ForwardInputs shorter = inputs_for(s);
  shorter.input_ids.resize(4);
  session.set_inputs(shorter);
  backend.reset();
  auto t = session.run();
  EXPECT_EQ(backend.attention_calls, full);
  EXPECT_EQ(t->input_ids.size(), 4u);
}

TEST(Session, ADenseModelHasNoRoutingToChange) {
  const ModelSpec s = find_preset("gpt2")->classroom;
  auto weights = std::make_shared<const ModelWeights>(make_random_weights(s));
  auto backend = make_reference_backend();
  Session session(s, weights, *backend, inputs_for(s));
  EXPECT_THROW(session.set_moe(s.moe), InputError);
}

// The capacity slider on the demo sentence: from factor 0.25 to 4 the drops
// must change on presets with many experts and k > 1. With the per-token
// formula, C = ceil(cf T / E) stayed 1 over the whole range on deepseek-v3
// (E = 256) and gshard (E = 2048), so the slider taught that capacity does not
// matter; the k-aware default counts every token's k slots.
TEST(Session, TheCapacitySliderChangesTheDropsOnManyExpertPresets) {
  for (const char* name : {"deepseek-v3", "gshard", "mixtral"}) {
    const ModelSpec s = find_preset(name)->classroom;
    auto backend = make_reference_backend();
    Session session(s, std::make_shared<const ModelWeights>(make_random_weights(s)), *backend, inputs_for(s),
                    TraceRequest::summary());
    std::vector<int> capacity, dropped;
    for (double cf : {0.25, 0.5, 1.0, 2.0, 4.0}) {
      MoeSpec m = s.moe;
      m.capacity_mode = CapacityMode::Factor;
      m.capacity_factor = cf;
      session.set_moe(m);
      const std::shared_ptr<const Trace> t = session.run();
      // The encoder's first MoE layer sees the whole sentence; a decoder-only model's is its only stack.
      const MoeMetrics& first = (t->encoder.moe.empty() ? t->main_stack() : t->encoder).moe.front().metrics;
      capacity.push_back(first.capacity);
      dropped.push_back(first.dropped_pairs);
    }
    EXPECT_GT(capacity.back(), capacity.front()) << name;
    EXPECT_GT(dropped.front(), dropped.back()) << name;
    for (size_t i = 1; i < dropped.size(); ++i) EXPECT_LE(dropped[i], dropped[i - 1]) << name << " step " << i;
  }
}
