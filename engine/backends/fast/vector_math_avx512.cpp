// vector_math.h on AVX-512F: 16 floats per SLEEF call, the tail masked.
// Compiled with -mavx512f; called only when the CPU reports AVX-512F.
#include <immintrin.h>
#include <sleef.h>

#include "engine/backends/fast/vector_math_isa.h"

namespace archscope::fast::avx512 {

namespace {
template <auto F>  // a SLEEF routine __m512 -> __m512
void apply(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, F(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 tail = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, tail, F(_mm512_maskz_loadu_ps(tail, x + i)));
  }
}
}  // namespace

void exp_inplace(float* x, int64_t n) { apply<Sleef_expf16_u10avx512f>(x, n); }
void tanh_inplace(float* x, int64_t n) { apply<Sleef_tanhf16_u10avx512f>(x, n); }
void erf_inplace(float* x, int64_t n) { apply<Sleef_erff16_u10avx512f>(x, n); }

}  // namespace archscope::fast::avx512
