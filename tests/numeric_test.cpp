// No silent nonsense: a NaN or inf in a checkpoint is refused naming the
// tensor and the file; one that arises in a run is refused naming the layer
// and op where it first appears, on every backend (count_nonfinite); and the
// router's orderings are total for every input, NaN included.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"
#include "engine/run/routing.h"
#include "tests/fixture_copy.h"

using namespace archscope;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

bool mentions(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// The message of the NumericError `f` throws, or "" (a failure) when it throws none.
template <class F>
std::string numeric_error_of(F&& f) {
  try {
    f();
  } catch (const NumericError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no NumericError";
  return "";
}

std::shared_ptr<const Trace> run_preset(const ModelSpec& s, const ModelWeights& w) {
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode("the quick brown fox jumps over the lazy dog");
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 12, 86};
  return forward(s, w, *backend, in);
}

void fill(Tensor& t, float v) {
  for (float& x : t.data) x = v;
}

}  // namespace

TEST(TopK, NaNRanksAboveEveryNumberAndTiesGoToTheLowerIndex) {
  auto b = make_reference_backend();
  Tensor scores({2, 5});
  scores.data = {kNaN, 0.2f, kNaN, 0.5f, -kInf,  //
                 0.1f, kInf, 0.1f, kNaN, -0.0f};
  TopKOutputs top = b->top_k(b->upload(scores), nullptr, nullptr, {3, 1, 1, GroupScore::Top2Sum, false, 1.0});
  EXPECT_EQ(b->download_ints(top.expert), (std::vector<int32_t>{0, 2, 3, 3, 1, 0}));
}

TEST(TopK, GroupScoresWithNaNStillChooseDistinctExperts) {
  auto b = make_reference_backend();
  Tensor scores({1, 8});
  scores.data = {0.1f, kNaN, 0.3f, 0.2f, kNaN, kNaN, 0.4f, 0.0f};
  TopKOutputs top = b->top_k(b->upload(scores), nullptr, nullptr, {2, 4, 2, GroupScore::Top2Sum, true, 1.0});
  // Groups 0 {0.1, NaN} and 2 {NaN, NaN} score NaN and rank first (equal, so by
  // index); among their experts the NaNs rank first: experts 1 and 4.
  EXPECT_EQ(b->download_ints(top.groups), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(b->download_ints(top.expert), (std::vector<int32_t>{1, 4}));
}

TEST(Capacity, PriorityOrderIsTotalWithNaN) {
  auto b = make_reference_backend();
  Tensor scores({3, 2});
  scores.data = {0.9f, 0.1f, kNaN, kNaN, 0.8f, 0.2f};
  CapacityOutputs cut =
      b->capacity_cut(b->upload_ints({0, 0, 0}, {3, 1}), b->upload(scores), {2, 2, DropPolicy::Priority});
  EXPECT_EQ(b->download_ints(cut.kept), (std::vector<int32_t>{1, 1, 0}));  // NaN first, then 0.9
  EXPECT_EQ(b->download_ints(cut.slot), (std::vector<int32_t>{1, 0, -1}));
}

TEST(CountNonFinite, CountsNaNAndBothInfinities) {
  for (const char* name : {"reference", "cpu"}) {
    SCOPED_TRACE(name);
    auto b = make_backend(name);
    Tensor x({2, 3});
    x.data = {1.0f, kNaN, -kInf, kInf, std::numeric_limits<float>::max(), -0.0f};
    EXPECT_EQ(b->download_ints(b->count_nonfinite(b->upload(x))), (std::vector<int32_t>{3}));
    // The interface's default (download and count) agrees with the backend's own.
    Tensor y({4});
    y.data = {0.0f, kNaN, 2.0f, kNaN};
    EXPECT_EQ(b->download_ints(b->Backend::count_nonfinite(b->upload(y))), (std::vector<int32_t>{2}));
    // Long enough that the fast backend splits it across threads; NaNs of
    // every payload and sign, infinities and the largest finite values.
    Tensor z({300001});
    int64_t want = 0;
    for (size_t i = 0; i < z.data.size(); ++i) {
      if (i % 7919 == 3) z.data[i] = (i % 2 ? -1.0f : 1.0f) * std::nanf(std::to_string(i).c_str()), ++want;
      else if (i % 10007 == 5) z.data[i] = i % 2 ? -kInf : kInf, ++want;
      else z.data[i] = i % 3 ? std::numeric_limits<float>::max() : -std::numeric_limits<float>::denorm_min();
    }
    EXPECT_EQ(b->download_ints(b->count_nonfinite(b->upload(z))), (std::vector<int32_t>{static_cast<int32_t>(want)}));
  }
}

TEST(RouteLogits, RefusesNonFiniteLogits) {
  MoeSpec m;
  m.experts = 4;
  m.top_k = 2;
  Tensor logits({2, 4});
  logits.data = {0, 1, 2, 3, 0, kNaN, 0, 0};
  auto b = make_reference_backend();
  const std::string msg = numeric_error_of([&] { route_logits(*b, logits, m); });
  EXPECT_TRUE(mentions(msg, "token 1, expert 1")) << msg;
}

// Finite weights whose products overflow float32: the router of MoE layer 1
// gives inf logits, and softmax makes NaN of them. Without the check, every
// token is drawn as routed to experts 0 and 1 with entropy 0.
TEST(Activations, OverflowInARouterIsNamedByLayerAndOp) {
  const ModelSpec s = find_preset("mixtral")->classroom;
  ModelWeights w = make_random_weights(s);
  fill(w.decoder.layers[1].moe->router.w, 3e38f);
  const std::string msg = numeric_error_of([&] { run_preset(s, w); });
  EXPECT_TRUE(mentions(msg, "first in the layer 1 router logits")) << msg;
}

TEST(Activations, OverflowInAttentionIsNamedBeforeWhatInheritsIt) {
  const ModelSpec s = find_preset("gpt2")->classroom;
  ModelWeights w = make_random_weights(s);
  fill(w.decoder.layers[2].self_attn.o.w, 3e38f);
  const std::string msg = numeric_error_of([&] { run_preset(s, w); });
  EXPECT_TRUE(mentions(msg, "first in the layer 2 self-attention output")) << msg;
}

TEST(Activations, EncoderDecoderNamesTheStack) {
  const ModelSpec s = find_preset("switch-base-8")->classroom;
  ModelWeights w = make_random_weights(s);
  fill(w.decoder.layers[0].ffn.down.w, 3e38f);
  const std::string msg = numeric_error_of([&] { run_preset(s, w); });
  EXPECT_TRUE(mentions(msg, "first in the decoder layer 0 feed-forward output")) << msg;
}

TEST(Activations, AFiniteRunPassesEveryCheck) {
  for (const char* name : {"mixtral", "deepseek-v3", "t5-base", "bert"}) {
    const ModelSpec s = find_preset(name)->classroom;
    EXPECT_NO_THROW(run_preset(s, make_random_weights(s))) << name;
  }
}

// A NaN in a checkpoint is refused as the tensor loads, naming it and its file.
TEST(Checkpoint, NaNInAWeightNamesTheTensorAndTheFile) {
  archscope::testing::FixtureCopy copy("mixtral");
  const std::string name = "model.layers.1.block_sparse_moe.gate.weight";
  copy.tensor(name).data[5] = kNaN;
  copy.tensor(name).data[9] = -kInf;
  const std::string folder = copy.write();
  const std::string msg = numeric_error_of([&] { load_hf_model(folder); });
  EXPECT_TRUE(mentions(msg, folder + "/model.safetensors: tensor '" + name + "'")) << msg;
  EXPECT_TRUE(mentions(msg, "holds 2 NaN or inf values (the first at flat index 5")) << msg;
}

TEST(Checkpoint, InfInAnEmbeddingIsRefusedToo) {
  archscope::testing::FixtureCopy copy("gpt2");
  copy.tensor("transformer.wte.weight").data[0] = kInf;
  const std::string folder = copy.write();
  const std::string msg = numeric_error_of([&] { load_hf_model(folder); });
  EXPECT_TRUE(mentions(msg, "tensor 'transformer.wte.weight'")) << msg;
}
