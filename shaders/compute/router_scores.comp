// scores (T, E) from router logits: a softmax over E per token, or an
// elementwise sigmoid. One invocation per token.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) writeonly buffer S { float s[]; };
layout(push_constant) uniform P { uint t; uint e; uint sigmoid; } p;
void main() {
  FOR_EACH_INDEX(t, p.t) {
    uint base = t * p.e;
    if (p.sigmoid != 0u) {
      for (uint e = 0u; e < p.e; ++e) s[base + e] = 1.0 / (1.0 + exp(-z[base + e]));
      continue;
    }
    float m = z[base];
    for (uint e = 1u; e < p.e; ++e) m = max(m, z[base + e]);
    float sum = 0.0;
    for (uint e = 0u; e < p.e; ++e) sum += exp(z[base + e] - m);
    for (uint e = 0u; e < p.e; ++e) s[base + e] = exp(z[base + e] - m) / sum;
  }
}
