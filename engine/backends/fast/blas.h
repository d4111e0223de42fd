// Matrix products for the fast CPU kernels, on OpenBLAS's cblas_sgemm.
// Who threads what: OpenBLAS runs single-threaded inside every call, and the
// ThreadPool splits each product into blocks of columns. One policy for big
// and small products alike means a product called from inside a pool task
// (one attention head, one expert) never starts threads of its own.
#pragma once

#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// Row-major operand: element (r, c) at data[r * ld + c].
struct ConstMatrix {
  const float* data;
  int ld;
};
struct MutMatrix {
  float* data;
  int ld;
};

// Tells OpenBLAS to use one thread per call; idempotent. The pool's
// constructor cannot do it for us because tests use OpenBLAS directly too.
void use_single_threaded_blas();

// C (M, N) = alpha · A (M, K) · B (K, N) + beta · C, on the calling thread.
void gemm_nn(int M, int N, int K, float alpha, ConstMatrix A, ConstMatrix B, float beta, MutMatrix C);
// C (M, N) = alpha · A (M, K) · Bᵀ + beta · C with B stored (N, K), on the calling thread.
void gemm_nt(int M, int N, int K, float alpha, ConstMatrix A, ConstMatrix B, float beta, MutMatrix C);

// y (T, N) = x (T, K) · Wᵀ + b, W (N, K) as nn.Linear stores it, b (N) or
// null. Spread over the pool in blocks of columns of y.
void linear(ThreadPool& pool, const float* x, int T, int K, const float* w, int N, const float* b,
            float* y);

// The name OpenBLAS gives the kernels it picked for this CPU ("Haswell", ...).
const char* blas_core_name();

}  // namespace archscope::fast
