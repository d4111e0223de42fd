// out (R, count) = columns [from, from + count) of x (R, C).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint rows; uint c; uint from; uint count; } p;
void main() {
  FOR_EACH_INDEX(i, p.rows * p.count) o[i] = x[(i / p.count) * p.c + p.from + i % p.count];
}
