// Fused softmax attention: one pass over the visible key tiles with an
// online softmax (running max and sum, the output rescaled as the max
// grows); no probabilities are written. GQA/MQA: head h reads kv head
// h / (H / KV). A query row that sees no key outputs 0.
#version 450
#include "compute/attention_common.glsl"

void main() {
  uint head = gl_WorkGroupID.y;
  uint kvh = head / (p.h / p.kv);
  uint q0 = gl_WorkGroupID.x * QUERIES;
  uint qi = q0 + gl_LocalInvocationID.x;
  bool live = qi < p.tq;
  float qv[DQK];
  for (uint d = 0u; d < p.dqk; ++d) qv[d] = live ? q[(qi * p.h + head) * p.dqk + d] : 0.0;
  float acc[DV];
  for (uint d = 0u; d < p.dv; ++d) acc[d] = 0.0;
  float m = -1.0 / 0.0, l = 0.0;

  uvec2 range = key_range(q0, min(q0 + QUERIES, p.tq) - 1u);
  for (uint k0 = range.x; k0 < range.y; k0 += BK) {
    barrier();  // the previous tile is no longer read
    load_tile(k0, kvh);
    barrier();
    if (!live) continue;
    for (uint j = 0u; j < BK && k0 + j < range.y; ++j) {
      uint kj = k0 + j;
      if (!allows(qi, kj)) continue;
      float s = score(qv, j, qi, kj, head);
      if (s > m) {
        float correction = exp(m - s);
        l *= correction;
        for (uint d = 0u; d < p.dv; ++d) acc[d] *= correction;
        m = s;
      }
      float e = exp(s - m);
      l += e;
      for (uint d = 0u; d < p.dv; ++d) acc[d] += e * vs[j * DV + d];
    }
  }
  if (!live) return;
  float inv = l > 0.0 ? 1.0 / l : 0.0;
  for (uint d = 0u; d < p.dv; ++d) o[(qi * p.h + head) * p.dv + d] = acc[d] * inv;
}
