// What a run keeps: the fused attention form changes no number, focused maps
// are the full maps, thumbnails are their block maxima, estimates bound what
// is downloaded, and a budget picks the fullest request that fits.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "engine/io/random_weights.h"
#include "engine/io/trace_export.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"

using namespace archscope;

namespace {

std::shared_ptr<const Trace> run(const ModelSpec& s, int tokens, const TraceRequest& request) {
  static std::map<std::string, ModelWeights> cache;
  if (!cache.count(s.name)) cache.emplace(s.name, make_random_weights(s));
  auto backend = make_reference_backend();
  ForwardInputs in;
  for (int t = 0; t < tokens; ++t) in.input_ids.push_back(5 + (t * 37) % 90);
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 12, 86};
  return forward(s, cache.at(s.name), *backend, in, request);
}

// What the run brought to the host: every tensor and per-token vector.
int64_t downloaded_bytes(const Trace& t) {
  int64_t bytes = t.logits.numel() * 4;
  for (const StackTrace* st : {&t.encoder, &t.decoder}) {
    for (const Tensor& h : st->hidden) bytes += h.numel() * 4;
    for (const auto* list : {&st->self_attention, &st->cross_attention})
      for (const AttentionRecord& a : *list) bytes += (a.probs.numel() + a.thumbnail.numel()) * 4;
    for (const MoeRecord& m : st->moe) {
      const Routing& r = m.routing;
      bytes += (r.logits.numel() + r.scores.numel()) * 4;
      bytes += static_cast<int64_t>(r.expert.size() + r.weight.size() + r.slot.size() + r.groups.size()) * 4;
      bytes += static_cast<int64_t>(r.kept.size());
    }
  }
  return bytes;
}

}  // namespace

TEST(TraceRequest, TheFusedFormChangesNoNumber) {
  for (const char* name : {"mixtral", "t5-base", "deepseek-v3", "bert"}) {
    const ModelSpec& s = find_preset(name)->classroom;
    auto full = run(s, 12, TraceRequest::everything());
    auto summary = run(s, 12, TraceRequest::summary());
    EXPECT_TRUE(full->logits.data == summary->logits.data) << name;
    EXPECT_TRUE(summary->main_stack().hidden.empty()) << name;
    for (const AttentionRecord& a : summary->main_stack().self_attention) {
      EXPECT_TRUE(a.probs.empty() && a.thumbnail.empty()) << name;
    }
    const auto &mf = full->main_stack().moe, &ms = summary->main_stack().moe;
    ASSERT_EQ(mf.size(), ms.size());
    for (size_t i = 0; i < mf.size(); ++i) {
      EXPECT_EQ(mf[i].metrics.load_after, ms[i].metrics.load_after) << name;
      EXPECT_EQ(mf[i].metrics.aux_loss_switch, ms[i].metrics.aux_loss_switch) << name;
      EXPECT_TRUE(ms[i].routing.logits.empty() && ms[i].routing.expert.empty()) << name;
    }
    EXPECT_EQ(summary->left_out.size(), 3u) << name;  // hidden states, attention, routing
  }
}

TEST(TraceRequest, FocusedMapsAreFullAndThumbnailsAreBlockMaxima) {
  const ModelSpec& s = find_preset("mixtral")->classroom;
  const int T = 37;
  TraceRequest focused = TraceRequest::everything();
  focused.attention = AttentionKeep::Focused;
  focused.focus = {{Stack::Decoder, 1, 2, false}, {Stack::Decoder, 1, 5, false}};
  focused.thumbnail = 8;  // pool = ceil(37 / 8) = 5: thumbnails of 8 x 8
  auto full = run(s, T, TraceRequest::everything());
  auto reduced = run(s, T, focused);
  EXPECT_TRUE(full->logits.data == reduced->logits.data);
  ASSERT_EQ(reduced->left_out.size(), 1u);
  for (int layer = 0; layer < s.layers; ++layer) {
    const AttentionRecord& f = full->decoder.self_attention[layer];
    const AttentionRecord& r = reduced->decoder.self_attention[layer];
    ASSERT_TRUE(f.all_heads_full());
    EXPECT_EQ(r.pool, 5);
    EXPECT_EQ(r.full_heads, layer == 1 ? std::vector<int>({2, 5}) : std::vector<int>{});
    for (int h : r.full_heads)
      EXPECT_TRUE(std::equal(r.map(h), r.map(h) + T * T, f.map(h))) << "layer " << layer << " head " << h;
    ASSERT_EQ(r.thumbnail.shape, (std::vector<int>{s.heads, 8, 8}));
    for (int h = 0; h < s.heads; ++h)
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) {
          float m = 0;
          for (int q = i * 5; q < std::min(T, i * 5 + 5); ++q)
            for (int k = j * 5; k < std::min(T, j * 5 + 5); ++k) m = std::max(m, f.map(h)[q * T + k]);
          EXPECT_EQ(r.thumbnail.data[(h * 8 + i) * 8 + j], m);
        }
  }
  // The dump names what it kept.
  auto tensors = trace_tensors(*reduced);
  auto has = [&](const std::string& key) {
    return std::any_of(tensors.begin(), tensors.end(), [&](const auto& kv) { return kv.first == key; });
  };
  EXPECT_TRUE(has("attn.L1.head2") && has("attn.L1.head5") && has("attn.L0.thumbnail"));
  EXPECT_FALSE(has("attn.L0") || has("attn.L1"));
}

TEST(TraceRequest, AMapAlreadyWithinTheThumbnailIsKeptWhole) {
  const ModelSpec& s = find_preset("gpt2")->classroom;
  TraceRequest r = TraceRequest::everything();
  r.attention = AttentionKeep::Focused;
  r.thumbnail = 16;
  auto t = run(s, 12, r);
  for (const AttentionRecord& a : t->decoder.self_attention) {
    EXPECT_TRUE(a.all_heads_full());
    EXPECT_EQ(a.pool, 0);
  }
}

TEST(TraceRequest, EstimatesBoundWhatIsDownloaded) {
  for (const char* name : {"mixtral", "switch-base-8", "bert", "deepseek-v3"}) {
    const ModelSpec& s = find_preset(name)->classroom;
    const int dec = s.family == Family::EncoderDecoder ? 3 : 1;
    int moe_layers = 0;
    for (int i = 0; i < s.layers; ++i) moe_layers += s.is_moe_layer(i) ? 2 : 0;  // both stacks at most
    for (const TraceRequest& r : {TraceRequest::everything(), TraceRequest::summary()}) {
      const int64_t actual = downloaded_bytes(*run(s, 20, r));
      const int64_t estimate = estimate_trace_bytes(s, 20, r, dec);
      EXPECT_GE(estimate, actual) << name;
      // Beyond the tensors: metrics (a few numbers per expert) and flags.
      EXPECT_LE(estimate, actual * 11 / 10 + 64 * s.moe.experts * moe_layers + 4096) << name;
    }
  }
}

TEST(TraceRequest, ABudgetKeepsTheFocusAndReducesTheRest) {
  const ModelSpec& s = find_preset("llama3-8b")->full;  // 32 layers x 32 heads
  const std::vector<AttentionFocus> focus = {{Stack::Decoder, 10, 3, false}};
  const int64_t budget = int64_t{256} << 20;
  EXPECT_EQ(fit_trace_request(s, 64, budget, focus).attention, AttentionKeep::All);  // small enough
  const TraceRequest r = fit_trace_request(s, 2048, budget, focus);
  EXPECT_EQ(r.attention, AttentionKeep::Focused);
  EXPECT_LE(estimate_trace_bytes(s, 2048, r), budget);
  EXPECT_GE(r.thumbnail, 32);  // the grid stays readable; hidden states and logits go first
  EXPECT_FALSE(r.hidden);
  const AttentionProbs p = probs_to_write(r, Stack::Decoder, 10, false, s.heads, 2048, 2048);
  EXPECT_EQ(p.full_heads, std::vector<int>{3});
  EXPECT_GT(p.pool, 1);
  // A larger budget never keeps less.
  const TraceRequest bigger = fit_trace_request(s, 2048, budget * 4, focus);
  EXPECT_GE(estimate_trace_bytes(s, 2048, bigger), estimate_trace_bytes(s, 2048, r));
  // Nothing fits in a byte: the smallest request, which says so by its size.
  const TraceRequest tiny = fit_trace_request(s, 2048, 1, focus);
  EXPECT_FALSE(tiny.hidden || tiny.routing || tiny.logits);
  EXPECT_GT(estimate_trace_bytes(s, 2048, tiny), 1);
}
