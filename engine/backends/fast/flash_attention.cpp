// Fused attention: per task (head h, query rows [i0, i1)), walk the rows' key
// hull in blocks of kKeyBlock keys with an online softmax (running max m,
// running sum l, output rescaled by exp(m_old - m_new)), as FlashAttention
// does, so no (Tq, Tk) matrix exists. Key blocks with no valid key are skipped.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/backends/fast/attention.h"
#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/key_ranges.h"
#include "engine/backends/fast/reduce.h"
#include "engine/backends/fast/vector_math.h"

namespace archscope::fast {

namespace {

constexpr int kQueryBlock = 64;
constexpr int kKeyBlock = 256;
constexpr float kNoMax = -std::numeric_limits<float>::infinity();

struct RowState {
  float max = kNoMax;
  float sum = 0.0f;
};

// Turns row s[0, width) of scores for keys [kb, kb + width) into exp(s - m_new)
// over the row's visible keys (0 elsewhere), updates the row's state, and
// returns the factor its accumulated output must be scaled by.
float online_softmax_row(float* s, int kb, int width, KeyRange r, const KeyRanges& ranges,
                         const float* bias_row, RowState& st) {
  const int a = std::max(kb, r.begin), b = std::min(kb + width, r.end);
  if (a >= b) {
    std::fill(s, s + width, 0.0f);
    return 1.0f;
  }
  std::fill(s, s + (a - kb), 0.0f);
  std::fill(s + (b - kb), s + width, 0.0f);
  float* row = s + (a - kb);
  const int n = b - a;
  if (bias_row)
    for (int j = 0; j < n; ++j) row[j] += bias_row[a + j];
  if (ranges.key_valid())
    for (int j = 0; j < n; ++j)
      if (!ranges.key_visible(a + j)) row[j] = kNoMax;
  const float block_max = lane_max(row, n);
  if (block_max == kNoMax) {  // every key of this block is padding
    std::fill(row, row + n, 0.0f);
    return 1.0f;
  }
  const float new_max = std::max(st.max, block_max);
  for (int j = 0; j < n; ++j) row[j] -= new_max;
  exp_inplace(row, n);
  const float rescale = st.max == kNoMax ? 0.0f : std::exp(st.max - new_max);
  st.sum = st.sum * rescale + lane_sum(row, n);
  st.max = new_max;
  return rescale;
}

}  // namespace

void attention_fused(ThreadPool& pool, const AttentionProblem& p, float* out) {
  detail::check(p);
  use_single_threaded_blas();
  const KeyRanges ranges(*p.mask, p.Tq, p.Tk);
  const int group = p.H / p.KV;
  const int blocks = (p.Tq + kQueryBlock - 1) / kQueryBlock;
  const double work = 2.0 * p.Tq * p.Tk * p.H * (p.Dqk + p.Dv);
  pool.run_sized(static_cast<int64_t>(p.H) * blocks, work, [&](int64_t task) {
    const int h = static_cast<int>(task / blocks), kvh = h / group;
    const int i0 = static_cast<int>(task % blocks) * kQueryBlock, i1 = std::min(p.Tq, i0 + kQueryBlock);
    const int rows = i1 - i0;
    const KeyRange hull = ranges.hull(i0, i1);
    std::vector<float> S(static_cast<size_t>(rows) * kKeyBlock);        // (rows, kKeyBlock)
    std::vector<float> acc(static_cast<size_t>(rows) * p.Dv, 0.0f);    // (rows, Dv)
    std::vector<RowState> state(rows);
    for (int kb = hull.begin; kb < hull.end; kb += kKeyBlock) {
      const int width = std::min(kKeyBlock, hull.end - kb);
      if (!ranges.any_valid(kb, kb + width)) continue;
      gemm_nt(rows, width, p.Dqk, p.scale, {p.q + (static_cast<int64_t>(i0) * p.H + h) * p.Dqk, p.H * p.Dqk},
              {p.k + (static_cast<int64_t>(kb) * p.KV + kvh) * p.Dqk, p.KV * p.Dqk}, 0.0f,
              {S.data(), kKeyBlock});
      for (int r = 0; r < rows; ++r) {
        const int i = i0 + r;
        const float* bias_row = p.bias ? p.bias + (static_cast<int64_t>(h) * p.Tq + i) * p.Tk : nullptr;
        const float rescale = online_softmax_row(S.data() + static_cast<size_t>(r) * kKeyBlock, kb, width,
                                                 ranges.row(i), ranges, bias_row, state[r]);
        if (rescale != 1.0f)
          for (int d = 0; d < p.Dv; ++d) acc[static_cast<size_t>(r) * p.Dv + d] *= rescale;
      }
      gemm_nn(rows, p.Dv, width, 1.0f, {S.data(), kKeyBlock},
              {p.v + (static_cast<int64_t>(kb) * p.KV + kvh) * p.Dv, p.KV * p.Dv}, 1.0f, {acc.data(), p.Dv});
    }
    for (int r = 0; r < rows; ++r) {
      float* o = out + static_cast<int64_t>(i0 + r) * p.H * p.Dv + static_cast<int64_t>(h) * p.Dv;
      const float inv = state[r].sum > 0.0f ? 1.0f / state[r].sum : 0.0f;
      for (int d = 0; d < p.Dv; ++d) o[d] = acc[static_cast<size_t>(r) * p.Dv + d] * inv;
    }
  });
}

}  // namespace archscope::fast
