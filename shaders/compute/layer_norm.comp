// y (rows, D) = (x - mean) / sqrt(var + eps) * gamma + beta, one workgroup
// per row; mean and variance in two passes over the row (as the reference).
#version 450
#include "compute/common.glsl"
#include "compute/reduce.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer G { float gamma[]; };
layout(std430, binding = 2) readonly buffer B { float beta[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint rows; uint d; float eps; uint has_beta; } p;
void main() {
  for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
    uint base = row * p.d;
    float s = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.d; i += REDUCE_SIZE) s += x[base + i];
    float mean = reduce_sum(s) / float(p.d);
    float v = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.d; i += REDUCE_SIZE) {
      float c = x[base + i] - mean;
      v += c * c;
    }
    float inv = 1.0 / sqrt(reduce_sum(v) / float(p.d) + p.eps);
    for (uint i = gl_LocalInvocationID.x; i < p.d; i += REDUCE_SIZE)
      y[base + i] = (x[base + i] - mean) * inv * gamma[i] + (p.has_beta != 0u ? beta[i] : 0.0);
  }
}
