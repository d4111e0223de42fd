// What each op requires of its operands, checked once for every backend.
// Each function throws std::invalid_argument "op: what", naming the shapes,
// when an operand does not fit, and returns the sizes the op works with.
// The messages are built only on failure: these run on every op of every
// forward, and a classroom forward takes well under a millisecond.
#pragma once

#include "engine/backends/backend.h"

namespace archscope::contract {

struct LinearDims {
  int rows, K, N;  // x (rows, K) viewed as (..., K); w (N, K); b (N)
};
LinearDims linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b);

// x (..., D); gamma and beta (D). Returns D.
int layer_norm(const DeviceTensor& x, const DeviceTensor& gamma, const DeviceTensor* beta);
int rms_norm(const DeviceTensor& x, const DeviceTensor& gamma);

void gated(const DeviceTensor& gate, const DeviceTensor& up);  // same shape
void add(const DeviceTensor& x, const DeviceTensor& y);        // same element count
void scale_rows(const DeviceTensor& x, const DeviceTensor& scales);  // scales (rows of x)

// x (T, H, Dh); the rotated dims [offset, offset + dim) inside each head, dim even.
void rope(const DeviceTensor& x, const RopeInputs& r);

struct AttentionDims {
  int Tq, H, Dqk;  // q (Tq, H, Dqk)
  int Tk, KV, Dv;  // k (Tk, KV, Dqk), v (Tk, KV, Dv); H a multiple of KV
};
// Also the optional bias (H, Tq, Tk), key_valid (Tk), and the maps asked for:
// full_heads ascending below H, pool >= 0.
AttentionDims attention(const AttentionInputs& in);

struct ExpertFfnDims {
  int E, F, D;  // up and gate (E, F, D), down (E, D, F), biases (E, F) and (E, D)
  int N;        // rows (N, D); offsets (E + 1)
};
ExpertFfnDims expert_ffn(const ExpertBatch& batch, const ExpertWeights& w);

}  // namespace archscope::contract
