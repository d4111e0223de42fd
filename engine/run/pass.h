// The forward pass skeleton shared by forward() and Session: inputs checked
// and uploaded once, then embed -> stacks -> head against the backend, able
// to resume at the first MoE layer from the state a full run kept.
#pragma once

#include <memory>

#include "engine/run/forward.h"
#include "engine/run/moe.h"
#include "engine/run/resident_weights.h"
#include "engine/run/trace.h"

namespace archscope {

// How much of a run a change makes stale.
enum class Rerun {
  None,          // nothing changed
  FromCapacity,  // capacity, drop policy or drop output: from the first MoE layer's capacity cut
  FromRouting,   // top-k or router function: from its scores (the router logits are kept)
  Full,
};

// A run's inputs, checked, with the device copies made once.
struct PassInputs {
  ForwardInputs host;  // decoder_input_ids filled with the start token when empty
  int tokens = 0, decoder_tokens = 0, real_tokens = 0;
  DeviceTensor ids, positions, token_types, key_valid;  // key_valid empty: no padding
  DeviceTensor decoder_ids, decoder_positions, decoder_token_types;
};
PassInputs upload_inputs(Backend& b, const ModelSpec& spec, const ForwardInputs& inputs);

// One layer just before its FFN or MoE sublayer.
struct LayerEntry {
  DeviceTensor x;         // the residual stream the FFN's output joins
  DeviceTensor h;         // the FFN's input (T, D)
  DeviceTensor attn_out;  // parallel blocks: the attention output added beside the FFN's
};

// What a full run keeps of the first MoE layer it meets, to resume there.
struct ResumePoint {
  bool valid = false;
  Stack stack = Stack::Decoder;
  int layer = 0;
  LayerEntry entry;
  RouterState router;
  DeviceTensor memory;                  // the encoder's output, when the layer is in the decoder
  DeviceTensor encoder_bias, decoder_bias;  // T5's relative bias per stack, or empty
};

// The records of `trace` made before `point`'s FFN: what a resumed run reuses.
Trace trace_prefix(const Trace& trace, const ResumePoint& point);

// Runs the model. A Full run fills `point`; a resumed one (FromRouting,
// FromCapacity) starts from it and from `prefix`, the previous trace's
// records before it.
std::shared_ptr<Trace> run_pass(Backend& b, const ModelSpec& spec, const ResidentWeights& R, const PassInputs& in,
                                const TraceRequest& request, ResumePoint& point, Rerun from, Trace prefix = {});

}  // namespace archscope
