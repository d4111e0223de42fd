// Position information that is not a learned table: T5's relative buckets and
// the sinusoidal encoding of the original Transformer, as the reference
// backend's relative_position_bias and sinusoidal_positions ops compute them.
#pragma once

#include "engine/model/model_spec.h"
#include "engine/tensor.h"

namespace archscope {

// T5's bucket of the relative position n = kv - q (architecture-facts §1).
int t5_relative_bucket(int relative_position, bool bidirectional, int num_buckets, int max_distance);

// (T, D): PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(p / 10000^(2i/D)).
Tensor sinusoidal_positions(int tokens, int d_model);

}  // namespace archscope
