// The mixture-of-experts sublayer in two halves, so a Session can re-run the
// second alone: routing (router, scores, top-k) and everything after it
// (capacity cut, dispatch, experts, combine, shared experts, counts).
#pragma once

#include "engine/backends/backend.h"
#include "engine/model/model_spec.h"
#include "engine/run/resident_weights.h"

namespace archscope {

// Which tokens of the stack are real: padding takes no part in routing,
// capacity or any metric.
struct MoeTokens {
  const DeviceTensor* valid = nullptr;  // (T) int32, or null when every token is real
  int real = 0;                         // real tokens: what capacity and metrics count
};

struct RouterState {
  DeviceTensor logits;  // (T, E)
  DeviceTensor scores;  // (T, E)
  TopKOutputs top;      // (T, K)
};

// Everything one MoE layer leaves for the trace, still on the backend.
struct MoeLayerResult {
  DeviceTensor out;  // (T, D)
  RouterState router;
  CapacityOutputs cut;
  MoeCounts counts;
  int capacity = -1;
};

// Router logits of h (T, D), or `logits` again when given (a re-route that
// changes only the router function or top-k), then scores and top-k.
RouterState route(Backend& b, const ModelSpec& s, const ResidentWeights& R, const MoeWeights& w,
                  const DeviceTensor& h, const MoeTokens& tokens, const DeviceTensor* logits = nullptr);

// Capacity cut, dispatch, every expert, weighted combine, the dropped-pair
// term, shared experts and their gate, and the metrics counts.
MoeLayerResult experts_and_combine(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                   const MoeWeights& w, const DeviceTensor& h, const RouterState& router,
                                   const MoeTokens& tokens);

// Both halves: the whole MoE sublayer of h (T, D).
MoeLayerResult mixture_of_experts(Backend& b, const ModelSpec& s, const ResidentWeights& R, const MoeWeights& w,
                                  const DeviceTensor& h, const MoeTokens& tokens);

}  // namespace archscope
