// Hugging Face config.json import: the fixtures, real hub configs, and bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/model/hf_config.h"
#include "engine/model/ledger.h"
#include "engine/model/presets.h"

using namespace archscope;

namespace {

const std::string kFixtures = ARCHSCOPE_FIXTURES;
const std::string kConfigs = std::string(ARCHSCOPE_ASSETS) + "/hf_configs";

ModelSpec fixture(const std::string& name) { return import_hf_config(kFixtures + "/" + name); }

// The error message of importing `text`, or "" if it imported.
std::string error_of(const std::string& text) {
  try {
    import_hf_config_text(text, "bad/config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& text, const std::vector<std::string>& parts) {
  std::string e = error_of(text);
  ASSERT_FALSE(e.empty()) << "imported without error: " << text;
  EXPECT_NE(e.find("bad/config.json"), std::string::npos) << e;
  for (const auto& part : parts) EXPECT_NE(e.find(part), std::string::npos) << "'" << part << "' not in: " << e;
}

const char* kLlama = R"({"model_type": "llama", "vocab_size": 128, "hidden_size": 32,
  "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
  "intermediate_size": 64})";

std::string llama_with(const std::string& key, const std::string& value) {
  std::string s = kLlama;
  s.pop_back();
  return s + ", \"" + key + "\": " + value + "}";
}

}  // namespace

TEST(HfConfigFixtures, AllNineImport) {
  for (const char* name : {"bert", "gpt2", "llama_gqa", "mistral_swa", "mixtral", "qwen2_moe",
                           "deepseek_v3", "t5", "switch"})
    EXPECT_NO_THROW(fixture(name)) << name;
}

TEST(HfConfigFixtures, FieldsLandWhereTheyBelong) {
  ModelSpec llama = fixture("llama_gqa");
  EXPECT_EQ(llama.attention, AttentionKind::GQA);
  EXPECT_EQ(llama.kv_heads, 2);
  EXPECT_EQ(llama.head_dim, 8);
  EXPECT_DOUBLE_EQ(llama.rope.theta, 10000.0);  // from rope_parameters

  ModelSpec mistral = fixture("mistral_swa");
  EXPECT_EQ(mistral.mask.kind, MaskKind::SlidingWindow);
  EXPECT_EQ(mistral.mask.window, 4);
  EXPECT_TRUE(mistral.mask.window_counts_self);

  ModelSpec mixtral = fixture("mixtral");
  EXPECT_EQ(mixtral.head_dim, 8);  // head_dim null -> hidden / heads
  EXPECT_DOUBLE_EQ(mixtral.rope.theta, 1e6);
  EXPECT_EQ(mixtral.moe.experts, 4);
  EXPECT_EQ(mixtral.moe.top_k, 2);

  ModelSpec qwen = fixture("qwen2_moe");
  EXPECT_TRUE(qwen.qkv_bias);
  EXPECT_TRUE(qwen.moe.shared_gate);
  EXPECT_EQ(qwen.moe.shared_intermediate, 64);
  EXPECT_FALSE(qwen.moe.normalize_top_k);
  EXPECT_EQ(qwen.mask.kind, MaskKind::Causal);

  ModelSpec ds = fixture("deepseek_v3");
  EXPECT_EQ(ds.attention, AttentionKind::MLA);
  EXPECT_EQ(ds.mla.q_lora_rank, 24);
  EXPECT_EQ(ds.mla.kv_lora_rank, 16);
  EXPECT_EQ(ds.moe.groups, 4);
  EXPECT_EQ(ds.moe.top_groups, 2);
  EXPECT_EQ(ds.moe.router, RouterFunction::Sigmoid);
  EXPECT_TRUE(ds.moe.correction_bias);
  EXPECT_FALSE(ds.is_moe_layer(0));
  EXPECT_TRUE(ds.is_moe_layer(1));
  EXPECT_TRUE(ds.rope.interleaved);

  ModelSpec t5 = fixture("t5");
  EXPECT_EQ(t5.family, Family::EncoderDecoder);
  EXPECT_EQ(t5.buckets.num_buckets, 8);
  EXPECT_EQ(t5.buckets.max_distance, 16);
  EXPECT_FALSE(t5.scale_attention);
  EXPECT_TRUE(t5.scale_decoder_outputs);

  // Saved by transformers 5.17, whose Switch router never enforces capacity.
  ModelSpec sw = fixture("switch");
  EXPECT_EQ(sw.moe.capacity_mode, CapacityMode::Dropless);
  EXPECT_EQ(sw.moe.capacity, 2);
  EXPECT_NE(sw.moe.library_compat.find("applies no expert capacity"), std::string::npos);
  EXPECT_TRUE(sw.is_moe_layer(0));
  EXPECT_TRUE(sw.is_moe_layer(1));
}

TEST(HfConfigReal, LedgerMatchesPublishedFigures) {
  auto total = [](const std::string& name) {
    return compute_ledger(import_hf_config(kConfigs + "/" + name)).params_total;
  };
  EXPECT_EQ(total("gpt2"), 124439808);
  EXPECT_EQ(total("bert-base-uncased"), 109482240);
  EXPECT_EQ(total("Llama-2-7b-hf"), 6738415616);
  EXPECT_EQ(total("Meta-Llama-3-8B"), 8030261248);
  EXPECT_EQ(total("Mixtral-8x7B-v0.1"), 46702792704);
  EXPECT_EQ(total("DeepSeek-V3"), 671026419200);
  EXPECT_EQ(total("t5-base"), 222903552);
  Ledger mixtral = compute_ledger(import_hf_config(kConfigs + "/Mixtral-8x7B-v0.1"));
  EXPECT_EQ(mixtral.params_active, 12879925248);
  EXPECT_EQ(compute_ledger(import_hf_config(kConfigs + "/Llama-2-7b-hf")).kv_cache_bytes_per_token,
            524288);
  EXPECT_EQ(compute_ledger(import_hf_config(kConfigs + "/Meta-Llama-3-8B")).kv_cache_bytes_per_token,
            131072);
  EXPECT_EQ(compute_ledger(import_hf_config(kConfigs + "/DeepSeek-V3")).kv_cache_bytes_per_token,
            70272);
}

TEST(HfConfigReal, DeepSeekV2LiteGreedySoftmaxWithoutQueryCompression) {
  ModelSpec s = import_hf_config(kConfigs + "/DeepSeek-V2-Lite");
  EXPECT_EQ(s.attention, AttentionKind::MLA);
  EXPECT_EQ(s.mla.q_lora_rank, 0);  // null: q projected directly
  EXPECT_EQ(s.moe.router, RouterFunction::Softmax);
  EXPECT_EQ(s.moe.groups, 1);  // topk_method greedy
  EXPECT_FALSE(s.moe.normalize_top_k);
  EXPECT_EQ(s.moe.shared_intermediate, 2 * 1408);
  EXPECT_FALSE(s.is_moe_layer(0));
  Ledger l = compute_ledger(s);
  EXPECT_NEAR(l.params_total / 1e9, 15.7, 0.05);  // published: 15.7B
  EXPECT_EQ(l.kv_cache_bytes_per_token, 27LL * (512 + 64) * 2);
}

TEST(HfConfigReal, ImportsAgreeWithPresets) {
  const std::pair<const char*, const char*> pairs[] = {
      {"Mistral-7B-v0.1", "mistral-7b"}, {"Qwen1.5-MoE-A2.7B", "qwen-moe"},
      {"switch-base-8", "switch-base-8"}, {"DeepSeek-V3", "deepseek-v3"}};
  for (auto [config, preset] : pairs) {
    Ledger a = compute_ledger(import_hf_config(kConfigs + "/" + config));
    Ledger b = compute_ledger(find_preset(preset)->full);
    EXPECT_EQ(a.params_total, b.params_total) << config;
    EXPECT_EQ(a.params_active, b.params_active) << config;
    EXPECT_EQ(a.kv_cache_bytes_per_token, b.kv_cache_bytes_per_token) << config;
  }
}

TEST(HfConfigErrors, TruncatedJson) {
  std::string truncated = std::string(kLlama).substr(0, 60);
  expect_error(truncated, {"not valid JSON"});
}

TEST(HfConfigErrors, NotAnObject) { expect_error("[1, 2, 3]", {"JSON object"}); }

TEST(HfConfigErrors, MissingModelType) {
  expect_error(R"({"hidden_size": 32})", {"'model_type'", "missing"});
}

TEST(HfConfigErrors, UnknownModelType) {
  expect_error(R"({"model_type": "bloom"})", {"'model_type'", "bloom", "supported"});
}

TEST(HfConfigErrors, MissingField) {
  expect_error(R"({"model_type": "llama", "vocab_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "intermediate_size": 64})",
               {"'hidden_size'", "expected a positive integer", "missing"});
}

TEST(HfConfigErrors, WrongTypeString) {
  expect_error(llama_with("hidden_size", "\"32\""), {"'hidden_size'", "positive integer", "\"32\""});
}

TEST(HfConfigErrors, WrongTypeForNestedObject) {
  expect_error(llama_with("rope_parameters", "\"fast\""), {"'rope_parameters'", "an object"});
  expect_error(llama_with("rope_parameters", R"({"rope_theta": "big"})"),
               {"'rope_parameters.rope_theta'", "number"});
}

TEST(HfConfigErrors, ZeroSize) {
  expect_error(llama_with("num_hidden_layers", "0"), {"'num_hidden_layers'", "positive", "found 0"});
}

TEST(HfConfigErrors, NegativeSize) {
  expect_error(llama_with("intermediate_size", "-64"), {"'intermediate_size'", "found -64"});
}

TEST(HfConfigErrors, FractionalSize) {
  expect_error(llama_with("num_hidden_layers", "2.5"), {"'num_hidden_layers'", "found 2.5"});
}

TEST(HfConfigErrors, HeadsNotDividingWidth) {
  expect_error(R"({"model_type": "bert", "vocab_size": 100, "hidden_size": 30,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64})",
               {"'num_attention_heads'", "does not divide hidden_size 30"});
}

TEST(HfConfigErrors, KvHeadsNotDividingHeads) {
  expect_error(llama_with("num_key_value_heads", "3"), {"kv_heads", "heads = 4", "divisible"});
}

TEST(HfConfigErrors, TopKAboveExperts) {
  expect_error(R"({"model_type": "mixtral", "vocab_size": 128, "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
    "num_local_experts": 4, "num_experts_per_tok": 6})",
               {"moe.top_k = 6", "at most moe.experts (4)"});
}

TEST(HfConfigErrors, TopGroupsAboveGroups) {
  std::string deepseek = R"({"model_type": "deepseek_v3", "vocab_size": 128, "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
    "kv_lora_rank": 16, "q_lora_rank": 24, "qk_nope_head_dim": 4, "qk_rope_head_dim": 4,
    "v_head_dim": 8, "n_routed_experts": 8, "num_experts_per_tok": 2,
    "moe_intermediate_size": 16, "n_group": 4, "topk_group": 5})";
  expect_error(deepseek, {"moe.top_groups = 5"});
}

TEST(HfConfigErrors, NullRequiredField) {
  expect_error(R"({"model_type": "llama", "vocab_size": null, "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64})",
               {"'vocab_size'", "found null"});
}

TEST(HfConfigErrors, UnsupportedActivation) {
  expect_error(llama_with("hidden_act", "\"tanh\""), {"'hidden_act'", "silu"});
}

TEST(HfConfigErrors, WrongBooleanType) {
  expect_error(llama_with("tie_word_embeddings", "\"yes\""), {"'tie_word_embeddings'", "true or false"});
}

TEST(HfConfigErrors, MissingFile) {
  try {
    import_hf_config("/nonexistent/model");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model: no such file"), std::string::npos) << e.what();
  }
}

TEST(HfConfigFuzz, EveryTruncationOfEveryFixtureConfigIsAClearError) {
  for (const char* name : {"bert", "gpt2", "llama_gqa", "mistral_swa", "mixtral", "qwen2_moe",
                           "deepseek_v3", "t5", "switch"}) {
    std::ifstream in(kFixtures + "/" + name + "/config.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t cut = 0; cut + 1 < text.size(); ++cut) {
      std::string e = error_of(text.substr(0, cut));
      EXPECT_NE(e.find("bad/config.json"), std::string::npos) << name << " cut at " << cut;
    }
  }
}

TEST(HfConfigFuzz, EveryFieldReplacedByAWrongTypeIsAnErrorOrHarmless) {
  // Each top-level key of each fixture config, in turn, set to a string, a
  // negative number, null, an array and an object: import either succeeds
  // (an ignored or defaulted key) or throws an InputError naming the file.
  for (const char* name : {"llama_gqa", "mixtral", "qwen2_moe", "deepseek_v3", "switch", "bert"}) {
    std::ifstream in(kFixtures + "/" + name + "/config.json");
    nlohmann::json original = nlohmann::json::parse(in);
    for (const auto& item : original.items()) {
      for (const nlohmann::json& bad : {nlohmann::json("x"), nlohmann::json(-3), nlohmann::json(nullptr),
                                        nlohmann::json::array({1}), nlohmann::json::object()}) {
        nlohmann::json j = original;
        j[item.key()] = bad;
        try {
          import_hf_config(j, "bad/config.json");
        } catch (const InputError& e) {
          EXPECT_NE(std::string(e.what()).find("bad/config.json"), std::string::npos) << e.what();
        }
      }
    }
  }
}
