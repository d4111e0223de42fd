// Presets written as Hugging Face model folders: each folder imports to the
// same architecture and runs to bit-identical logits; presets that no
// Hugging Face model type describes are refused with what would change.
#include <gtest/gtest.h>


#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"
#include "engine/backends/backend.h"
#include "engine/errors.h"
#include "engine/io/hf_weights.h"
#include "engine/io/hf_weights_export.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"
#include "engine/model/hf_config_export.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"

using namespace archscope;
using archscope::testing::TempDir;
namespace fs = std::filesystem;

namespace {


std::shared_ptr<const Trace> run(const ModelSpec& s, const ModelWeights& w) {
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(demo_sentence());
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 12, 85, 90};
  auto backend = make_reference_backend();
  return forward(s, w, *backend, in);
}

class Exportable : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(Exportable, FolderRunsToIdenticalLogits) {
  const ModelSpec& preset = find_preset(GetParam())->classroom;
  const ModelWeights weights = make_random_weights(preset, 1234);
  const TempDir tmp("archscope-export");
  const std::string dir = tmp.file("model");  // not made yet: export makes it
  export_hf_model(preset, weights, dir, std::string(GetParam()) + "-classroom", false);
  LoadedModel folder = load_hf_model(dir);
  EXPECT_TRUE(structural_differences(preset, folder.spec).empty());
  // A config holds no capacity factor or drop policy: route the folder as the preset does.
  MoeSpec& m = folder.spec.moe;
  m.capacity_mode = preset.moe.capacity_mode;
  m.capacity_factor = preset.moe.capacity_factor;
  m.capacity = preset.moe.capacity;
  m.capacity_formula = preset.moe.capacity_formula;
  m.drop_policy = preset.moe.drop_policy;
  auto a = run(preset, weights), b = run(folder.spec, folder.weights);
  ASSERT_EQ(a->logits.shape, b->logits.shape);
  EXPECT_EQ(a->logits.data, b->logits.data) << "logits differ";
  for (size_t i = 0; i < a->main_stack().moe.size(); ++i)
    EXPECT_EQ(a->main_stack().moe[i].routing.expert, b->main_stack().moe[i].routing.expert);
}

INSTANTIATE_TEST_SUITE_P(Presets, Exportable,
                         ::testing::Values("bert", "gpt2", "llama2-7b", "llama3-8b", "mistral-7b", "t5-base",
                                           "mixtral", "switch-base-8", "deepseek-v3", "qwen-moe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(Export, ArchitecturesNoConfigDescribesAreRefusedBeforeWriting) {
  for (const char* name : {"falcon-7b", "prefix-lm", "gshard"}) {
    const ModelSpec& s = find_preset(name)->classroom;
    const TempDir tmp("archscope-export");
    const std::string dir = tmp.file("model");  // not made yet: export makes it
    try {
      export_hf_model(s, make_random_weights(s), dir, name, false);
      FAIL() << name << " was exported";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("config describes this architecture exactly"), std::string::npos)
          << e.what();
    }
    EXPECT_FALSE(fs::exists(dir)) << name;
  }
}

TEST(Export, ExistingFilesAreKeptUnlessForced) {
  const ModelSpec& s = find_preset("gpt2")->classroom;
  const ModelWeights w = make_random_weights(s);
  const TempDir tmp("archscope-export");
  const std::string dir = tmp.file("model");  // not made yet: export makes it
  export_hf_model(s, w, dir, "gpt2-classroom", false);
  EXPECT_THROW(export_hf_model(s, w, dir, "gpt2-classroom", false), InputError);
  EXPECT_NO_THROW(export_hf_model(s, w, dir, "gpt2-classroom", true));
}

TEST(Export, CheckpointsCarryTheMetadataTransformersChecks) {
  const ModelSpec& s = find_preset("llama3-8b")->classroom;
  const TempDir tmp("archscope-export");
  const std::string dir = tmp.file("model");  // not made yet: export makes it
  export_hf_model(s, make_random_weights(s), dir, "llama3-8b-classroom", false);
  // transformers refuses a safetensors file whose metadata format is not "pt".
  SafetensorsFile f(dir + "/model.safetensors");
  EXPECT_TRUE(f.contains("model.embed_tokens.weight"));
  EXPECT_TRUE(f.contains("lm_head.weight"));
  std::ifstream in(dir + "/model.safetensors", std::ios::binary);
  std::string head(200, '\0');
  in.read(head.data(), 200);
  EXPECT_NE(head.find(R"("__metadata__":{"format":"pt"})"), std::string::npos);
}
