// Trace: everything one run produced that the views plot. Made once by
// forward() and never changed afterwards (it is handed out as shared_ptr<const>).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/run/mask.h"
#include "engine/model/model_spec.h"
#include "engine/run/routing.h"
#include "engine/tensor.h"

namespace archscope {

enum class Stack { Encoder, Decoder };

struct AttentionRecord {
  Stack stack = Stack::Decoder;
  int layer = 0;
  bool cross = false;
  AttentionMask mask;  // the predicate; mask.matrix(Tq, Tk) is the picture
  Tensor probs;        // (H, Tq, Tk)
};

struct MoeRecord {
  Stack stack = Stack::Decoder;
  int layer = 0;
  Routing routing;  // logits, scores, choices, weights, capacity outcome
  MoeMetrics metrics;
};

struct StackTrace {
  // hidden[i] enters layer i; hidden[L] is the stack's output (after the final
  // norm for pre-norm stacks). Each (T, D).
  std::vector<Tensor> hidden;
  std::vector<AttentionRecord> self_attention;   // one per layer
  std::vector<AttentionRecord> cross_attention;  // one per decoder layer of an encoder-decoder
  std::vector<MoeRecord> moe;                    // one per MoE layer, in layer order
  bool empty() const { return hidden.empty(); }
};

struct Trace {
  ModelSpec spec;
  std::string backend;
  std::vector<int> input_ids;
  std::vector<int> decoder_input_ids;  // encoder-decoder only
  StackTrace encoder;  // encoder-only and encoder-decoder
  StackTrace decoder;  // decoder-only, prefix LM, and encoder-decoder
  Tensor logits;       // (T, V): decoder positions for encoder-decoders
  // Hugging Face's aux loss over all MoE layers (Mixtral/Qwen2-MoE normalisation).
  std::optional<double> aux_loss_hf;
  double elapsed_ms = 0;

  const StackTrace& main_stack() const { return decoder.empty() ? encoder : decoder; }
};

}  // namespace archscope
