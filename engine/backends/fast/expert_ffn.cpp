// Two passes over the pool, each a list of (expert, column block) tasks:
//   hidden  Hd (N, F) = act(X Gᵀ + bg) * (X Uᵀ + bu)   (plain: act(X Uᵀ + bu))
//   down    Y  (N, D) = Hd Wdᵀ + bd
// Every product is one expert's rows at once, on single-threaded OpenBLAS.
#include "engine/backends/fast/expert_ffn.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/elementwise.h"

namespace archscope::fast {

namespace {

// Column blocks wide enough to keep sgemm efficient, narrow enough to give
// every thread a share of even one expert's product.
int column_block(int cols, int threads) {
  const int wanted = std::max(1, threads * 2);
  return std::max(64, ((cols + wanted - 1) / wanted + 15) / 16 * 16);
}

struct BlockTask {
  int expert, c0, c1;
};

std::vector<BlockTask> block_tasks(const int32_t* offsets, int E, int cols, int width) {
  std::vector<BlockTask> tasks;
  for (int e = 0; e < E; ++e)
    if (offsets[e + 1] > offsets[e])
      for (int c0 = 0; c0 < cols; c0 += width) tasks.push_back({e, c0, std::min(cols, c0 + width)});
  return tasks;
}

// y[r, c0:c1] += b[c0:c1] for rows of y (ld columns apart); b may be null.
void add_bias(float* y, int rows, int ld, int c0, int c1, const float* b) {
  if (!b) return;
  for (int r = 0; r < rows; ++r)
    for (int c = c0; c < c1; ++c) y[static_cast<int64_t>(r) * ld + c] += b[c];
}

void check(int N, const int32_t* offsets, std::span<const ExpertFfnWeights> experts, const ExpertFfnShape& s) {
  const int E = static_cast<int>(experts.size());
  if (E < 1 || s.D < 1 || s.F < 1)
    throw std::invalid_argument("expert_ffn: " + std::to_string(E) + " experts of D " + std::to_string(s.D) +
                                ", F " + std::to_string(s.F));
  if (offsets[0] != 0 || offsets[E] > N)
    throw std::invalid_argument("expert_ffn: offsets run from " + std::to_string(offsets[0]) + " to " +
                                std::to_string(offsets[E]) + "; expected 0 to at most " + std::to_string(N) + " rows");
  for (int e = 0; e < E; ++e) {
    if (offsets[e + 1] < offsets[e])
      throw std::invalid_argument("expert_ffn: offsets of expert " + std::to_string(e) + " descend");
    const ExpertFfnWeights& w = experts[e];
    if (!w.up || !w.down || (s.gated && !w.gate))
      throw std::invalid_argument("expert_ffn: expert " + std::to_string(e) + " lacks its " +
                                  (!w.up ? "up" : !w.down ? "down" : "gate") + " weight");
  }
}

}  // namespace

void expert_ffn(ThreadPool& pool, const float* x, int N, const int32_t* offsets,
                std::span<const ExpertFfnWeights> experts, const ExpertFfnShape& s, float* y,
                Scratch* scratch) {
  check(N, offsets, experts, s);
  use_single_threaded_blas();
  const int E = static_cast<int>(experts.size()), D = s.D, F = s.F, used = offsets[E];
  Scratch own;
  // hidden (used, F), then for gated kinds the gate's pre-activations (used, F)
  const size_t block = static_cast<size_t>(used) * F;
  float* const hidden = (scratch ? scratch : &own)->floats(block * (s.gated ? 2 : 1));
  float* const gates = hidden + block;

  const std::vector<BlockTask> up_tasks = block_tasks(offsets, E, F, column_block(F, pool.size()));
  pool.run_sized(static_cast<int64_t>(up_tasks.size()), 2.0 * used * D * F * (s.gated ? 2 : 1), [&](int64_t i) {
    const BlockTask& t = up_tasks[i];
    const ExpertFfnWeights& w = experts[t.expert];
    const int first = offsets[t.expert], rows = offsets[t.expert + 1] - first, width = t.c1 - t.c0;
    const float* xe = x + static_cast<int64_t>(first) * D;
    float* he = hidden + static_cast<int64_t>(first) * F;  // this expert's rows, all F columns
    gemm_nt(rows, width, D, 1.0f, {xe, D}, {w.up + static_cast<int64_t>(t.c0) * D, D}, 0.0f, {he + t.c0, F});
    add_bias(he, rows, F, t.c0, t.c1, w.up_bias);
    if (!s.gated) {
      for (int r = 0; r < rows; ++r) {
        float* h = he + static_cast<int64_t>(r) * F + t.c0;
        activate_serial(h, h, width, s.act);
      }
      return;
    }
    float* ge = gates + static_cast<int64_t>(first) * F;
    gemm_nt(rows, width, D, 1.0f, {xe, D}, {w.gate + static_cast<int64_t>(t.c0) * D, D}, 0.0f, {ge + t.c0, F});
    add_bias(ge, rows, F, t.c0, t.c1, w.gate_bias);
    for (int r = 0; r < rows; ++r) {
      float* h = he + static_cast<int64_t>(r) * F + t.c0;
      gated_serial(ge + static_cast<int64_t>(r) * F + t.c0, h, h, width, s.act);
    }
  });

  const std::vector<BlockTask> down_tasks = block_tasks(offsets, E, D, column_block(D, pool.size()));
  pool.run_sized(static_cast<int64_t>(down_tasks.size()), 2.0 * used * D * F, [&](int64_t i) {
    const BlockTask& t = down_tasks[i];
    const ExpertFfnWeights& w = experts[t.expert];
    const int first = offsets[t.expert], rows = offsets[t.expert + 1] - first;
    float* ye = y + static_cast<int64_t>(first) * D;
    gemm_nt(rows, t.c1 - t.c0, F, 1.0f, {hidden + static_cast<int64_t>(first) * F, F},
            {w.down + static_cast<int64_t>(t.c0) * F, F}, 0.0f, {ye + t.c0, D});
    add_bias(ye, rows, D, t.c0, t.c1, w.down_bias);
  });
  std::fill(y + static_cast<int64_t>(used) * D, y + static_cast<int64_t>(N) * D, 0.0f);
}

}  // namespace archscope::fast
