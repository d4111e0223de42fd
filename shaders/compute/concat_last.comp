// out (outer, M, A + B) = [a (outer, M, A) | b (outer, M or 1, B)]; a b with
// one row per outer index is broadcast over M (MLA's shared k_rope).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint outer; uint m; uint wa; uint wb; uint b_rows; } p;
void main() {
  uint w = p.wa + p.wb;
  FOR_EACH_INDEX(i, p.outer * p.m * w) {
    uint col = i % w, row = i / w;  // row = outer * M + m
    uint outer = row / p.m, m = row % p.m;
    if (col < p.wa) {
      o[i] = a[row * p.wa + col];
    } else {
      uint brow = outer * p.b_rows + (p.b_rows == 1u ? 0u : m);
      o[i] = b[brow * p.wb + col - p.wa];
    }
  }
}
