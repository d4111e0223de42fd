// Attention that writes probabilities. Per task (head h, query rows [i0, i1)):
//   S = scale · Q_h Kᵀ over the rows' key hull, straight into the probability rows
//   softmax each row over its own key range (float32, max-subtracted)
//   out_h = P V over the same hull
// Scores outside a row's range are never computed, only zeroed.
#include "engine/backends/fast/attention.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/key_ranges.h"
#include "engine/backends/fast/reduce.h"
#include "engine/backends/fast/vector_math.h"

namespace archscope::fast {

namespace detail {

void check(const AttentionProblem& p) {
  const std::string sizes = "Tq " + std::to_string(p.Tq) + ", Tk " + std::to_string(p.Tk) + ", H " +
                            std::to_string(p.H) + ", KV " + std::to_string(p.KV) + ", Dqk " +
                            std::to_string(p.Dqk) + ", Dv " + std::to_string(p.Dv);
  if (!p.q || !p.k || !p.v || !p.mask)
    throw std::invalid_argument("attention: q, k, v and mask are required (" + sizes + ")");
  if (p.Tq < 0 || p.Tk < 0 || p.H < 1 || p.KV < 1 || p.Dqk < 1 || p.Dv < 1 || p.H % p.KV != 0)
    throw std::invalid_argument("attention: bad sizes (" + sizes + "); H must be a multiple of KV");
}

}  // namespace detail

namespace {

constexpr int kQueryBlock = 64;

// Softmax of one probability row in place. On entry p[r.begin, r.end) holds the
// scaled scores; on exit the whole row [0, Tk) holds probabilities.
void softmax_row(float* p, int Tk, KeyRange r, const KeyRanges& ranges,
                 const float* bias_row) {
  std::fill(p, p + (r.empty() ? Tk : r.begin), 0.0f);
  if (r.empty()) return;
  std::fill(p + r.end, p + Tk, 0.0f);
  const int n = r.end - r.begin;
  float* s = p + r.begin;
  if (bias_row)
    for (int j = 0; j < n; ++j) s[j] += bias_row[r.begin + j];
  if (ranges.key_valid())
    for (int j = 0; j < n; ++j)
      if (!ranges.key_visible(r.begin + j)) s[j] = -std::numeric_limits<float>::infinity();
  const float m = lane_max(s, n);  // the ends are visible keys, so m is finite
  for (int j = 0; j < n; ++j) s[j] -= m;
  exp_inplace(s, n);  // exp(-inf) = 0 for padded keys
  const float inv = 1.0f / lane_sum(s, n);
  for (int j = 0; j < n; ++j) s[j] *= inv;
}

}  // namespace

void attention_with_probs(ThreadPool& pool, const AttentionProblem& p, float* out, float* probs) {
  detail::check(p);
  use_single_threaded_blas();
  const KeyRanges ranges(*p.mask, p.Tq, p.Tk);
  const int group = p.H / p.KV;
  const int blocks = (p.Tq + kQueryBlock - 1) / kQueryBlock;
  const double work = 2.0 * p.Tq * p.Tk * p.H * (p.Dqk + p.Dv);
  pool.run_sized(static_cast<int64_t>(p.H) * blocks, work, [&](int64_t task) {
    const int h = static_cast<int>(task / blocks), kvh = h / group;
    const int i0 = static_cast<int>(task % blocks) * kQueryBlock, i1 = std::min(p.Tq, i0 + kQueryBlock);
    const KeyRange hull = ranges.hull(i0, i1);
    float* P = probs + (static_cast<int64_t>(h) * p.Tq + i0) * p.Tk;  // rows [i0, i1) of head h
    float* O = out + static_cast<int64_t>(i0) * p.H * p.Dv + static_cast<int64_t>(h) * p.Dv;
    const int n = hull.end - hull.begin;
    if (n > 0)
      gemm_nt(i1 - i0, n, p.Dqk, p.scale,
              {p.q + (static_cast<int64_t>(i0) * p.H + h) * p.Dqk, p.H * p.Dqk},
              {p.k + (static_cast<int64_t>(hull.begin) * p.KV + kvh) * p.Dqk, p.KV * p.Dqk}, 0.0f,
              {P + hull.begin, p.Tk});
    for (int i = i0; i < i1; ++i) {
      const float* bias_row = p.bias ? p.bias + (static_cast<int64_t>(h) * p.Tq + i) * p.Tk : nullptr;
      softmax_row(P + static_cast<int64_t>(i - i0) * p.Tk, p.Tk, ranges.row(i), ranges, bias_row);
    }
    if (n > 0) {
      gemm_nn(i1 - i0, p.Dv, n, 1.0f, {P + hull.begin, p.Tk},
              {p.v + (static_cast<int64_t>(hull.begin) * p.KV + kvh) * p.Dv, p.KV * p.Dv}, 0.0f,
              {O, p.H * p.Dv});
    } else {
      for (int i = i0; i < i1; ++i) std::fill(O + static_cast<int64_t>(i - i0) * p.H * p.Dv,
                                              O + static_cast<int64_t>(i - i0) * p.H * p.Dv + p.Dv, 0.0f);
    }
  });
}

}  // namespace archscope::fast
