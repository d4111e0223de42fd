// cblas_sgemm wrappers and the column-block split of nn.Linear products.
#include "engine/backends/fast/blas.h"

#include <cblas.h>

#include <algorithm>
#include <mutex>

namespace archscope::fast {

void use_single_threaded_blas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

namespace {
// An empty sum: C = beta · C. BLAS would refuse the leading dimensions of K = 0.
void scale_only(int M, int N, float beta, MutMatrix C) {
  for (int r = 0; r < M; ++r) {
    float* c = C.data + static_cast<int64_t>(r) * C.ld;
    for (int j = 0; j < N; ++j) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
  }
}
}  // namespace

void gemm_nn(int M, int N, int K, float alpha, ConstMatrix A, ConstMatrix B, float beta, MutMatrix C) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_only(M, N, beta, C);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, alpha, A.data, A.ld, B.data, B.ld,
              beta, C.data, C.ld);
}

void gemm_nt(int M, int N, int K, float alpha, ConstMatrix A, ConstMatrix B, float beta, MutMatrix C) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_only(M, N, beta, C);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, alpha, A.data, A.ld, B.data, B.ld,
              beta, C.data, C.ld);
}

void linear(ThreadPool& pool, const float* x, int T, int K, const float* w, int N, const float* b,
            float* y) {
  use_single_threaded_blas();
  // y[r0:r1, c0:c1] = x[r0:r1] · W[c0:c1]ᵀ + b[c0:c1]
  auto block = [&](int r0, int r1, int c0, int c1) {
    gemm_nt(r1 - r0, c1 - c0, K, 1.0f, {x + static_cast<int64_t>(r0) * K, K},
            {w + static_cast<int64_t>(c0) * K, K}, 0.0f, {y + static_cast<int64_t>(r0) * N + c0, N});
    if (b)
      for (int r = r0; r < r1; ++r) {
        float* yr = y + static_cast<int64_t>(r) * N;
        for (int c = c0; c < c1; ++c) yr[c] += b[c];
      }
  };
  const int threads = pool.size();
  const double flops = 2.0 * T * N * K;
  if (threads == 1 || flops < 2e6) {
    block(0, T, 0, N);
    return;
  }
  // Columns of y are rows of W: each block reads its own slice of the weight
  // once, which is what costs when T is small. Narrow outputs (a router's few
  // experts) split their rows instead.
  const int pieces = threads * 2;
  if (N >= 64 * threads) {
    const int width = std::max(32, ((N + pieces - 1) / pieces + 15) / 16 * 16);
    const int blocks = (N + width - 1) / width;
    pool.run(blocks, [&](int64_t i) {
      const int c0 = static_cast<int>(i) * width;
      block(0, T, c0, std::min(N, c0 + width));
    });
  } else {
    const int height = std::max(8, (T + pieces - 1) / pieces);
    const int blocks = (T + height - 1) / height;
    pool.run(blocks, [&](int64_t i) {
      const int r0 = static_cast<int>(i) * height;
      block(r0, std::min(T, r0 + height), 0, N);
    });
  }
}

const char* blas_core_name() { return openblas_get_corename(); }

}  // namespace archscope::fast
