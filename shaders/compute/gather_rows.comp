// out (T, C) = table (R, C) rows at ids (T). The host has checked every id.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Table { float table[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint t; uint c; } p;
void main() {
  FOR_EACH_INDEX(i, p.t * p.c) o[i] = table[uint(ids[i / p.c]) * p.c + i % p.c];
}
