// vector_math.h on AVX2 with FMA: 8 floats per SLEEF call, the tail through a
// padded copy. Compiled with -mavx2 -mfma; called only when the CPU has both.
#include <immintrin.h>
#include <sleef.h>

#include "engine/backends/fast/vector_math_isa.h"

namespace archscope::fast::avx2 {

namespace {
template <auto F>  // a SLEEF routine __m256 -> __m256
void apply(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t j = i; j < n; ++j) tail[j - i] = x[j];
    _mm256_storeu_ps(tail, F(_mm256_loadu_ps(tail)));
    for (int64_t j = i; j < n; ++j) x[j] = tail[j - i];
  }
}
}  // namespace

void exp_inplace(float* x, int64_t n) { apply<Sleef_expf8_u10avx2>(x, n); }
void tanh_inplace(float* x, int64_t n) { apply<Sleef_tanhf8_u10avx2>(x, n); }
void erf_inplace(float* x, int64_t n) { apply<Sleef_erff8_u10avx2>(x, n); }

}  // namespace archscope::fast::avx2
