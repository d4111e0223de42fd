// T5: bias (H, Tq, Tk) = table (buckets, H)[bucket(kv - q), h]; the bucket
// of every distance kv - q in [-(Tq-1), Tk-1] comes from the host (an
// integer function of the shape alone).
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Table { float table[]; };
layout(std430, binding = 1) readonly buffer Buckets { int bucket_of[]; };  // (Tq + Tk - 1)
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint h; uint tq; uint tk; } p;
void main() {
  FOR_EACH_INDEX(i, p.h * p.tq * p.tk) {
    uint kv = i % p.tk, q = (i / p.tk) % p.tq, head = i / (p.tk * p.tq);
    o[i] = table[uint(bucket_of[kv + p.tq - 1u - q]) * p.h + head];
  }
}
