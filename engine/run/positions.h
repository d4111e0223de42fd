// Position information that is not a learned table: T5's relative buckets and
// the sinusoidal encoding of the original Transformer. RoPE is a backend op.
#pragma once

#include "engine/model/model_spec.h"
#include "engine/tensor.h"

namespace archscope {

// T5's bucket of the relative position n = kv - q (architecture-facts §1).
int t5_relative_bucket(int relative_position, bool bidirectional, int num_buckets, int max_distance);

// bias (H, Tq, Tk) = table[bucket(kv - q), h], table (num_buckets, H).
Tensor t5_position_bias(const Tensor& table, int tq, int tk, bool bidirectional,
                        const RelativeBucketSpec& buckets);

// (T, D): PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(p / 10000^(2i/D)).
Tensor sinusoidal_positions(int tokens, int d_model);

}  // namespace archscope
