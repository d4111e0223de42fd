// What one forward pass will hold in memory, estimated from the spec, the
// token counts and the trace request before anything is allocated, so a run
// that cannot fit is refused with the numbers instead of ending in
// std::bad_alloc. Counted in double: at the bounds of limits.h one attention
// map alone passes 2^64 bytes.
#pragma once

#include <cstdint>

#include "engine/model/model_spec.h"
#include "engine/run/trace_request.h"

namespace archscope {

struct RunMemory {
  double weights = 0;         // float32 weights (the reference backend uses them in place)
  double trace = 0;           // what the request keeps (estimate_trace_bytes)
  double attention_maps = 0;  // the part of `trace` that is attention maps
  double working = 0;         // the largest transient of one layer (q, k, v, FFN, T5 bias)
  // The backend holds the trace's tensors until the run's one download to the host.
  double total() const { return weights + 2 * trace + working; }
};

// `decoder_tokens` is used by encoder-decoders only.
RunMemory estimate_run_memory(const ModelSpec& spec, int64_t tokens, int64_t decoder_tokens,
                              const TraceRequest& request);

// Throws ResourceError, naming the model, the tokens, the parts of the
// estimate and the memory available, when `memory` exceeds 80% of
// `available_bytes` (0: unknown, nothing is refused).
void check_run_fits(const ModelSpec& spec, int64_t tokens, int64_t decoder_tokens, const RunMemory& memory,
                    uint64_t available_bytes);

}  // namespace archscope
