// y = act(gate) * up, elementwise (SwiGLU, gated GELU).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer G { float gate[]; };
layout(std430, binding = 1) readonly buffer U { float up[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; uint act; } p;
void main() {
  FOR_EACH_INDEX(i, p.n) y[i] = activate(p.act, gate[i]) * up[i];
}
