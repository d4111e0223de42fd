// Softmax attention that also writes probabilities: the whole (Tq, Tk) map
// of the heads listed in slot_of_head (>= 0), and every head's map
// max-pooled over pool x pool blocks. Two passes over the visible keys: the
// row's max and sum first, then exact probabilities (masked keys stay 0, as
// the buffers are zeroed) and the output. Pooled cells are shared by pool
// query rows: an atomic max on the float's bits, exact and order-free for
// non-negative values.
#version 450
#include "compute/attention_common.glsl"
layout(std430, binding = 6) readonly buffer Slots { int slot_of_head[]; };  // (H)
layout(std430, binding = 7) buffer Probs { float probs[]; };                // (n, Tq, Tk)
layout(std430, binding = 8) buffer Pooled { uint pooled[]; };               // (H, pq, pk) float bits

void main() {
  uint head = gl_WorkGroupID.y;
  uint kvh = head / (p.h / p.kv);
  uint q0 = gl_WorkGroupID.x * QUERIES;
  uint qi = q0 + gl_LocalInvocationID.x;
  bool live = qi < p.tq;
  float qv[DQK];
  for (uint d = 0u; d < p.dqk; ++d) qv[d] = live ? q[(qi * p.h + head) * p.dqk + d] : 0.0;
  uvec2 range = key_range(q0, min(q0 + QUERIES, p.tq) - 1u);

  // Pass 1: the row's max and sum of exponentials.
  float m = -1.0 / 0.0, l = 0.0;
  for (uint k0 = range.x; k0 < range.y; k0 += BK) {
    barrier();
    load_tile(k0, kvh);
    barrier();
    if (!live) continue;
    for (uint j = 0u; j < BK && k0 + j < range.y; ++j) {
      uint kj = k0 + j;
      if (!allows(qi, kj)) continue;
      float s = score(qv, j, qi, kj, head);
      if (s > m) {
        l *= exp(m - s);
        m = s;
      }
      l += exp(s - m);
    }
  }

  // Pass 2: probabilities, the maps, and the output.
  int slot = slot_of_head[head];
  float acc[DV];
  for (uint d = 0u; d < p.dv; ++d) acc[d] = 0.0;
  for (uint k0 = range.x; k0 < range.y; k0 += BK) {
    barrier();
    load_tile(k0, kvh);
    barrier();
    if (!live || l == 0.0) continue;
    for (uint j = 0u; j < BK && k0 + j < range.y; ++j) {
      uint kj = k0 + j;
      if (!allows(qi, kj)) continue;
      float pr = exp(score(qv, j, qi, kj, head) - m) / l;
      for (uint d = 0u; d < p.dv; ++d) acc[d] += pr * vs[j * DV + d];
      if (slot >= 0) probs[(uint(slot) * p.tq + qi) * p.tk + kj] = pr;
      if (p.pool > 0u && pr > 0.0)
        atomicMax(pooled[(head * p.pq + qi / p.pool) * p.pk + kj / p.pool], floatBitsToUint(pr));
    }
  }
  if (!live) return;
  for (uint d = 0u; d < p.dv; ++d) o[(qi * p.h + head) * p.dv + d] = acc[d];
}
