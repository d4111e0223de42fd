// y (rows, D) = gamma * (x / sqrt(mean(x^2) + eps)), one workgroup per row.
#version 450
#include "compute/common.glsl"
#include "compute/reduce.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer G { float gamma[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint rows; uint d; float eps; } p;
void main() {
  for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
    uint base = row * p.d;
    float s = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.d; i += REDUCE_SIZE) s += x[base + i] * x[base + i];
    float inv = 1.0 / sqrt(reduce_sum(s) / float(p.d) + p.eps);
    for (uint i = gl_LocalInvocationID.x; i < p.d; i += REDUCE_SIZE) y[base + i] = gamma[i] * (x[base + i] * inv);
  }
}
