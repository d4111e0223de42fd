// The capacity cut, one invocation per (token, rank) pair. Ranks are served
// in order (every first choice before any second choice): the fill of the
// pair's expert before its rank follows from the per-rank counts, capped at
// C. Within the rank the pair's place among its expert's pairs comes from
// capacity_place's prefix sums (position), or (priority) is counted here:
// pairs of higher priority, then earlier tokens at equal priority, where
// priority is the router score of the token's pair at rank `priority_rank`,
// or of this pair when it is -1. Kept while fill + place < C; the slot is
// fill + place. Identical to the reference's sequential rule.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Expert { int expert[]; };   // (T, K)
layout(std430, binding = 1) readonly buffer Scores { float scores[]; };  // (T, E)
layout(std430, binding = 2) readonly buffer Counts { int counts[]; };    // (K, E)
layout(std430, binding = 3) writeonly buffer Kept { int kept[]; };       // (T, K)
layout(std430, binding = 4) writeonly buffer Slot { int slot[]; };       // (T, K)
layout(std430, binding = 5) readonly buffer Place { int place_of[]; };   // (T, K), position policy
layout(push_constant) uniform P { uint t; uint k; uint e; int capacity; uint priority; int priority_rank; } p;

float priority_of(uint t, uint k) {
  uint r = p.priority_rank < 0 ? k : uint(p.priority_rank);
  int e = expert[t * p.k + r];
  return e < 0 ? -1.0 : scores[t * p.e + uint(e)];
}

void main() {
  FOR_EACH_INDEX(i, p.t * p.k) {
    uint t = i / p.k, k = i % p.k;
    int e = expert[i];
    if (e < 0) {
      kept[i] = 0;
      slot[i] = -1;
      continue;
    }
    int fill = 0;
    for (uint r = 0u; r < k; ++r) {
      fill += counts[r * p.e + uint(e)];
      if (p.capacity >= 0) fill = min(fill, p.capacity);
    }
    int place = 0;
    if (p.priority == 0u) {
      place = place_of[i];
    } else {
      float mine = priority_of(t, k);
      for (uint u = 0u; u < p.t; ++u) {
        if (u == t || expert[u * p.k + k] != e) continue;
        float theirs = priority_of(u, k);
        if (theirs > mine || (theirs == mine && u < t)) ++place;
      }
    }
    bool fits = p.capacity < 0 || fill + place < p.capacity;
    kept[i] = fits ? 1 : 0;
    slot[i] = fits ? fill + place : -1;
  }
}
