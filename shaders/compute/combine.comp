// out (T, D): token t's sum over k of weight[t,k] * y[pair_row[t,k]], in
// rank order, pairs without a row skipped. Each output element is summed by
// one invocation: deterministic, no float atomics.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Y { float y[]; };              // (N, D)
layout(std430, binding = 1) readonly buffer PairRow { int pair_row[]; };   // (T, K)
layout(std430, binding = 2) readonly buffer Weight { float weight[]; };    // (T, K)
layout(std430, binding = 3) writeonly buffer O { float o[]; };             // (T, D)
layout(push_constant) uniform P { uint t; uint k; uint d; } p;
void main() {
  FOR_EACH_INDEX(i, p.t * p.d) {
    uint t = i / p.d, d = i % p.d;
    float acc = 0.0;
    for (uint k = 0u; k < p.k; ++k) {
      int r = pair_row[t * p.k + k];
      if (r >= 0) acc += weight[t * p.k + k] * y[uint(r) * p.d + d];
    }
    o[i] = acc;
  }
}
