// Scaled dot-product attention on the CPU, in two forms: one that writes the
// probabilities the views draw, and a fused one (online softmax over blocks
// of keys) for when nobody asked for them. Both read only the keys each query
// block may see (key_ranges.h), map query head h to KV head h / (H / KV), add
// T5's bias when given, and run one task per (head, block of queries).
#pragma once

#include "engine/backends/fast/thread_pool.h"
#include "engine/run/mask.h"

namespace archscope::fast {

struct AttentionProblem {
  const float* q = nullptr;     // (Tq, H, Dqk)
  const float* k = nullptr;     // (Tk, KV, Dqk)
  const float* v = nullptr;     // (Tk, KV, Dv)
  const float* bias = nullptr;  // (H, Tq, Tk) added to the scaled scores, or null
  const AttentionMask* mask = nullptr;
  float scale = 1.0f;
  int Tq = 0, Tk = 0, H = 0, KV = 0, Dqk = 0, Dv = 0;
};

// out (Tq, H * Dv) and probs (H, Tq, Tk), both written in full (masked keys
// get exactly 0; a query that sees no key gets a zero row and a zero output).
void attention_with_probs(ThreadPool& pool, const AttentionProblem& p, float* out, float* probs);

// out (Tq, H * Dv) as attention_with_probs writes it, without the probabilities.
void attention_fused(ThreadPool& pool, const AttentionProblem& p, float* out);

namespace detail {
// Throws std::invalid_argument naming the sizes when the problem is malformed.
void check(const AttentionProblem& p);
}  // namespace detail

}  // namespace archscope::fast
