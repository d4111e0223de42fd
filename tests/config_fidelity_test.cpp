// config.json is read as transformers 5.17 reads it: Switch runs dropless
// whatever version saved it (with the older behaviours as named modes),
// Llama ignores sliding_window, missing keys get the configuration classes'
// defaults, and DeepSeek-V2 ignores the keys its modules never read.
#include <gtest/gtest.h>

#include "engine/errors.h"
#include "engine/model/compat.h"
#include "engine/model/hf_config.h"
#include "tests/fixture_copy.h"

using namespace archscope;
using namespace archscope::testing;

namespace {

const std::string kConfigs = std::string(ARCHSCOPE_ASSETS) + "/hf_configs";

void expect_fixture_logits(const std::string& folder, const std::string& fixture) {
  auto trace = run_folder(folder, fixture_inputs(fixture));
  const Tensor want = expected_tensor(fixture, "logits");
  const double err = max_abs_diff(trace->logits, want);
  EXPECT_LE(err, logits_tolerance(want)) << fixture << ": max |logits error| " << err;
}

std::string error_loading(const std::string& folder) {
  try {
    load_hf_model(folder);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

ModelSpec import_text(const std::string& text) { return import_hf_config_text(text, "test/config.json"); }

}  // namespace

// ---- Switch Transformers (issue 8, item 1) ----

// The fixture's expected outputs are transformers 5.17's, which never applies
// expert_capacity (2 here). Saying the config came from 4.24 changes nothing.
TEST(Switch, EveryConfigRunsDroplessAsTransformers5) {
  FixtureCopy sw("switch");
  sw.config["transformers_version"] = "4.24.0.dev0";
  const std::string folder = sw.write();
  expect_fixture_logits(folder, "switch");
  // The capacity of 2 would have bound: some expert got more than 2 tokens.
  auto trace = run_folder(folder, fixture_inputs("switch"));
  int most = 0;
  for (const StackTrace* st : {&trace->encoder, &trace->decoder})
    for (const MoeRecord& m : st->moe)
      for (int load : m.metrics.load_before) most = std::max(most, load);
  EXPECT_GT(most, 2);
  const ModelSpec s = load_hf_model(folder).spec;
  EXPECT_EQ(s.moe.capacity_mode, CapacityMode::Dropless);
  EXPECT_EQ(s.moe.capacity, 2);
  EXPECT_TRUE(s.moe.compat_mode.empty());
  EXPECT_NE(s.moe.library_compat.find("saved by transformers 4.24.0.dev0"), std::string::npos);
}

TEST(Switch, HubConfigFromTransformers4IsDroplessToo) {
  ModelSpec s = import_hf_config(kConfigs + "/switch-base-8");  // transformers_version 4.24.0.dev0
  EXPECT_EQ(s.moe.capacity_mode, CapacityMode::Dropless);
  EXPECT_EQ(s.moe.capacity, 64);
  EXPECT_NE(s.moe.library_compat.find("--compat scaled-input (transformers 4.25 to 4.51)"), std::string::npos)
      << s.moe.library_compat;
}

TEST(Switch, CompatibilityModesAreNamedWithTheirVersions) {
  ModelSpec s = import_hf_config(kConfigs + "/switch-base-8");
  ModelSpec scaled = s, zero = s;
  apply_compat_mode(scaled, "scaled-input");
  EXPECT_EQ(scaled.moe.capacity_mode, CapacityMode::Fixed);
  EXPECT_EQ(scaled.moe.capacity, 64);
  EXPECT_EQ(scaled.moe.drop_policy, DropPolicy::Position);
  EXPECT_EQ(scaled.moe.drop_output, DropOutput::ScaledInput);
  EXPECT_EQ(scaled.moe.compat_mode, "scaled-input");
  EXPECT_NE(scaled.moe.library_compat.find("transformers 4.25 to 4.51"), std::string::npos);
  apply_compat_mode(zero, "zero");
  EXPECT_EQ(zero.moe.drop_output, DropOutput::Zero);
  EXPECT_NE(zero.moe.library_compat.find("transformers 4.52 to 4.57"), std::string::npos);

  EXPECT_THROW(apply_compat_mode(s, "4.30"), InputError);
  ModelSpec llama = load_hf_model(kFixtures + "/llama_gqa").spec;
  try {
    apply_compat_mode(llama, "zero");
    FAIL() << "a compatibility mode applied to Llama";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Switch model"), std::string::npos) << e.what();
  }
}

// Under the 4.x modes the fixture's capacity of 2 binds, first come first
// served: each expert keeps the first two tokens routed to it.
TEST(Switch, CompatibilityModeDropsByPosition) {
  LoadedModel m = load_hf_model(kFixtures + "/switch");
  apply_compat_mode(m.spec, "zero");
  auto backend = make_reference_backend();
  auto trace = forward(m.spec, m.weights, *backend, fixture_inputs("switch"));
  int dropped = 0;
  for (const MoeRecord& r : trace->encoder.moe) {
    std::vector<int> seen(r.routing.experts, 0);
    for (int t = 0; t < r.routing.tokens; ++t) {
      const int e = r.routing.expert[t];
      EXPECT_EQ(r.routing.kept[t], seen[e] < 2 ? 1 : 0) << "token " << t;
      ++seen[e];
      dropped += !r.routing.kept[t];
    }
  }
  EXPECT_GT(dropped, 0);
}

// ---- Llama ignores sliding_window (item 3) ----

TEST(SlidingWindow, LlamaIgnoresTheKey) {
  FixtureCopy llama("llama_gqa");
  llama.config["sliding_window"] = 4;  // shorter than the 12 tokens
  const std::string folder = llama.write();
  EXPECT_EQ(load_hf_model(folder).spec.mask.kind, MaskKind::Causal);
  expect_fixture_logits(folder, "llama_gqa");
}

TEST(SlidingWindow, MistralDefaultIs4096AndNullIsFull) {
  FixtureCopy mistral("mistral_swa");
  mistral.config.erase("sliding_window");
  ModelSpec absent = import_hf_config(mistral.config, "m/config.json");
  EXPECT_EQ(absent.mask.kind, MaskKind::SlidingWindow);  // MistralConfig(sliding_window=4096)
  EXPECT_EQ(absent.mask.window, 4096);
  mistral.config["sliding_window"] = nullptr;
  EXPECT_EQ(import_hf_config(mistral.config, "m/config.json").mask.kind, MaskKind::Causal);
}

// ---- Missing keys get transformers' defaults (item 4) ----

TEST(Defaults, DeepSeekV3SharedExpertDefaultsToOne) {
  FixtureCopy ds("deepseek_v3");
  ds.config.erase("n_shared_experts");  // the fixture's value is the default, 1
  expect_fixture_logits(ds.write(), "deepseek_v3");
}

// DeepseekV3Config.__init__: n_shared_experts=1, n_group=8, topk_group=4,
// first_k_dense_replace=3, q_lora_rank=1536 (and n_routed_experts=256,
// num_experts_per_tok=8, routed_scaling_factor=2.5, norm_topk_prob=True).
TEST(Defaults, DeepSeekV3ConfigClass) {
  ModelSpec s = import_text(R"({"model_type": "deepseek_v3", "vocab_size": 128, "hidden_size": 64,
    "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 128})");
  EXPECT_EQ(s.moe.shared_experts, 1);
  EXPECT_EQ(s.moe.groups, 8);
  EXPECT_EQ(s.moe.top_groups, 4);
  EXPECT_EQ(s.moe.first_dense, 3);
  EXPECT_EQ(s.mla.q_lora_rank, 1536);
  EXPECT_EQ(s.moe.experts, 256);
  EXPECT_EQ(s.moe.top_k, 8);
  EXPECT_DOUBLE_EQ(s.moe.routed_scaling, 2.5);
  EXPECT_TRUE(s.moe.normalize_top_k);
  EXPECT_FALSE(s.is_moe_layer(2));
  EXPECT_TRUE(s.is_moe_layer(3));
  // null is not absent: q_lora_rank null means a direct query projection.
  ModelSpec direct = import_text(R"({"model_type": "deepseek_v3", "vocab_size": 128, "hidden_size": 64,
    "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 128, "q_lora_rank": null})");
  EXPECT_EQ(direct.mla.q_lora_rank, 0);
}

// DeepseekV2Config.__init__: n_shared_experts=2, q_lora_rank=1536, first_k_dense_replace=0.
TEST(Defaults, DeepSeekV2ConfigClass) {
  ModelSpec s = import_text(R"({"model_type": "deepseek_v2", "vocab_size": 128, "hidden_size": 64,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
    "num_experts_per_tok": 2})");
  EXPECT_EQ(s.moe.shared_experts, 2);
  EXPECT_EQ(s.moe.shared_intermediate, 2 * 1407);
  EXPECT_EQ(s.mla.q_lora_rank, 1536);
  EXPECT_EQ(s.moe.first_dense, 0);
  EXPECT_EQ(s.moe.experts, 64);
}

// Qwen2MoeConfig.__init__: shared_expert_intermediate_size=5632.
TEST(Defaults, Qwen2MoeSharedExpertWidth) {
  FixtureCopy qw("qwen2_moe");
  qw.config.erase("shared_expert_intermediate_size");
  const std::string folder = qw.write();
  EXPECT_EQ(import_hf_config(folder).moe.shared_intermediate, 5632);
  // transformers builds a 5632-wide shared expert and fails on the checkpoint's 64; so do we.
  std::string e = error_loading(folder);
  EXPECT_NE(e.find("shared_expert.gate_proj.weight': expected shape [5632, 32], found [64, 32]"),
            std::string::npos) << e;
}

TEST(Defaults, NullCountsAreRefusedNotDefaulted) {
  try {
    import_text(R"({"model_type": "deepseek_v3", "vocab_size": 128, "hidden_size": 64,
      "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 128, "n_shared_experts": null})");
    FAIL() << "null n_shared_experts imported";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'n_shared_experts'"), std::string::npos) << e.what();
  }
}
