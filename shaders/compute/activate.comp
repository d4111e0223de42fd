// y = act(x), elementwise.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; uint act; } p;
void main() {
  FOR_EACH_INDEX(i, p.n) y[i] = activate(p.act, x[i]);
}
