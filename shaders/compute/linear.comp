// y (M, N) = x (M, K) · W (N, K)ᵀ + b, float32, tiled: a 64 x 64 block of y
// per workgroup of 16 x 16 threads, each thread a 4 x 4 register tile, with
// 16-deep slices of x and W staged in shared memory.
// GROUPED: every expert of a stacked W (E, N, K) on its own rows of x, all in
// one dispatch (workgroup z = expert); rows [offsets[e], offsets[e+1]).
// ACT applies an activation to the result (ACT_NONE: none).
#version 450
#include "compute/common.glsl"
#define ACT_NONE 255u
#define BM 64
#define BN 64
#define BK 16
layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint GROUPED = 0u;
layout(constant_id = 1) const uint ACT = ACT_NONE;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer B { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 4) readonly buffer O { int offsets[]; };
layout(push_constant) uniform P { uint m; uint n; uint k; uint has_bias; } p;

shared float xs[BK][BM + 1];
shared float ws[BK][BN + 1];

void main() {
  uint first = 0u, last = p.m;
  uint expert = gl_WorkGroupID.z;
  if (GROUPED != 0u) {
    first = uint(offsets[expert]);
    last = uint(offsets[expert + 1u]);
  }
  uint m0 = first + gl_WorkGroupID.y * BM;
  if (m0 >= last) return;  // the whole workgroup leaves together: no barrier is skipped by some
  uint n0 = gl_WorkGroupID.x * BN;
  uint w_base = GROUPED != 0u ? expert * p.n * p.k : 0u;
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint tid = ty * 16u + tx;

  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < p.k; k0 += BK) {
    // 64 x 16 of x and of W: 1024 values each, 4 per thread.
    for (uint l = 0u; l < 4u; ++l) {
      uint idx = tid + l * 256u;
      uint r = idx / BK, c = idx % BK;
      uint gm = m0 + r, gn = n0 + r, gk = k0 + c;
      xs[c][r] = (gm < last && gk < p.k) ? x[gm * p.k + gk] : 0.0;
      ws[c][r] = (gn < p.n && gk < p.k) ? w[w_base + gn * p.k + gk] : 0.0;
    }
    barrier();
    for (uint kk = 0u; kk < BK; ++kk) {
      float a[4], b[4];
      for (uint i = 0u; i < 4u; ++i) a[i] = xs[kk][ty + 16u * i];
      for (uint j = 0u; j < 4u; ++j) b[j] = ws[kk][tx + 16u * j];
      for (uint i = 0u; i < 4u; ++i)
        for (uint j = 0u; j < 4u; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  for (uint i = 0u; i < 4u; ++i) {
    uint gm = m0 + ty + 16u * i;
    if (gm >= last) continue;
    for (uint j = 0u; j < 4u; ++j) {
      uint gn = n0 + tx + 16u * j;
      if (gn >= p.n) continue;
      float v = acc[i][j] + (p.has_bias != 0u ? bias[(GROUPED != 0u ? expert * p.n : 0u) + gn] : 0.0);
      y[gm * p.n + gn] = ACT == ACT_NONE ? v : activate(ACT, v);
    }
  }
}
