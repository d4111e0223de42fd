// The memory estimate of a run: the trace it keeps (every attention map grows
// with T^2 per layer and head), the weights and the working set; a run beyond
// the memory available is refused with the numbers.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/model/presets.h"
#include "engine/model/run_memory.h"

using namespace archscope;

TEST(RunMemory, AttentionMapsGrowWithTheSquareOfTheTokens) {
  const ModelSpec& s = find_preset("llama3-8b")->classroom;
  const TraceRequest all = TraceRequest::everything();
  const RunMemory small = estimate_run_memory(s, 1000, 0, all), large = estimate_run_memory(s, 8192, 0, all);
  EXPECT_NEAR(small.attention_maps, 4.0 * s.layers * s.heads * 1000 * 1000, 1e5);
  EXPECT_NEAR(large.attention_maps, 4.0 * s.layers * s.heads * 8192.0 * 8192.0, 1e5);
  EXPECT_DOUBLE_EQ(small.weights, static_cast<double>(weight_bytes_f32(s)));
  EXPECT_GT(large.total(), 8e9);  // 8,192 ids kept 8.4 GB of maps
}

TEST(RunMemory, ASummaryKeepsNoMaps) {
  const ModelSpec& s = find_preset("llama3-8b")->classroom;
  const RunMemory m = estimate_run_memory(s, 60000, 0, TraceRequest::summary());
  EXPECT_EQ(m.attention_maps, 0);
  EXPECT_LT(m.total(), 1e9);
}

TEST(RunMemory, EncoderDecoderCountsCrossAttentionAndTheRelativeBias) {
  const ModelSpec& s = find_preset("t5-base")->classroom;
  const RunMemory m = estimate_run_memory(s, 100, 10, TraceRequest::everything());
  const double maps = 4.0 * s.heads * (s.layers * 100.0 * 100 + s.decoder_layers * (10.0 * 10 + 10.0 * 100));
  EXPECT_NEAR(m.attention_maps, maps, 1e4);
  EXPECT_GE(m.working, 4.0 * s.heads * 100 * 100);
}

TEST(RunMemory, RefusedBeyondTheBudgetWithTheNumbers) {
  const ModelSpec& s = find_preset("llama3-8b")->classroom;
  const RunMemory m = estimate_run_memory(s, 60000, 0, TraceRequest::everything());
  try {
    check_run_fits(s, 60000, 0, m, uint64_t{16} << 30);
    FAIL() << "not refused";
  } catch (const ResourceError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("a run of 60,000 tokens needs about"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(4 layers x 8 heads x 60,000 x 60,000 floats)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16.0 GiB of memory is available; refused before allocating. Run fewer tokens, or keep "
                       "fewer attention maps"),
              std::string::npos)
        << msg;
  }
  EXPECT_NO_THROW(check_run_fits(s, 16, 0, estimate_run_memory(s, 16, 0, TraceRequest::everything()),
                                 uint64_t{16} << 30));
  EXPECT_NO_THROW(check_run_fits(s, 60000, 0, m, 0));  // unknown memory: nothing refused
}

TEST(RunMemory, TokensAtTheBoundDoNotOverflow) {
  ModelSpec s = find_preset("gshard")->full;  // 1,024 layers of 1,024 heads: maps of 2^70 bytes
  s.layers = s.decoder_layers = 1024;
  s.heads = s.kv_heads = 1024;
  s.d_model = 65536;
  const RunMemory m = estimate_run_memory(s, 1 << 24, 1 << 24, TraceRequest::everything());
  EXPECT_GT(m.trace, 9e18);  // saturated at 2^63, not wrapped
  EXPECT_TRUE(std::isfinite(m.total()));
  EXPECT_GT(m.working, 1e13);  // q, k, v and the FFN of 16M tokens
}
