// out = base + weight[t,k] * x[t] for every routed pair that was not kept,
// in rank order (transformers 4.x Switch's output for dropped tokens).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Base { float base[]; };     // (T, D)
layout(std430, binding = 1) readonly buffer X { float x[]; };           // (T, D)
layout(std430, binding = 2) readonly buffer Weight { float weight[]; };  // (T, K)
layout(std430, binding = 3) readonly buffer Expert { int expert[]; };    // (T, K)
layout(std430, binding = 4) readonly buffer Kept { int kept[]; };        // (T, K)
layout(std430, binding = 5) writeonly buffer O { float o[]; };           // (T, D)
layout(push_constant) uniform P { uint t; uint k; uint d; } p;
void main() {
  FOR_EACH_INDEX(i, p.t * p.d) {
    uint t = i / p.d;
    float acc = base[i];
    for (uint k = 0u; k < p.k; ++k) {
      uint pair = t * p.k + k;
      if (expert[pair] >= 0 && kept[pair] == 0) acc += weight[pair] * x[i];
    }
    o[i] = acc;
  }
}
