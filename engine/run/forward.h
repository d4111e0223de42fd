// The forward pass of every family, once, in paper order, against Backend.
#pragma once

#include <memory>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"
#include "engine/run/trace.h"
#include "engine/model/weights.h"

namespace archscope {

struct ForwardInputs {
  std::vector<int> input_ids;          // the encoder's, or the decoder's for decoder-only models
  std::vector<int> decoder_input_ids;  // encoder-decoder; empty -> [decoder start token 0]
  std::vector<uint8_t> key_valid;      // optional key padding of input_ids (1 = a real token)
};

// Runs the model and returns its immutable trace. Bad inputs (ids outside the
// vocabulary, sequences longer than the position table) are InputErrors.
std::shared_ptr<const Trace> forward(const ModelSpec& spec, const ModelWeights& weights,
                                     Backend& backend, const ForwardInputs& inputs);

}  // namespace archscope
