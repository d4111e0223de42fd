// A Trace as named tensors (for `run --dump`, with the key names of the Hugging
// Face fixtures) and its routing metrics as JSON (for `run --json`).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run/trace.h"

namespace archscope {

// Keys and shapes as ../shared/fixtures/hf/README.md describes them:
//   logits [1, T, V]; attn.L{i} [1, H, T, T] (or enc_attn, dec_attn, cross_attn);
//   hidden.L{i} [1, T, D] (or enc_hidden, dec_hidden); router.L{i} [T, E] full router
//   logits (enc_router / dec_router for encoder-decoders); route.L{i}.experts,
//   .weights, .dropped [T, K] (a padded token's experts are -1, never dropped).
// What the trace's request left out is absent; a reduced attention layer
// appears as attn.L{i}.head{h} [1, Tq, Tk] per kept head and
// attn.L{i}.thumbnail [1, H, ceil(Tq/pool), ceil(Tk/pool)].
std::vector<std::pair<std::string, Tensor>> trace_tensors(const Trace& trace);

nlohmann::json trace_summary_json(const Trace& trace);

}  // namespace archscope
