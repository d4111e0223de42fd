// The ledger against published figures (architecture-facts §3).
#include <gtest/gtest.h>

#include "engine/errors.h"
#include "engine/model/ledger.h"
#include "engine/model/presets.h"

using namespace archscope;

namespace {

Ledger ledger_of(const std::string& preset, DType dtype = DType::BF16, int64_t context = 0) {
  const Preset* p = find_preset(preset);
  EXPECT_NE(p, nullptr) << preset;
  return compute_ledger(p->full, dtype, context);
}

}  // namespace

TEST(Ledger, Gpt2SmallMatchesHuggingFaceCount) {
  EXPECT_EQ(ledger_of("gpt2").params_total, 124439808);
}

TEST(Ledger, BertBaseMatchesPublishedBertModelCount) {
  Ledger l = ledger_of("bert");
  EXPECT_EQ(l.params_total, 109482240);
  bool saw_mlm = false;
  for (const auto& line : l.lines)
    if (line.component == "mlm_head") {
      saw_mlm = true;
      EXPECT_FALSE(line.in_total);
      EXPECT_EQ(line.total, 768 * 768 + 768 + 2 * 768 + 30522);
    }
  EXPECT_TRUE(saw_mlm);
}

TEST(Ledger, Llama2And3) {
  EXPECT_EQ(ledger_of("llama2-7b").params_total, 6738415616);
  EXPECT_EQ(ledger_of("llama2-7b").params_active, 6738415616);
  EXPECT_EQ(ledger_of("llama3-8b").params_total, 8030261248);
}

TEST(Ledger, MixtralTotalAndActive) {
  Ledger l = ledger_of("mixtral");
  EXPECT_EQ(l.params_total, 46702792704);
  EXPECT_EQ(l.params_active, 12879925248);
}

TEST(Ledger, DeepSeekV3TotalAndActive) {
  Ledger l = ledger_of("deepseek-v3");
  EXPECT_EQ(l.params_total, 671026419200);
  EXPECT_NEAR(static_cast<double>(l.params_active), 37.55e9, 0.05e9);
}

TEST(Ledger, T5BaseAndFalcon) {
  EXPECT_EQ(ledger_of("t5-base").params_total, 222903552);
  EXPECT_EQ(ledger_of("falcon-7b").params_total, 6921720704);
}

TEST(Ledger, KvCacheBytesPerTokenBf16) {
  EXPECT_EQ(ledger_of("llama2-7b").kv_cache_bytes_per_token, 524288);
  EXPECT_EQ(ledger_of("llama3-8b").kv_cache_bytes_per_token, 131072);
  EXPECT_EQ(ledger_of("mixtral").kv_cache_bytes_per_token, 131072);
  EXPECT_EQ(ledger_of("deepseek-v3").kv_cache_bytes_per_token, 70272);
  EXPECT_EQ(ledger_of("falcon-7b").kv_cache_bytes_per_token, 2 * 32 * 1 * 64 * 2);
  EXPECT_EQ(ledger_of("bert").kv_cache_bytes_per_token, 0);
}

TEST(Ledger, KvCacheScalesWithDtype) {
  EXPECT_EQ(ledger_of("llama2-7b", DType::FP32).kv_cache_bytes_per_token, 2 * 524288);
  EXPECT_EQ(ledger_of("llama2-7b", DType::FP8).kv_cache_bytes_per_token, 524288 / 2);
}

TEST(Ledger, FlopsPerTokenMatchTheWorkedTable) {
  // architecture-facts §3: Llama-2-7B at 4k = 13.2 + 2.15 GFLOP; Llama-3-8B at 8k = 15.0 + 4.29.
  Ledger l2 = ledger_of("llama2-7b", DType::BF16, 4096);
  EXPECT_NEAR(l2.flops_matmul / 1e9, 13.2, 0.05);
  EXPECT_EQ(l2.flops_attention, 2LL * 32 * 32 * 256 * 4096);
  Ledger l3 = ledger_of("llama3-8b", DType::BF16, 8192);
  EXPECT_NEAR(l3.flops_matmul / 1e9, 15.0, 0.05);
  EXPECT_NEAR(l3.flops_attention / 1e9, 4.29, 0.01);
  Ledger mx = ledger_of("mixtral", DType::BF16, 8192);
  EXPECT_NEAR(mx.flops_per_token / 1e9, 29.8, 0.1);
  Ledger ds = ledger_of("deepseek-v3", DType::BF16, 8192);
  EXPECT_NEAR(ds.flops_matmul / 1e9, 73.3, 0.5);
  EXPECT_NEAR(ds.flops_attention / 1e9, 40.9, 0.1);
}

TEST(Ledger, SlidingWindowCapsAttentionContext) {
  Ledger l = ledger_of("mistral-7b", DType::BF16, 32768);
  EXPECT_EQ(l.attention_context, 4096);
}

TEST(Ledger, GqaShrinksOnlyKeyValueProjections) {
  ModelSpec mha = find_preset("llama2-7b")->full;
  ModelSpec gqa = mha;
  gqa.kv_heads = 8;
  gqa.attention = AttentionKind::GQA;
  Ledger a = compute_ledger(mha), b = compute_ledger(gqa);
  EXPECT_EQ(a.params_total - b.params_total, 32LL * 2 * 4096 * (4096 - 1024));
  EXPECT_EQ(a.flops_attention, b.flops_attention);
}

TEST(Ledger, LoraCountsRankTimesInPlusOut) {
  ModelSpec s = find_preset("llama2-7b")->full;
  s.lora.rank = 8;
  s.lora.targets = kLoraQ | kLoraV;
  EXPECT_EQ(compute_ledger(s).lora_trainable, 32LL * 2 * 8 * (4096 + 4096));
  s.lora.targets = kLoraQ | kLoraK | kLoraV | kLoraO | kLoraGate | kLoraUp | kLoraDown;
  EXPECT_EQ(compute_ledger(s).lora_trainable,
            32LL * 8 * (4 * (4096 + 4096) + 3 * (4096 + 11008)));
}

TEST(Ledger, ActiveEqualsTotalForDenseModels) {
  for (const auto& p : presets()) {
    if (p.full.is_moe()) continue;
    Ledger l = compute_ledger(p.full);
    EXPECT_EQ(l.params_total, l.params_active) << p.name;
  }
}

TEST(Ledger, ParseDtypeRejectsUnknown) {
  EXPECT_EQ(parse_dtype("fp8"), DType::FP8);
  EXPECT_THROW(parse_dtype("int4"), InputError);
}

// ---- Context, encoder-decoders and the FLOP convention (issue 8, item 14) ----

TEST(Ledger, DefaultContextIsAtMostThePositionTable) {
  Ledger gpt2 = ledger_of("gpt2");
  EXPECT_EQ(gpt2.context, 1024);
  EXPECT_NE(gpt2.context_note.find("1024-position table"), std::string::npos) << gpt2.context_note;
  EXPECT_EQ(ledger_of("bert").context, 512);
  EXPECT_EQ(ledger_of("llama2-7b").context, 4096);
  EXPECT_EQ(ledger_of("mixtral").context, 4096);
  EXPECT_EQ(ledger_of("llama2-7b", DType::BF16, 2048).context_note, "given");
}

TEST(Ledger, ContextPastALearnedPositionTableIsRefused) {
  try {
    ledger_of("gpt2", DType::BF16, 2048);
    FAIL() << "GPT-2 accepted a context of 2048";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("learned table of 1024 positions"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ledger_of("llama2-7b", DType::BF16, 16384).context, 16384);  // RoPE: allowed
}

// T5-base: 12 decoder layers, 12 heads of 64. Per source + target token pair,
// the decoder's self-attention K/V and the cross-attention K/V of the source.
TEST(Ledger, EncoderDecoderKvCacheIncludesCrossAttention) {
  Ledger l = ledger_of("t5-base");
  EXPECT_EQ(l.kv_cache_self_bytes, 2 * 12 * 12 * 64 * 2);
  EXPECT_EQ(l.kv_cache_cross_bytes, 2 * 12 * 12 * 64 * 2);
  EXPECT_EQ(l.kv_cache_bytes_per_token, 2 * (2 * 12 * 12 * 64 * 2));
  EXPECT_NE(l.per_token.find("one source token through the encoder plus one target token"),
            std::string::npos) << l.per_token;
  EXPECT_EQ(ledger_of("llama2-7b").per_token, "one token");
}

TEST(Ledger, FlopConventionIsNamed) {
  Ledger l = ledger_of("llama2-7b");
  EXPECT_NE(l.flops_convention.find("PaLM"), std::string::npos) << l.flops_convention;
  EXPECT_NE(l.flops_convention.find("2 per multiply-add"), std::string::npos) << l.flops_convention;
}
