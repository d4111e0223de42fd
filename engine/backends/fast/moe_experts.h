// The routed experts of an MoE layer: each expert runs once, on the rows of
// the tokens routed to it and kept, and the outputs are combined per token in
// rank order (first choice first), so the sum is the same on every run and
// every thread count. Routing and the capacity cut happen before this.
#pragma once

#include <cstdint>
#include <span>

#include "engine/backends/backend.h"
#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// One expert's FFN in nn.Linear layouts; biases may be null.
struct ExpertWeights {
  const float* gate = nullptr;  // (F, D), gated kinds only
  const float* gate_bias = nullptr;
  const float* up = nullptr;    // (F, D)
  const float* up_bias = nullptr;
  const float* down = nullptr;  // (D, F)
  const float* down_bias = nullptr;
};

struct ExpertFfn {
  int D = 0;  // model width
  int F = 0;  // expert width
  Activation act = Activation::Silu;
  bool gated = true;  // down(act(gate x) * up x), else down(act(up x))
};

// The (T, K) choices of a router after the capacity cut.
struct RoutedPairs {
  int T = 0, K = 0;
  const int* expert = nullptr;      // (T, K) expert of each choice
  const float* weight = nullptr;    // (T, K) combine weight
  const uint8_t* kept = nullptr;    // (T, K) 1 = inside capacity; null = all kept
};

// out (T, D) = sum over k of weight[t, k] · expert[t, k](x[t]) for kept pairs;
// a token with no kept pair gets a zero row. x (T, D).
// Throws std::invalid_argument for an expert index outside [0, experts.size()).
void moe_experts(ThreadPool& pool, const float* x, const ExpertFfn& ffn,
                 std::span<const ExpertWeights> experts, const RoutedPairs& pairs, float* out);

}  // namespace archscope::fast
