// Per real token: the integer counts of moe_counts (loads before and after
// the cut, first choices, drops; integer atomics, order-free) and the
// token's router entropy, logsumexp(z)^2 and score total (the sigmoid
// normaliser) into stats (T, 3) for moe_sums to add up in a fixed order.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Z { float z[]; };          // (T, E)
layout(std430, binding = 1) readonly buffer S { float s[]; };          // (T, E)
layout(std430, binding = 2) readonly buffer Expert { int expert[]; };  // (T, K)
layout(std430, binding = 3) readonly buffer Kept { int kept[]; };      // (T, K)
layout(std430, binding = 4) readonly buffer Valid { int valid[]; };    // (T)
layout(std430, binding = 5) buffer Before { int before[]; };           // (E), zeroed
layout(std430, binding = 6) buffer After { int after[]; };             // (E), zeroed
layout(std430, binding = 7) buffer First { int first[]; };             // (E), zeroed
layout(std430, binding = 8) buffer Drops { int drops[]; };             // (3), zeroed
layout(std430, binding = 9) writeonly buffer Stats { float stats[]; }; // (T, 3)
layout(push_constant) uniform P { uint t; uint e; uint k; uint has_valid; uint sigmoid; } p;
void main() {
  FOR_EACH_INDEX(t, p.t) {
    if (p.has_valid != 0u && valid[t] == 0) {
      stats[t * 3u] = 0.0;
      stats[t * 3u + 1u] = 0.0;
      stats[t * 3u + 2u] = 1.0;
      continue;
    }
    int dropped = 0;
    for (uint k = 0u; k < p.k; ++k) {
      int e = expert[t * p.k + k];
      if (e < 0 || uint(e) >= p.e) continue;
      atomicAdd(before[e], 1);
      if (kept[t * p.k + k] != 0) atomicAdd(after[e], 1); else ++dropped;
    }
    int e0 = expert[t * p.k];
    if (e0 >= 0 && uint(e0) < p.e) atomicAdd(first[e0], 1);
    if (dropped > 0) atomicAdd(drops[0], dropped);
    if (dropped == int(p.k)) atomicAdd(drops[1], 1);
    else if (dropped > 0) atomicAdd(drops[2], 1);

    uint base = t * p.e;
    float total = 0.0;
    for (uint e = 0u; e < p.e; ++e) total += s[base + e];
    float norm = (p.sigmoid != 0u && total > 0.0) ? total : 1.0;
    float entropy = 0.0;
    for (uint e = 0u; e < p.e; ++e) {
      float pe = s[base + e] / norm;
      if (pe > 0.0) entropy -= pe * log(pe);
    }
    float zmax = z[base];
    for (uint e = 1u; e < p.e; ++e) zmax = max(zmax, z[base + e]);
    float sum = 0.0;
    for (uint e = 0u; e < p.e; ++e) sum += exp(z[base + e] - zmax);
    float lse = zmax + log(sum);
    stats[t * 3u] = entropy;
    stats[t * 3u + 1u] = lse * lse;
    stats[t * 3u + 2u] = norm;
  }
}
