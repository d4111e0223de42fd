// The routed experts of an MoE layer, as Backend::expert_ffn runs them: the
// kept rows arrive grouped by expert (expert e's at [offsets[e], offsets[e+1])),
// and each expert runs once, on all of its rows, with its products split
// into column blocks so uneven loads still keep every thread busy.
#pragma once

#include <cstdint>
#include <span>

#include "engine/backends/backend.h"
#include "engine/backends/fast/scratch.h"
#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// One expert's matrices in nn.Linear layouts; biases may be null.
struct ExpertFfnWeights {
  const float* gate = nullptr;  // (F, D), gated kinds only
  const float* gate_bias = nullptr;
  const float* up = nullptr;    // (F, D)
  const float* up_bias = nullptr;
  const float* down = nullptr;  // (D, F)
  const float* down_bias = nullptr;
};

struct ExpertFfnShape {
  int D = 0;  // model width
  int F = 0;  // expert width
  Activation act = Activation::Silu;
  bool gated = true;  // down(act(gate r) * up r), else down(act(up r))
};

// y (N, D): row r of x (N, D) through expert e's FFN for r in
// [offsets[e], offsets[e+1]); rows from offsets[E] on are set to 0.
// offsets (E + 1) ascending from 0, E = experts.size(). Throws
// std::invalid_argument naming the expert or offset that does not fit.
// The hidden activations live in `scratch` (a buffer of this call when null).
void expert_ffn(ThreadPool& pool, const float* x, int N, const int32_t* offsets,
                std::span<const ExpertFfnWeights> experts, const ExpertFfnShape& shape, float* y,
                Scratch* scratch = nullptr);

}  // namespace archscope::fast
