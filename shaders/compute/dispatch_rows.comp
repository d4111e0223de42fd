// rows (T K, D): each kept pair's token row at offsets[e] + slot; pair_row
// (T, K) says where, -1 for pairs not kept. One invocation per (pair, d).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };          // (T, D)
layout(std430, binding = 1) readonly buffer Expert { int expert[]; };  // (T, K)
layout(std430, binding = 2) readonly buffer Slot { int slot[]; };      // (T, K)
layout(std430, binding = 3) readonly buffer Kept { int kept[]; };      // (T, K)
layout(std430, binding = 4) readonly buffer Offsets { int offsets[]; };  // (E + 1)
layout(std430, binding = 5) writeonly buffer Rows { float rows[]; };   // (T K, D), zeroed
layout(std430, binding = 6) writeonly buffer PairRow { int pair_row[]; };  // (T, K)
layout(push_constant) uniform P { uint pairs; uint k; uint d; uint e; } p;
void main() {
  FOR_EACH_INDEX(i, p.pairs * p.d) {
    uint pair = i / p.d, d = i % p.d;
    int e = expert[pair];
    bool placed = kept[pair] != 0 && e >= 0 && uint(e) < p.e;
    int row = placed ? offsets[uint(e)] + slot[pair] : -1;
    if (d == 0u) pair_row[pair] = row;
    if (placed) rows[uint(row) * p.d + d] = x[(pair / p.k) * p.d + d];
  }
}
