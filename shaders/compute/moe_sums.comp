// The float sums of moe_counts over real tokens, in a fixed order (one
// workgroup; compensated sums, so long runs of tokens stay close to the
// reference's double sums): prob_sum (E) of each expert's normalised score,
// and token_sums (2) of entropies and logsumexp^2 from moe_token_stats.
#version 450
#include "compute/common.glsl"
#include "compute/reduce.glsl"
layout(std430, binding = 0) readonly buffer S { float s[]; };          // (T, E)
layout(std430, binding = 1) readonly buffer Valid { int valid[]; };    // (T)
layout(std430, binding = 2) readonly buffer Stats { float stats[]; };  // (T, 3)
layout(std430, binding = 3) writeonly buffer ProbSum { float prob_sum[]; };  // (E)
layout(std430, binding = 4) writeonly buffer Sums { float sums[]; };   // (2)
layout(push_constant) uniform P { uint t; uint e; uint has_valid; } p;

bool real(uint t) { return p.has_valid == 0u || valid[t] != 0; }

void main() {
  uint me = gl_LocalInvocationID.x;
  for (uint e = me; e < p.e; e += REDUCE_SIZE) {
    precise float sum = 0.0, carry = 0.0;
    for (uint t = 0u; t < p.t; ++t) {
      if (!real(t)) continue;
      precise float v = s[t * p.e + e] / stats[t * 3u + 2u] - carry;
      precise float next = sum + v;
      carry = (next - sum) - v;
      sum = next;
    }
    prob_sum[e] = sum;
  }
  for (uint column = 0u; column < 2u; ++column) {
    precise float sum = 0.0, carry = 0.0;
    for (uint t = me; t < p.t; t += REDUCE_SIZE) {
      if (!real(t)) continue;
      precise float v = stats[t * 3u + column] - carry;
      precise float next = sum + v;
      carry = (next - sum) - v;
      sum = next;
    }
    float total = reduce_sum(sum);
    if (me == 0u) sums[column] = total;
  }
}
