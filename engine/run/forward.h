// The forward pass of every family, once, in paper order, against Backend.
// forward() runs it once; a Session (session.h) keeps the weights resident
// and re-runs only what a routing change affects.
#pragma once

#include <memory>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"
#include "engine/model/weights.h"
#include "engine/run/trace.h"

namespace archscope {

struct ForwardInputs {
  std::vector<int> input_ids;          // the encoder's, or the decoder's for decoder-only models
  std::vector<int> decoder_input_ids;  // encoder-decoder; empty -> [decoder start token 0]
  // Optional key padding of input_ids (1 = a real token, 0 = padding), as
  // transformers' attention_mask: padded keys are masked, and padded tokens
  // take no part in routing, capacity, expert loads or any MoE metric.
  std::vector<uint8_t> key_valid;
  std::vector<int> token_type_ids;  // optional segments of input_ids (BERT); empty = all 0
};

// Runs the model and returns its immutable trace, holding what `request`
// asks for. Bad inputs (ids outside the vocabulary, sequences longer than the
// position table, flags of the wrong length) are InputErrors. The weights are
// made resident for this call only; a Session keeps them.
std::shared_ptr<const Trace> forward(const ModelSpec& spec, const ModelWeights& weights, Backend& backend,
                                     const ForwardInputs& inputs,
                                     const TraceRequest& request = TraceRequest::everything());

}  // namespace archscope
