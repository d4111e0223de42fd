// End-to-end parity with Hugging Face transformers: each fixture model is
// loaded as a user would (config.json + model.safetensors), run on the
// fixture's inputs on every CPU backend (the reference and the fast one), and
// every tensor the library recorded is compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/backends/backend.h"
#include "engine/run/forward.h"
#include "engine/io/hf_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/trace_export.h"

using namespace archscope;

namespace {

const std::string kFixtures = ARCHSCOPE_FIXTURES;

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, static_cast<double>(std::fabs(a.data[i] - b.data[i])));
  if (std::any_of(a.data.begin(), a.data.end(), [](float x) { return std::isnan(x); }))
    return INFINITY;
  return m;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (float x : t.data) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// The bounds: 1e-3 on logits, 1e-5 on the aux loss, 1e-4 on the rest.
// A float32 result is only defined to its rounding, so a tensor whose values
// reach hundreds (Qwen2-MoE's hidden states reach 683) may also differ by
// 1e-6 of its largest magnitude, about eight float32 ulps.
double tolerance_for(const std::string& key, const Tensor& expected) {
  if (key == "aux_loss") return 1e-5;
  const double absolute = key == "logits" ? 1e-3 : 1e-4;
  return std::max(absolute, 1e-6 * max_abs(expected));
}

std::vector<int> ids_of(const SafetensorsFile& f, const std::string& key) {
  std::vector<int> ids;
  for (int64_t v : f.load_ints(key)) ids.push_back(static_cast<int>(v));
  return ids;
}

// What the library reports for Switch routers: the probability of the chosen expert, [T, 1].
Tensor chosen_probability(const Routing& r) {
  Tensor t({r.tokens, 1});
  for (int i = 0; i < r.tokens; ++i) t.data[i] = *std::max_element(r.scores.row(i), r.scores.row(i) + r.experts);
  return t;
}

struct Case {
  std::string backend;  // a name make_backend knows
  std::string fixture;  // a folder of kFixtures
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.backend << " " << c.fixture; }

class Parity : public ::testing::TestWithParam<Case> {};

TEST_P(Parity, MatchesHuggingFaceTransformers) {
  const std::string& fixture = GetParam().fixture;
  const std::string dir = kFixtures + "/" + fixture;
  LoadedModel model = load_hf_model(dir);
  SafetensorsFile expected(dir + "/expected.safetensors");

  ForwardInputs in;
  in.input_ids = ids_of(expected, "input_ids");
  if (expected.contains("decoder_input_ids")) in.decoder_input_ids = ids_of(expected, "decoder_input_ids");
  auto backend = make_backend(GetParam().backend);
  auto trace = forward(model.spec, model.weights, *backend, in);
  ASSERT_EQ(trace->backend, GetParam().backend);

  std::map<std::string, Tensor> ours;
  for (auto& [key, t] : trace_tensors(*trace)) ours[key] = t;
  for (const StackTrace* st : {&trace->encoder, &trace->decoder})
    for (const MoeRecord& m : st->moe)
      if (model.spec.layout == WeightLayout::Switch)
        ours[std::string(m.stack == Stack::Encoder ? "enc_" : "dec_") + "router.L" +
             std::to_string(m.layer)] = chosen_probability(m.routing);
  if (trace->aux_loss_hf) ours["aux_loss"] = Tensor({1}, static_cast<float>(*trace->aux_loss_hf));

  int compared = 0;
  for (const std::string& key : expected.names()) {
    if (key == "input_ids" || key == "decoder_input_ids") continue;
    Tensor want = expected.load(key);
    ASSERT_TRUE(ours.count(key)) << fixture << ": the trace has no '" << key << "'";
    const Tensor& got = ours[key];
    ASSERT_EQ(got.numel(), want.numel()) << key << ": ours " << got.shape_string() << ", expected "
                                         << want.shape_string();
    const double err = max_abs_diff(got, want);
    EXPECT_LE(err, tolerance_for(key, want)) << fixture << " " << key << " max |error| " << err;
    RecordProperty(key, std::to_string(err));
    std::printf("  %-9s %-12s %-18s max|err| %.3g  (max|value| %.3g)\n", GetParam().backend.c_str(),
                fixture.c_str(), key.c_str(), err, max_abs(want));
    ++compared;
  }
  EXPECT_GE(compared, 6) << "too few tensors compared for " << fixture;
}

std::vector<Case> every_case() {
  std::vector<Case> cases;
  for (const char* backend : {"reference", "cpu"})
    for (const char* fixture : {"bert", "gpt2", "llama_gqa", "mistral_swa", "mixtral", "qwen2_moe",
                                "deepseek_v3", "t5", "switch"})
      cases.push_back({backend, fixture});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, Parity, ::testing::ValuesIn(every_case()),
                         [](const auto& info) { return info.param.backend + "_" + info.param.fixture; });

}  // namespace
