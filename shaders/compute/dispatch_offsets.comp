// offsets (E + 1) of the grouped rows. STAGE 0: kept pairs counted per
// expert into offsets[e + 1] (integer atomics into the zeroed buffer, so
// order-free). STAGE 1, a second dispatch: one invocation turns the counts
// into running sums (E is at most a few thousand).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint STAGE = 0u;
layout(std430, binding = 0) readonly buffer Expert { int expert[]; };  // (T, K)
layout(std430, binding = 1) readonly buffer Kept { int kept[]; };      // (T, K)
layout(std430, binding = 2) buffer Offsets { int offsets[]; };         // (E + 1), zeroed
layout(push_constant) uniform P { uint pairs; uint e; } p;
void main() {
  if (STAGE == 0u) {
    FOR_EACH_INDEX(i, p.pairs) {
      int e = expert[i];
      if (kept[i] != 0 && e >= 0 && uint(e) < p.e) atomicAdd(offsets[uint(e) + 1u], 1);
    }
    return;
  }
  if (gl_GlobalInvocationID.x != 0u) return;
  for (uint e = 1u; e <= p.e; ++e) offsets[e] += offsets[e - 1u];
}
