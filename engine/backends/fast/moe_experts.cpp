// MoE experts in four passes over the pool:
//   bucket   kept pairs by expert, in pair order (a counting sort)
//   gather   X (P, D): row n is the token of the n-th bucketed pair
//   hidden   Hd (P, F) = act(X Gᵀ) * (X Uᵀ), one task per (expert, block of F)
//   down     Y (P, D) = Hd Wdᵀ, one task per (expert, block of D)
//   combine  out[t] = sum_k weight[t, k] Y[row of (t, k)], one task per tokens block
// Tasks over (expert, column block) keep both threads busy when loads are
// uneven, and every product is one expert's rows at once.
#include "engine/backends/fast/moe_experts.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/elementwise.h"

namespace archscope::fast {

namespace {

// Column blocks for one product of `rows` rows and `cols` outputs: wide enough
// to keep sgemm efficient, narrow enough to give every thread work.
int column_block(int cols, int threads) {
  const int wanted = std::max(1, threads * 2);
  return std::max(64, ((cols + wanted - 1) / wanted + 15) / 16 * 16);
}

struct Bucket {
  int first = 0;  // first row in X
  int rows = 0;
};

// (expert, column block) tasks over all experts with rows.
struct BlockTask {
  int expert, c0, c1;
};

std::vector<BlockTask> block_tasks(const std::vector<Bucket>& buckets, int cols, int width) {
  std::vector<BlockTask> tasks;
  for (int e = 0; e < static_cast<int>(buckets.size()); ++e)
    if (buckets[e].rows > 0)
      for (int c0 = 0; c0 < cols; c0 += width) tasks.push_back({e, c0, std::min(cols, c0 + width)});
  return tasks;
}

void add_bias(float* y, int rows, int ld, int c0, int c1, const float* b) {
  if (!b) return;
  for (int r = 0; r < rows; ++r)
    for (int c = c0; c < c1; ++c) y[static_cast<int64_t>(r) * ld + c] += b[c];
}

}  // namespace

void moe_experts(ThreadPool& pool, const float* x, const ExpertFfn& ffn,
                 std::span<const ExpertWeights> experts, const RoutedPairs& pairs, float* out) {
  use_single_threaded_blas();
  const int T = pairs.T, K = pairs.K, D = ffn.D, F = ffn.F, E = static_cast<int>(experts.size());
  const int64_t TK = static_cast<int64_t>(T) * K;
  for (int e = 0; e < E; ++e)
    if (!experts[e].up || !experts[e].down || (ffn.gated && !experts[e].gate))
      throw std::invalid_argument("moe experts: expert " + std::to_string(e) + " lacks its " +
                                  (!experts[e].up ? "up" : !experts[e].down ? "down" : "gate") +
                                  " weight");
  // bucket: row_of[i] is pair i's row in X, or -1 when dropped.
  std::vector<Bucket> buckets(E);
  std::vector<int> row_of(TK, -1);
  for (int64_t i = 0; i < TK; ++i) {
    if (pairs.kept && !pairs.kept[i]) continue;
    const int e = pairs.expert[i];
    if (e < 0 || e >= E)
      throw std::invalid_argument("moe experts: pair " + std::to_string(i) + " routes to expert " +
                                  std::to_string(e) + ", outside [0, " + std::to_string(E) + ")");
    ++buckets[e].rows;
  }
  int P = 0;
  for (Bucket& b : buckets) {
    b.first = P;
    P += b.rows;
  }
  std::vector<int> token_of(P), fill(E, 0);
  for (int64_t i = 0; i < TK; ++i) {
    if (pairs.kept && !pairs.kept[i]) continue;
    const int e = pairs.expert[i];
    row_of[i] = buckets[e].first + fill[e]++;
    token_of[row_of[i]] = static_cast<int>(i / K);
  }

  std::vector<float> X(static_cast<size_t>(P) * D), Hd(static_cast<size_t>(P) * F), Y(static_cast<size_t>(P) * D);
  pool.for_ranges(P, std::max(1, 4096 / std::max(1, D)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::copy_n(x + static_cast<int64_t>(token_of[r]) * D, D, X.data() + r * D);
  });

  const std::vector<BlockTask> hidden = block_tasks(buckets, F, column_block(F, pool.size()));
  pool.run_sized(static_cast<int64_t>(hidden.size()), 2.0 * P * D * F * (ffn.gated ? 2 : 1), [&](int64_t i) {
    const BlockTask& t = hidden[i];
    const Bucket& b = buckets[t.expert];
    const ExpertWeights& w = experts[t.expert];
    const int width = t.c1 - t.c0;
    const float* Xe = X.data() + static_cast<int64_t>(b.first) * D;
    float* He = Hd.data() + static_cast<int64_t>(b.first) * F;  // (rows, F), this task's columns
    gemm_nt(b.rows, width, D, 1.0f, {Xe, D}, {w.up + static_cast<int64_t>(t.c0) * D, D}, 0.0f, {He + t.c0, F});
    add_bias(He, b.rows, F, t.c0, t.c1, w.up_bias);
    if (!ffn.gated) {
      for (int r = 0; r < b.rows; ++r) activate_serial(He + static_cast<int64_t>(r) * F + t.c0, He + static_cast<int64_t>(r) * F + t.c0, width, ffn.act);
      return;
    }
    std::vector<float> G(static_cast<size_t>(b.rows) * width);  // (rows, width)
    gemm_nt(b.rows, width, D, 1.0f, {Xe, D}, {w.gate + static_cast<int64_t>(t.c0) * D, D}, 0.0f, {G.data(), width});
    for (int r = 0; r < b.rows; ++r) {
      float* g = G.data() + static_cast<int64_t>(r) * width;
      if (w.gate_bias)
        for (int c = 0; c < width; ++c) g[c] += w.gate_bias[t.c0 + c];
      float* h = He + static_cast<int64_t>(r) * F + t.c0;
      gated_serial(g, h, h, width, ffn.act);
    }
  });

  const std::vector<BlockTask> down = block_tasks(buckets, D, column_block(D, pool.size()));
  pool.run_sized(static_cast<int64_t>(down.size()), 2.0 * P * D * F, [&](int64_t i) {
    const BlockTask& t = down[i];
    const Bucket& b = buckets[t.expert];
    const ExpertWeights& w = experts[t.expert];
    float* Ye = Y.data() + static_cast<int64_t>(b.first) * D;
    gemm_nt(b.rows, t.c1 - t.c0, F, 1.0f, {Hd.data() + static_cast<int64_t>(b.first) * F, F},
            {w.down + static_cast<int64_t>(t.c0) * F, F}, 0.0f, {Ye + t.c0, D});
    add_bias(Ye, b.rows, D, t.c0, t.c1, w.down_bias);
  });

  pool.for_ranges(T, std::max(1, 4096 / std::max(1, D)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* o = out + t * D;
      std::fill(o, o + D, 0.0f);
      for (int k = 0; k < K; ++k) {
        const int row = row_of[t * K + k];
        if (row < 0) continue;
        const float wk = pairs.weight[t * K + k];
        const float* y = Y.data() + static_cast<int64_t>(row) * D;
        for (int d = 0; d < D; ++d) o[d] += wk * y[d];
      }
    }
  });
}

}  // namespace archscope::fast
