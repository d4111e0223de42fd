// What both attention shaders share: the bindings, the parameters, the mask
// predicate (engine/run/mask.h's allows_unpadded, evaluated per (q, kv)), the
// range of keys a block of queries can see (so fully masked key tiles are
// never loaded), and the K/V tile in shared memory.
// A workgroup is 64 query rows of one head: thread i owns row q0 + i.
#ifndef ARCHSCOPE_ATTENTION_COMMON_GLSL
#define ARCHSCOPE_ATTENTION_COMMON_GLSL

#define MASK_CAUSAL 0u
#define MASK_BIDIRECTIONAL 1u
#define MASK_PREFIX 2u
#define MASK_SLIDING_WINDOW 3u
#define MASK_CHUNKED 4u
#define QUERIES 64u

layout(local_size_x = 64) in;
// Head widths rounded up (register arrays), and keys per shared tile.
layout(constant_id = 0) const uint DQK = 64u;
layout(constant_id = 1) const uint DV = 64u;
layout(constant_id = 2) const uint BK = 16u;

layout(std430, binding = 0) readonly buffer Q { float q[]; };      // (Tq, H, Dqk)
layout(std430, binding = 1) readonly buffer K { float k[]; };      // (Tk, KV, Dqk)
layout(std430, binding = 2) readonly buffer V { float v[]; };      // (Tk, KV, Dv)
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };  // (H, Tq, Tk)
layout(std430, binding = 4) readonly buffer Valid { int key_valid[]; };  // (Tk)
layout(std430, binding = 5) writeonly buffer Out { float o[]; };   // (Tq, H * Dv)

layout(push_constant) uniform P {
  uint tq, tk, h, kv, dqk, dv;
  uint kind, prefix, window, counts_self, chunk, cross;
  uint has_bias, has_valid;
  float scale;
  uint pool, pq, pk;  // probabilities form only
} p;

shared float ks[BK * DQK];
shared float vs[BK * DV];

bool allows(uint qi, uint kj) {
  if (p.has_valid != 0u && key_valid[kj] == 0) return false;
  if (p.cross != 0u) return true;
  if (p.kind == MASK_BIDIRECTIONAL) return true;
  if (p.kind == MASK_CAUSAL) return kj <= qi;
  if (p.kind == MASK_PREFIX) return kj < p.prefix || kj <= qi;
  if (p.kind == MASK_SLIDING_WINDOW)
    return kj <= qi && (p.counts_self != 0u ? qi - kj < p.window : qi - kj <= p.window);
  return kj <= qi && qi / p.chunk == kj / p.chunk;  // chunked
}

// Keys [first, last) hold every key some query of [q0, q1] may see.
uvec2 key_range(uint q0, uint q1) {
  if (p.cross != 0u || p.kind == MASK_BIDIRECTIONAL) return uvec2(0u, p.tk);
  uint last = min(p.tk, q1 + 1u);
  if (p.kind == MASK_PREFIX) return uvec2(0u, min(p.tk, max(q1 + 1u, p.prefix)));
  uint first = 0u;
  if (p.kind == MASK_SLIDING_WINDOW) {
    uint reach = p.counts_self != 0u ? p.window - 1u : p.window;  // keys before q still seen
    first = q0 > reach ? q0 - reach : 0u;
    if (p.window == 0u && p.counts_self != 0u) last = 0u;  // a window of 0 sees nothing
  }
  if (p.kind == MASK_CHUNKED) first = (q0 / p.chunk) * p.chunk;
  return uvec2(first, max(first, last));
}

// Loads keys [k0, k0 + BK) of kv head kvh into shared memory (zeros past tk).
void load_tile(uint k0, uint kvh) {
  for (uint i = gl_LocalInvocationID.x; i < BK * p.dqk; i += QUERIES) {
    uint j = i / p.dqk, d = i % p.dqk;
    ks[j * DQK + d] = k0 + j < p.tk ? k[((k0 + j) * p.kv + kvh) * p.dqk + d] : 0.0;
  }
  for (uint i = gl_LocalInvocationID.x; i < BK * p.dv; i += QUERIES) {
    uint j = i / p.dv, d = i % p.dv;
    vs[j * DV + d] = k0 + j < p.tk ? v[((k0 + j) * p.kv + kvh) * p.dv + d] : 0.0;
  }
}

// The scaled (and biased) score of query row qv against tile key j.
float score(float qv[DQK], uint j, uint qi, uint kj, uint head) {
  float dot = 0.0;
  for (uint d = 0u; d < p.dqk; ++d) dot += qv[d] * ks[j * DQK + d];
  float s = dot * p.scale;
  if (p.has_bias != 0u) s += bias[(head * p.tq + qi) * p.tk + kj];
  return s;
}

#endif
