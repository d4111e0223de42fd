// PE (T, D): PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(same).
// The frequencies come from the host (parameters, computed in double as the
// reference does); the angle is reduced exactly, so positions in the
// thousands keep their accuracy.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer F { float inv_freq[]; };  // (ceil(D / 2))
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint t; uint d; } p;
void main() {
  FOR_EACH_INDEX(i, p.t * p.d) {
    uint pos = i / p.d, col = i % p.d;
    float r = reduce_angle(float(pos) * inv_freq[col / 2u]);
    o[i] = (col & 1u) == 0u ? sin(r) : cos(r);
  }
}
