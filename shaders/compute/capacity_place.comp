// Under DropPolicy::Position: each pair's place among its expert's pairs of
// the same rank, earlier tokens first. One workgroup per (expert, rank)
// runs a prefix sum over the tokens, 256 at a time, of "this token chose the
// expert at this rank"; a pair's place is the sum before it.
#version 450
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Expert { int expert[]; };  // (T, K)
layout(std430, binding = 1) writeonly buffer Place { int place[]; };   // (T, K)
layout(push_constant) uniform P { uint t; uint k; } p;

shared uint scan[256];

void main() {
  int e = int(gl_WorkGroupID.x);
  uint k = gl_WorkGroupID.y, me = gl_LocalInvocationID.x;
  uint running = 0u;
  for (uint base = 0u; base < p.t; base += 256u) {
    uint t = base + me;
    bool mine = t < p.t && expert[t * p.k + k] == e;
    scan[me] = mine ? 1u : 0u;
    barrier();
    // Hillis-Steele inclusive scan over the 256 flags.
    for (uint step = 1u; step < 256u; step <<= 1u) {
      uint add = me >= step ? scan[me - step] : 0u;
      barrier();
      scan[me] += add;
      barrier();
    }
    if (mine) place[t * p.k + k] = int(running + scan[me] - 1u);
    running += scan[255];
    barrier();  // scan is rewritten by the next block
  }
}
