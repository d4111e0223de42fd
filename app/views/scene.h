// Scene: everything the views read, as one immutable snapshot. The window
// makes a new one whenever the model, the input, a knob or a finished run
// changes, and every view draws from it; views never reach into the app.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/ledger.h"
#include "engine/model/model_spec.h"
#include "engine/run/trace.h"

namespace archscope::views {

// Which attention map the attention view enlarges, and which layer the
// per-layer views (router, load) show.
struct Focus {
  Stack stack = Stack::Decoder;
  int layer = 0;
  int head = 0;
  bool cross = false;  // the decoder's cross-attention instead of its self-attention
};

// What a model is trained to predict from the current sentence.
enum class Objective { MaskedLM, CausalLM, PrefixLM, SpanCorruption, Denoising };
const char* to_string(Objective o);

// One panel of the mask comparison.
struct MaskPanel {
  std::string title;  // "this model", "causal", "prefix 5", ...
  MaskSpec mask;
  bool cross = false;
};

struct Scene {
  uint64_t version = 0;  // changes with every new scene; views key caches on it

  ModelSpec spec;          // the model the trace ran (always valid)
  std::string model_name;  // "mixtral (classroom size)" or a folder path
  std::shared_ptr<const Trace> trace;  // null until the first run finishes
  bool running = false;                // a newer run is in progress

  // Labels of the encoder/decoder-only input and of the decoder input.
  std::vector<std::string> tokens;
  std::vector<std::string> decoder_tokens;

  Focus focus;
  Stack selected_stack = Stack::Decoder;
  int selected_token = -1;  // -1: none

  std::vector<MaskPanel> masks;  // the mask view's comparison, two or three panels

  Objective objective = Objective::CausalLM;
  uint64_t objective_seed = 7;

  Ledger ledger;                 // of `spec` at ledger_context and ledger_dtype
  std::optional<ModelSpec> published;  // a preset's published size, beside the classroom size that runs
  int64_t ledger_context = 4096;
  DType ledger_dtype = DType::BF16;

  // Token labels of a stack's input.
  const std::vector<std::string>& labels(Stack s) const {
    return s == Stack::Decoder && spec.family == Family::EncoderDecoder ? decoder_tokens : tokens;
  }
};

}  // namespace archscope::views
