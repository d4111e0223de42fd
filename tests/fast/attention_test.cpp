// Both attention kernels against the reference over every mask kind, GQA
// ratios 1, 4, 8 and all heads, T5 bias, key padding (down to queries that see
// nothing), MLA's unequal head widths, and query/key counts that are 1, odd,
// or span several blocks: probabilities within 1e-4, outputs within 1e-3.
#include <gtest/gtest.h>

#include "engine/backends/fast/attention.h"
#include "tests/fast/compare.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;
using archscope::testing::near_absolute;
using archscope::testing::near_relative;
using archscope::testing::random_tensor;

struct AttentionCase {
  std::string name;
  int Tq, Tk, H, KV, Dqk, Dv;
  AttentionMask mask;
  bool bias = false;
  float scale = 0;  // 0: 1/sqrt(Dqk)
};

void PrintTo(const AttentionCase& c, std::ostream* os) { *os << c.name; }

AttentionMask masked(MaskKind kind, int prefix = 0, int window = 0, int chunk = 0) {
  AttentionMask m;
  m.kind = kind;
  m.prefix_length = prefix;
  m.window = window;
  m.chunk_size = chunk;
  return m;
}

AttentionMask padded(AttentionMask m, int Tk, int every) {
  m.key_valid.assign(Tk, 1);
  for (int j = 0; j < Tk; j += every) m.key_valid[j] = 0;  // key 0 padded: causal query 0 sees nothing
  return m;
}

std::vector<AttentionCase> cases() {
  const AttentionMask causal = masked(MaskKind::Causal);
  return {
      {"single_token", 1, 1, 1, 1, 8, 8, causal},
      {"causal_T5_H2", 5, 5, 2, 2, 8, 8, causal},
      {"causal_T65_gqa4", 65, 65, 8, 2, 16, 16, causal},
      {"causal_T130_gqa8", 130, 130, 8, 1, 32, 32, causal},
      {"causal_T300_mqa", 300, 300, 4, 1, 64, 64, causal},
      {"bidirectional_T70", 70, 70, 3, 3, 24, 24, masked(MaskKind::Bidirectional)},
      {"prefix7_T40", 40, 40, 2, 1, 16, 16, masked(MaskKind::Prefix, 7)},
      {"prefix_all_T9", 9, 9, 2, 2, 8, 8, masked(MaskKind::Prefix, 50)},
      {"window4_T100", 100, 100, 4, 2, 16, 16, masked(MaskKind::SlidingWindow, 0, 4)},
      {"window1_T20", 20, 20, 2, 2, 8, 8, masked(MaskKind::SlidingWindow, 0, 1)},
      {"window70_T270", 270, 270, 2, 1, 16, 16, masked(MaskKind::SlidingWindow, 0, 70)},
      {"chunk16_T90", 90, 90, 2, 2, 16, 16, masked(MaskKind::Chunked, 0, 0, 16)},
      {"cross_Tq7_Tk19", 7, 19, 4, 4, 16, 16, AttentionMask::cross_attention()},
      {"cross_padded_Tq3_Tk300", 3, 300, 2, 2, 8, 8, padded(AttentionMask::cross_attention(), 300, 3)},
      {"causal_padded_T33", 33, 33, 2, 1, 8, 8, padded(causal, 33, 4)},
      {"bidirectional_all_padded", 6, 6, 2, 2, 8, 8, padded(masked(MaskKind::Bidirectional), 6, 1)},
      {"t5_bias_bidirectional_T40", 40, 40, 4, 4, 16, 16, masked(MaskKind::Bidirectional), true, 1.0f},
      {"t5_bias_causal_T70", 70, 70, 2, 2, 8, 8, causal, true, 1.0f},
      {"mla_Dqk24_Dv16_T30", 30, 30, 4, 4, 24, 16, causal},
      {"sharp_scores_T50", 50, 50, 2, 2, 32, 32, causal, false, 2.0f},
  };
}

class Attention : public ::testing::TestWithParam<AttentionCase> {
 protected:
  void SetUp() override {
    const AttentionCase& c = GetParam();
    q = random_tensor({c.Tq, c.H, c.Dqk}, 41);
    k = random_tensor({c.Tk, c.KV, c.Dqk}, 42);
    v = random_tensor({c.Tk, c.KV, c.Dv}, 43);
    bias = random_tensor({c.H, c.Tq, c.Tk}, 44, 2.0f);
    p.q = q.data.data();
    p.k = k.data.data();
    p.v = v.data.data();
    p.bias = c.bias ? bias.data.data() : nullptr;
    p.mask = &c.mask;
    p.scale = c.scale != 0 ? c.scale : 1.0f / std::sqrt(static_cast<float>(c.Dqk));
    p.Tq = c.Tq, p.Tk = c.Tk, p.H = c.H, p.KV = c.KV, p.Dqk = c.Dqk, p.Dv = c.Dv;
    want = oracle::attention(q, k, v, c.bias ? &bias : nullptr, c.mask, p.scale);
  }
  Tensor q, k, v, bias;
  fast::AttentionProblem p;
  oracle::Attention want;
};

TEST_P(Attention, WithProbabilitiesMatchesReference) {
  for (int threads : {1, 3}) {
    fast::ThreadPool pool(threads);
    // Garbage in the outputs: the kernel must write every element.
    std::vector<float> out(want.out.numel(), 99.0f), probs(want.probs.numel(), 99.0f);
    fast::attention_with_probs(pool, p, out.data(), probs.data());
    EXPECT_TRUE(near_absolute(probs, want.probs, 1e-4)) << threads << " threads";
    EXPECT_TRUE(near_relative(out, want.out, 1e-3)) << threads << " threads";
  }
}

TEST_P(Attention, FusedMatchesReference) {
  for (int threads : {1, 3}) {
    fast::ThreadPool pool(threads);
    std::vector<float> out(want.out.numel(), 99.0f);
    fast::attention_fused(pool, p, out.data());
    EXPECT_TRUE(near_relative(out, want.out, 1e-3)) << threads << " threads";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Attention, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(AttentionProblem, RefusesMalformedSizes) {
  fast::ThreadPool pool(1);
  const AttentionMask mask = AttentionMask::bidirectional();
  std::vector<float> buf(64);
  fast::AttentionProblem p{buf.data(), buf.data(), buf.data(), nullptr, &mask, 1.0f, 2, 2, 3, 2, 4, 4};
  EXPECT_THROW(fast::attention_fused(pool, p, buf.data()), std::invalid_argument);  // 3 heads over 2 KV heads
  p.KV = 1;
  p.mask = nullptr;
  EXPECT_THROW(fast::attention_with_probs(pool, p, buf.data(), buf.data()), std::invalid_argument);
}

}  // namespace
