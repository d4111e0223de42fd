// Deterministic seeded weights for presets that have no checkpoint: the same
// seed gives the same numbers on every machine and backend. Scaled like the
// parity fixtures (linear std 1.2/sqrt(fan_in), embeddings std 1, norms 1±0.2,
// non-zero biases) so attention and routing patterns are not flat.
#pragma once

#include <cstdint>

#include "engine/model/model_spec.h"
#include "engine/model/weights.h"

namespace archscope {

// Refuses (ResourceError) before allocating when the float32 weights would not
// fit in `memory_budget_bytes` (0: the machine's available memory).
ModelWeights make_random_weights(const ModelSpec& spec, uint64_t seed = 1234,
                                 uint64_t memory_budget_bytes = 0);

// Bytes the float32 weights of `spec` need.
uint64_t weight_bytes_f32(const ModelSpec& spec);
// MemAvailable from /proc/meminfo, or 0 when unknown.
uint64_t available_memory_bytes();
// Throws ResourceError naming the model, the need and the budget.
void check_fits_in_memory(const ModelSpec& spec, uint64_t budget_bytes);

// Post-norm stacks (BERT) normalise the embeddings too.
inline bool has_embedding_norm(const ModelSpec& s) { return s.norm_placement == NormPlacement::Post; }

}  // namespace archscope
