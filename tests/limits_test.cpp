// The bounds of limits.h: every size beyond them is refused with the field,
// the bound and the value, before anything loops over layers or experts; and
// at the bounds themselves no count the ledger derives can overflow.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/errors.h"
#include "engine/model/hf_config.h"
#include "engine/model/ledger.h"
#include "engine/model/limits.h"
#include "engine/model/presets.h"
#include "engine/safe_int.h"

using namespace archscope;

namespace {

constexpr int kIntMax = 2147483647;

std::string import_error(const std::string& text) {
  try {
    import_hf_config_text(text, "big/config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string llama_with(const std::string& key, const std::string& value) {
  return R"({"model_type": "llama", "vocab_size": 128, "hidden_size": 32, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 64, ")" +
         key + "\": " + value + "}";
}

// Every size of a spec at its bound in limits.h: the largest model accepted.
ModelSpec largest_accepted(Family family) {
  using namespace limits;
  ModelSpec s = find_preset(family == Family::EncoderDecoder ? "switch-base-8" : "deepseek-v3")->full;
  s.vocab_size = kVocab;
  s.d_model = kWidth;
  s.layers = kLayers;
  s.decoder_layers = family == Family::EncoderDecoder ? kLayers : 0;
  s.heads = s.kv_heads = kHeads;
  s.head_dim = kHeadDim;
  s.d_ff = kFfnWidth;
  s.max_positions = kPositions;
  s.type_vocab_size = kTokenTypes;
  s.lora = {static_cast<int>(kLoraRank), 0x7f};
  if (s.attention == AttentionKind::MLA) s.mla = {kWidth, kWidth, kHeadDim, kHeadDim, kHeadDim};
  s.moe.experts = kExperts;
  s.moe.top_k = kExperts;
  s.moe.groups = s.moe.top_groups = 1;
  s.moe.expert_intermediate = kFfnWidth;
  s.moe.shared_experts = kSharedExperts;
  s.moe.shared_intermediate = kSharedWidth;
  s.moe.first_dense = 0;
  s.moe.layer_step = 1;
  s.moe.step_remainder = 0;
  return s;
}

}  // namespace

// Class 2: sizes up to 2^31-1 were accepted, then multiplied into negative numbers.
TEST(Limits, HeadDimNearIntMaxIsRefusedWithFieldBoundAndValue) {
  const std::string e = import_error(llama_with("head_dim", "2147483646"));
  EXPECT_NE(e.find("big/config.json: key 'head_dim': expected a positive integer up to 2,048, found 2147483646"),
            std::string::npos)
      << e;
}

TEST(Limits, EveryGpt2SizeAtIntMaxIsRefused) {
  const std::string big = std::to_string(kIntMax);
  for (const char* key : {"n_embd", "n_layer", "n_head", "n_inner", "n_positions", "vocab_size"}) {
    std::string config = R"({"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4})";
    config.pop_back();
    config += std::string(", \"") + key + "\": " + big + "}";
    // A duplicate key keeps the last value, so the oversized one is what is read.
    const std::string e = import_error(config);
    EXPECT_NE(e.find(std::string("key '") + key + "': expected a positive integer up to"), std::string::npos)
        << key << ": " << e;
    EXPECT_NE(e.find(big), std::string::npos) << e;
  }
}

TEST(Limits, SpecBeyondBoundsNeverReachesTheLedger) {
  ModelSpec s = find_preset("gpt2")->full;
  s.head_dim = kIntMax - 1;
  s.d_model = kIntMax;
  try {
    compute_ledger(s);
    FAIL() << "a ledger was computed";
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("head_dim = 2147483646: must be at most 2,048"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("d_model = 2147483647: must be at most 65,536"), std::string::npos)
        << e.what();
  }
}

TEST(Limits, ContextBeyondTheBoundIsRefused) {
  const ModelSpec& s = find_preset("llama3-8b")->full;
  EXPECT_THROW(compute_ledger(s, DType::BF16, 1'000'000'000'000'000'000LL), InputError);
  EXPECT_NO_THROW(compute_ledger(s, DType::BF16, limits::kPositions));
}

TEST(Limits, LargestAcceptedModelsCountWithoutOverflow) {
  for (Family family : {Family::DecoderOnly, Family::EncoderDecoder}) {
    const ModelSpec s = largest_accepted(family);
    ASSERT_TRUE(validate(s).empty()) << validate(s).front();
    Ledger l = compute_ledger(s, DType::FP32, limits::kPositions);
    EXPECT_GT(l.params_total, 0);
    EXPECT_GT(l.params_active, 0);
    EXPECT_GT(l.lora_trainable, 0);
    EXPECT_GT(l.weights_bytes, l.params_total);
    EXPECT_GT(l.kv_cache_bytes_per_token, 0);
    EXPECT_GT(l.flops_attention, 0);
    EXPECT_GT(l.flops_per_token, l.flops_matmul);
  }
}

TEST(Limits, SafeIntThrowsInsteadOfWrapping) {
  const SafeInt big = int64_t{1} << 62;
  EXPECT_THROW(big * 2, InputError);
  EXPECT_THROW(big + big, InputError);
  EXPECT_EQ((big + 1).get(), (int64_t{1} << 62) + 1);
}

// Class 3: 2^31-1 layers made `info` and `run` loop for minutes.
TEST(Limits, AbsurdLayerCountIsRefusedBeforeAnyLoop) {
  const std::string e = import_error(llama_with("num_hidden_layers", std::to_string(kIntMax)));
  EXPECT_NE(e.find("key 'num_hidden_layers': expected a positive integer up to 1,024, found 2147483647"),
            std::string::npos)
      << e;
  ModelSpec s = find_preset("qwen-moe")->full;
  s.layers = kIntMax;
  s.moe.dense_layers.assign(100000, 1);
  const auto problems = validate(s);  // would scan 100,000 entries for each of 2^31 layers
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.size(), 2u);
}

TEST(Limits, AbsurdExpertCountIsRefused) {
  const std::string config = R"({"model_type": "mixtral", "vocab_size": 128, "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
    "num_local_experts": 2147483647, "num_experts_per_tok": 2})";
  EXPECT_NE(import_error(config).find("key 'num_local_experts': expected a positive integer up to 4,096"),
            std::string::npos);
}

TEST(Limits, TableIsQuotedByTheReadme) {
  std::ifstream in(std::string(ARCHSCOPE_SOURCE) + "/README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(readme.find(limit_table_markdown()), std::string::npos)
      << "README.md must quote the table of limits.h exactly:\n"
      << limit_table_markdown();
}

// Found by reasoning about the fuzz targets, confirmed by UBSan: with two
// buckets the encoder's exact range is empty and the bucket index was 0/0.
TEST(Limits, RelativeBucketsWithoutAnExactRangeAreRefused) {
  const std::string t5 = R"({"model_type": "t5", "vocab_size": 32, "d_model": 8, "d_kv": 4, "d_ff": 8,
    "num_layers": 1, "num_heads": 2, "relative_attention_max_distance": 16, "relative_attention_num_buckets": )";
  EXPECT_NE(import_error(t5 + "2}").find("buckets.num_buckets = 2: must be at least 4"), std::string::npos);
  EXPECT_NE(import_error(t5 + "8, \"relative_attention_max_distance\": 4}").find("buckets.max_distance = 4"),
            std::string::npos);
  EXPECT_EQ(import_error(t5 + "8}"), "");
}
