// out (R, C) = x (R, C) with row r times s[r].
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer S { float s[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint n; uint cols; } p;
void main() {
  FOR_EACH_INDEX(i, p.n) o[i] = x[i] * s[i / p.cols];
}
