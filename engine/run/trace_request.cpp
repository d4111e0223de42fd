// Per-layer attention requests, trace size estimates, and fitting a budget.
#include "engine/run/trace_request.h"

#include <algorithm>
#include <limits>

namespace archscope {

TraceRequest TraceRequest::everything() { return TraceRequest{}; }

TraceRequest TraceRequest::summary() {
  TraceRequest r;
  r.hidden = false;
  r.attention = AttentionKeep::None;
  r.routing = false;
  return r;
}

AttentionProbs probs_to_write(const TraceRequest& req, Stack stack, int layer, bool cross, int heads,
                              int tq, int tk) {
  AttentionProbs p;
  auto all_heads = [&] {
    for (int h = 0; h < heads; ++h) p.full_heads.push_back(h);
  };
  switch (req.attention) {
    case AttentionKeep::All:
      all_heads();
      break;
    case AttentionKeep::None:
      break;
    case AttentionKeep::Focused: {
      const int n = req.thumbnail;
      const int pool = n > 0 ? (std::max(tq, tk) + n - 1) / n : 0;
      if (n > 0 && pool <= 1) {  // the thumbnail would be the map itself
        all_heads();
        break;
      }
      for (const AttentionFocus& f : req.focus)
        if (f.stack == stack && f.layer == layer && f.cross == cross && f.head >= 0 && f.head < heads)
          p.full_heads.push_back(f.head);
      std::sort(p.full_heads.begin(), p.full_heads.end());
      p.full_heads.erase(std::unique(p.full_heads.begin(), p.full_heads.end()), p.full_heads.end());
      p.pool = pool;
      break;
    }
  }
  return p;
}

namespace {

// Bytes in double: at the bounds of limits.h (16M tokens, 1,024 layers of
// 1,024 heads) a trace passes 2^64 bytes; the estimate saturates instead.
double attention_bytes(const TraceRequest& req, Stack stack, int layer, bool cross, int H, int tq, int tk) {
  const AttentionProbs p = probs_to_write(req, stack, layer, cross, H, tq, tk);
  double n = static_cast<double>(p.full_heads.size()) * tq * tk;
  if (p.pool > 0) n += static_cast<double>(H) * ((tq + p.pool - 1) / p.pool) * ((tk + p.pool - 1) / p.pool);
  return n * 4 + tq;  // + the no-visible-key flags
}

double stack_bytes(const ModelSpec& s, const TraceRequest& req, Stack stack, int layers, int T, int memory_T) {
  double bytes = 0;
  if (req.hidden) bytes += static_cast<double>(layers + 1) * T * s.d_model * 4;
  for (int i = 0; i < layers; ++i) {
    bytes += attention_bytes(req, stack, i, false, s.heads, T, T);
    if (memory_T > 0) bytes += attention_bytes(req, stack, i, true, s.heads, T, memory_T);
    if (!s.is_moe() || !s.is_moe_layer(i)) continue;
    const double E = s.moe.experts, K = s.moe.top_k;
    bytes += (3 * E + 8) * 8;  // metrics
    if (req.routing) bytes += T * (2 * E * 4 + K * (4 + 4 + 1 + 4) + s.moe.top_groups * 4.0 + 1);
  }
  return bytes;
}

}  // namespace

int64_t estimate_trace_bytes(const ModelSpec& s, int tokens, const TraceRequest& req, int decoder_tokens) {
  double bytes = static_cast<double>(tokens) * 5;  // ids and padding flags
  int logit_rows = tokens;
  if (s.family == Family::EncoderDecoder) {
    bytes += stack_bytes(s, req, Stack::Encoder, s.layers, tokens, 0);
    bytes += stack_bytes(s, req, Stack::Decoder, s.decoder_layers, decoder_tokens, tokens);
    logit_rows = decoder_tokens;
  } else {
    bytes += stack_bytes(s, req, s.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder, s.layers,
                         tokens, 0);
  }
  if (req.logits) bytes += static_cast<double>(logit_rows) * s.vocab_size * 4;
  const double most = static_cast<double>(std::numeric_limits<int64_t>::max());
  return bytes >= most ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(bytes);
}

TraceRequest fit_trace_request(const ModelSpec& s, int tokens, int64_t budget, const std::vector<AttentionFocus>& focus,
                               int decoder_tokens) {
  auto fits = [&](const TraceRequest& r) { return estimate_trace_bytes(s, tokens, r, decoder_tokens) <= budget; };
  TraceRequest r = TraceRequest::everything();
  if (fits(r)) return r;
  r.attention = AttentionKeep::Focused;
  r.focus = focus;
  // A readable grid (thumbnails of 32 and up) comes before hidden states and
  // logits, which at full size and long inputs are the largest parts.
  for (int extras = 0; extras < 3; ++extras) {
    r.hidden = extras == 0;
    r.logits = extras < 2;
    for (int n : {256, 128, 64, 32}) {
      r.thumbnail = n;
      if (fits(r)) return r;
    }
  }
  for (int n : {16, 8, 0}) {
    r.thumbnail = n;
    if (fits(r)) return r;
  }
  r.routing = false;
  return r;
}

}  // namespace archscope
