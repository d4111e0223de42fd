// ModelSpec validation and the preset table.
#include <gtest/gtest.h>

#include "engine/errors.h"
#include "engine/model/presets.h"

using namespace archscope;

TEST(Presets, TableHasEveryMissionArchitecture) {
  for (const char* name : {"bert", "gpt2", "llama2-7b", "llama3-8b", "mistral-7b", "falcon-7b",
                           "t5-base", "prefix-lm", "mixtral", "switch-base-8", "gshard",
                           "deepseek-v3", "qwen-moe"})
    EXPECT_NE(find_preset(name), nullptr) << name;
}

TEST(Presets, EveryPresetAndClassroomSizeIsValid) {
  for (const auto& p : presets()) {
    EXPECT_TRUE(validate(p.full).empty()) << p.name << ": " << validate(p.full).front();
    EXPECT_TRUE(validate(p.classroom).empty()) << p.name << " (classroom): " << validate(p.classroom).front();
  }
}

TEST(Presets, ClassroomKeepsTheStructure) {
  for (const auto& p : presets()) {
    const ModelSpec& f = p.full;
    const ModelSpec& c = p.classroom;
    EXPECT_EQ(f.family, c.family) << p.name;
    EXPECT_EQ(f.attention, c.attention) << p.name;
    EXPECT_EQ(f.mask.kind, c.mask.kind) << p.name;
    EXPECT_EQ(f.ffn, c.ffn) << p.name;
    EXPECT_EQ(f.norm, c.norm) << p.name;
    // GShard's 2048 experts are 32 in the classroom, where 2048 would leave
    // a sentence's capacity at 1 for every factor (presets.h).
    EXPECT_EQ(p.name == "gshard" ? 32 : f.moe.experts, c.moe.experts) << p.name;
    EXPECT_EQ(f.moe.top_k, c.moe.top_k) << p.name;
    EXPECT_EQ(f.moe.groups, c.moe.groups) << p.name;
    EXPECT_EQ(f.moe.top_groups, c.moe.top_groups) << p.name;
    EXPECT_EQ(f.moe.router, c.moe.router) << p.name;
    if (f.attention == AttentionKind::GQA) {
      EXPECT_EQ(f.heads / f.kv_heads, c.heads / c.kv_heads) << p.name;
    }
    EXPECT_LE(c.d_model, 64) << p.name;
  }
}

TEST(Presets, DefaultIsASmallMoeDecoder) {
  const Preset& p = default_preset();
  EXPECT_TRUE(p.classroom.is_moe());
  EXPECT_EQ(p.classroom.family, Family::DecoderOnly);
}

namespace {
ModelSpec valid() { return find_preset("mixtral")->classroom; }

std::string problems_of(const ModelSpec& s) {
  std::string all;
  for (const auto& p : validate(s)) all += p + "\n";
  return all;
}
}  // namespace

TEST(Validate, HeadsMustDivideWidth) {
  ModelSpec s = find_preset("gpt2")->classroom;
  s.heads = 7;
  s.kv_heads = 7;
  EXPECT_NE(problems_of(s).find("d_model = 64: must be divisible by heads (7)"), std::string::npos)
      << problems_of(s);
}

TEST(Validate, KvHeadsMustDivideHeads) {
  ModelSpec s = valid();
  s.kv_heads = 3;
  EXPECT_NE(problems_of(s).find("heads = 8: must be divisible by kv_heads (3)"), std::string::npos)
      << problems_of(s);
}

TEST(Validate, TopKAtMostExperts) {
  ModelSpec s = valid();
  s.moe.top_k = 9;
  EXPECT_NE(problems_of(s).find("moe.top_k = 9: must be at most moe.experts (8)"), std::string::npos)
      << problems_of(s);
}

TEST(Validate, GroupsRules) {
  ModelSpec s = find_preset("deepseek-v3")->classroom;
  s.moe.top_groups = 9;
  EXPECT_NE(problems_of(s).find("moe.top_groups = 9"), std::string::npos) << problems_of(s);
  s = find_preset("deepseek-v3")->classroom;
  s.moe.groups = 7;
  EXPECT_NE(problems_of(s).find("moe.experts = 256: must be divisible by moe.groups (7)"),
            std::string::npos)
      << problems_of(s);
}

TEST(Validate, ZeroAndNegativeSizes) {
  ModelSpec s = valid();
  s.d_model = 0;
  s.layers = -2;
  std::string p = problems_of(s);
  EXPECT_NE(p.find("d_model = 0: must be a positive integer"), std::string::npos) << p;
  EXPECT_NE(p.find("layers = -2: must be a positive integer"), std::string::npos) << p;
}

TEST(Validate, ReportsEveryProblemAtOnce) {
  ModelSpec s = valid();
  s.vocab_size = 0;
  s.moe.top_k = 0;
  s.mask = {MaskKind::SlidingWindow, 0, 0, true, 0};
  EXPECT_GE(validate(s).size(), 3u);
  EXPECT_THROW(validate_or_throw(s, "test"), SpecError);
}

TEST(Validate, CapacityNeedsAPositiveFactor) {
  ModelSpec s = valid();
  s.moe.capacity_mode = CapacityMode::Factor;
  s.moe.capacity_factor = 0;
  EXPECT_NE(problems_of(s).find("moe.capacity_factor = 0"), std::string::npos);
}

TEST(Validate, MoeLayerPatterns) {
  ModelSpec s = find_preset("deepseek-v3")->full;
  EXPECT_FALSE(s.is_moe_layer(2));
  EXPECT_TRUE(s.is_moe_layer(3));
  ModelSpec sw = find_preset("switch-base-8")->full;
  EXPECT_FALSE(sw.is_moe_layer(0));
  EXPECT_TRUE(sw.is_moe_layer(1));
  EXPECT_FALSE(sw.is_moe_layer(2));
}
