// Trace: everything one run produced that the views plot, brought to the host
// once at the end of the run, as much as the TraceRequest asked for. Made by
// forward() or a Session and never changed afterwards (shared_ptr<const>).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/model_spec.h"
#include "engine/run/mask.h"
#include "engine/run/routing.h"
#include "engine/run/trace_request.h"
#include "engine/tensor.h"

namespace archscope {

struct AttentionRecord {
  Stack stack = Stack::Decoder;
  int layer = 0;
  bool cross = false;
  AttentionMask mask;  // the predicate; mask.matrix(Tq, Tk) is the picture
  int heads = 0, tq = 0, tk = 0;
  // Full-size maps (n, Tq, Tk) of full_heads, in that order; every head
  // (n = H, so probs is (H, Tq, Tk)) unless the request reduced this layer.
  Tensor probs;
  std::vector<int> full_heads;
  // pool > 0: every head's map reduced to (H, ceil(Tq/pool), ceil(Tk/pool)),
  // each cell the max over its pool x pool block, so no strong weight vanishes.
  int pool = 0;
  Tensor thumbnail;
  // (Tq) 1 where the query saw no key at all (padding): its row is all 0.
  std::vector<uint8_t> no_visible_key;

  bool all_heads_full() const { return heads > 0 && static_cast<int>(full_heads.size()) == heads; }
  // Head h's full map (Tq x Tk), or null when the run did not keep it.
  const float* map(int head) const;
};

inline const float* AttentionRecord::map(int head) const {
  for (size_t i = 0; i < full_heads.size(); ++i)
    if (full_heads[i] == head) return probs.data.data() + static_cast<int64_t>(i) * tq * tk;
  return nullptr;
}

struct MoeRecord {
  Stack stack = Stack::Decoder;
  int layer = 0;
  // Per-token logits, scores, choices, weights, capacity outcome; only
  // tokens / experts / top_k / capacity / valid when the request left routing out.
  Routing routing;
  MoeMetrics metrics;
};

struct StackTrace {
  // hidden[i] enters layer i; hidden[L] is the stack's output (after the final
  // norm for pre-norm stacks). Each (T, D). Empty when not requested.
  std::vector<Tensor> hidden;
  std::vector<AttentionRecord> self_attention;   // one per layer
  std::vector<AttentionRecord> cross_attention;  // one per decoder layer of an encoder-decoder
  std::vector<MoeRecord> moe;                    // one per MoE layer, in layer order
  int layers = 0;
  bool empty() const { return layers == 0; }
};

struct Trace {
  ModelSpec spec;
  std::string backend;
  std::vector<int> input_ids;
  std::vector<int> decoder_input_ids;  // encoder-decoder only
  std::vector<uint8_t> key_valid;      // (T) of input_ids; empty = no padding
  std::vector<int> token_type_ids;     // (T) segments (BERT); empty = all 0
  StackTrace encoder;  // encoder-only and encoder-decoder
  StackTrace decoder;  // decoder-only, prefix LM, and encoder-decoder
  Tensor logits;       // (T, V): decoder positions for encoder-decoders; empty if not requested
  // Hugging Face's aux loss over all MoE layers (Mixtral/Qwen2-MoE normalisation).
  std::optional<double> aux_loss_hf;
  TraceRequest request;               // what was asked
  std::vector<std::string> left_out;  // what the request left out, in words, for the views
  double elapsed_ms = 0;

  const StackTrace& main_stack() const { return decoder.empty() ? encoder : decoder; }
};

}  // namespace archscope
