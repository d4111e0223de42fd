// Top-k expert choice per token (one invocation per token). Selection ranks
// scores + correction bias; group-limited selection first keeps the best
// top_groups groups (scored by their top-2 sum or max) and ranks the other
// groups' experts as 0, as transformers fills them. Every comparison breaks
// ties by the lower index (a strict > while scanning upwards). Weights come
// from the unbiased scores, renormalised and scaled. A padded token gets
// experts -1 and weight 0.
#version 450
#include "compute/common.glsl"
#define MAX_K 16u
#define MAX_GROUPS 64u
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer S { float s[]; };       // (T, E)
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };  // (E)
layout(std430, binding = 2) readonly buffer Valid { int valid[]; };  // (T)
layout(std430, binding = 3) writeonly buffer Expert { int expert[]; };  // (T, K)
layout(std430, binding = 4) writeonly buffer Weight { float weight[]; };  // (T, K)
layout(std430, binding = 5) writeonly buffer Groups { int kept_groups[]; };  // (T, top_groups)
layout(push_constant) uniform P {
  uint t, e, k, groups, top_groups, top2sum, normalize, has_bias, has_valid;
  float scaling;
} p;

float choice_of(uint base, uint e) { return s[base + e] + (p.has_bias != 0u ? bias[e] : 0.0); }

void main() {
  FOR_EACH_INDEX(t, p.t) {
    bool padded = p.has_valid != 0u && valid[t] == 0;
    if (padded) {
      for (uint k = 0u; k < p.k; ++k) {
        expert[t * p.k + k] = -1;
        weight[t * p.k + k] = 0.0;
      }
      if (p.groups > 1u)
        for (uint g = 0u; g < p.top_groups; ++g) kept_groups[t * p.top_groups + g] = -1;
      continue;
    }
    uint base = t * p.e;
    uint per_group = p.e / p.groups;
    bool keep[MAX_GROUPS];
    for (uint g = 0u; g < MAX_GROUPS; ++g) keep[g] = true;
    if (p.groups > 1u) {
      float group_score[MAX_GROUPS];
      for (uint g = 0u; g < p.groups; ++g) {
        float best = -1.0 / 0.0, second = -1.0 / 0.0;
        for (uint e = g * per_group; e < (g + 1u) * per_group; ++e) {
          float v = choice_of(base, e);
          if (v > best) {
            second = best;
            best = v;
          } else if (v > second) {
            second = v;
          }
        }
        group_score[g] = p.top2sum != 0u ? best + second : best;
        keep[g] = false;
      }
      for (uint n = 0u; n < p.top_groups; ++n) {
        int pick = -1;
        for (uint g = 0u; g < p.groups; ++g)
          if (!keep[g] && (pick < 0 || group_score[g] > group_score[pick])) pick = int(g);
        keep[pick] = true;
      }
      uint n = 0u;  // kept groups, ascending
      for (uint g = 0u; g < p.groups; ++g)
        if (keep[g]) kept_groups[t * p.top_groups + n++] = int(g);
    }
    int chosen[MAX_K];
    float sum = 0.0;
    for (uint k = 0u; k < p.k; ++k) {
      int pick = -1;
      float pick_value = 0.0;
      for (uint e = 0u; e < p.e; ++e) {
        bool taken = false;
        for (uint j = 0u; j < k; ++j) taken = taken || chosen[j] == int(e);
        if (taken) continue;
        float v = keep[e / per_group] ? choice_of(base, e) : 0.0;
        if (pick < 0 || v > pick_value) {
          pick = int(e);
          pick_value = v;
        }
      }
      chosen[k] = pick;
      sum += s[base + uint(pick)];
    }
    for (uint k = 0u; k < p.k; ++k) {
      float w = s[base + uint(chosen[k])];
      if (p.normalize != 0u) w /= (sum + 1e-20);
      expert[t * p.k + k] = chosen[k];
      weight[t * p.k + k] = w * p.scaling;
    }
  }
}
