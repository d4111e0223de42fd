// What a run keeps for the views, and what that costs. The forward pass
// downloads exactly what the request asks for, once, at the end of the run;
// attention layers none of whose maps are asked for run the fused form.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"

namespace archscope {

enum class Stack { Encoder, Decoder };

// One attention map: (stack, layer, head), self- or cross-attention.
struct AttentionFocus {
  Stack stack = Stack::Decoder;
  int layer = 0;
  int head = 0;
  bool cross = false;

  bool operator==(const AttentionFocus&) const = default;
};

enum class AttentionKeep {
  All,      // every map at full size
  Focused,  // the focus maps at full size, every map also as a thumbnail
  None,     // no probabilities (the masks are kept: they cost nothing)
};

struct TraceRequest {
  bool hidden = true;  // hidden states entering each layer, and each stack's output
  AttentionKeep attention = AttentionKeep::All;
  std::vector<AttentionFocus> focus;  // Focused: kept at full size
  // Focused: every map max-pooled to at most thumbnail x thumbnail (a map
  // already that small is kept whole); 0 leaves the other maps out.
  int thumbnail = 64;
  bool routing = true;  // per token: router logits, scores, choices, weights, kept, slots
  bool logits = true;   // (T, V)
  // The MoE metrics, masks and ids are always kept: they are small.

  bool operator==(const TraceRequest&) const = default;

  static TraceRequest everything();
  // Metrics and logits only: what `archscope run` prints without --dump.
  static TraceRequest summary();
};

// Bytes the trace of `tokens` tokens (and `decoder_tokens` for
// encoder-decoders) takes under the request: the tensors it downloads, plus
// the small per-layer records (metrics, flags) it always keeps. Saturates at
// INT64_MAX rather than overflow (long inputs to very large models).
int64_t estimate_trace_bytes(const ModelSpec& spec, int tokens, const TraceRequest& request,
                             int decoder_tokens = 1);

// The fullest request whose trace fits in `budget_bytes`, keeping `focus` at
// full size. In order of preference: everything; the focus maps with
// thumbnails of 256 down to 32, first with hidden states and logits, then
// without hidden states, then without logits too; thumbnails of 16 and 8;
// the focus maps alone; and last without per-token routing. When even that
// does not fit, that smallest request (check it with estimate_trace_bytes).
TraceRequest fit_trace_request(const ModelSpec& spec, int tokens, int64_t budget_bytes,
                               const std::vector<AttentionFocus>& focus, int decoder_tokens = 1);

// What the attention op of one layer is asked to write under the request.
AttentionProbs probs_to_write(const TraceRequest& request, Stack stack, int layer, bool cross, int heads,
                              int tq, int tk);

}  // namespace archscope
