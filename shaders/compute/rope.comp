// RoPE on x (T, H, Dh): dims [offset, offset + rot) of every head rotated by
// position t + position_offset; half pairs (i, i + rot/2) or interleaved
// pairs (2i, 2i+1), which come out in halves as Hugging Face's
// apply_rotary_pos_emb_interleave leaves them. One invocation per output
// pair; inv_freq (rot/2) comes from the host as the reference computes it.
#version 450
#include "compute/common.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer F { float inv_freq[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint t; uint h; uint dh; uint offset; uint rot; int position_offset; uint interleaved;
} p;
void main() {
  uint half_rot = p.rot / 2u;
  // every element outside the rotated range is copied; each rotated pair once
  uint total = p.t * p.h * p.dh;
  FOR_EACH_INDEX(i, total) {
    uint d = i % p.dh;
    uint row = i / p.dh;  // (t, h)
    uint base = row * p.dh + p.offset;
    if (d < p.offset || d >= p.offset + p.rot) {
      y[i] = x[i];
      continue;
    }
    uint j = d - p.offset;  // output index inside the rotated range
    uint pair = j < half_rot ? j : j - half_rot;
    float first = p.interleaved != 0u ? x[base + 2u * pair] : x[base + pair];
    float second = p.interleaved != 0u ? x[base + 2u * pair + 1u] : x[base + pair + half_rot];
    float angle = float(int(row / p.h) + p.position_offset) * inv_freq[pair];
    float r = reduce_angle(angle);
    float c = cos(r), s = sin(r);
    y[i] = j < half_rot ? first * c - second * s : second * c + first * s;
  }
}
