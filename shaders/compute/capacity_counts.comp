// counts (K, E): how many tokens chose expert e at rank k. Integer atomics:
// the totals do not depend on the order they land in.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Expert { int expert[]; };  // (T, K)
layout(std430, binding = 1) buffer Counts { int counts[]; };           // (K, E), zeroed
layout(push_constant) uniform P { uint t; uint k; uint e; } p;
void main() {
  FOR_EACH_INDEX(i, p.t * p.k) {
    int e = expert[i];
    if (e >= 0 && uint(e) < p.e) atomicAdd(counts[(i % p.k) * p.e + uint(e)], 1);
  }
}
