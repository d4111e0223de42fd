// Picks the widest vector_math_isa.h version this CPU runs, once, and falls
// back to SLEEF's scalar routines elsewhere.
#include "engine/backends/fast/vector_math.h"

#include <sleef.h>

#include "engine/backends/fast/vector_math_isa.h"

namespace archscope::fast {

namespace {

using Kernel = void (*)(float*, int64_t);

void scalar_exp(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = Sleef_expf_u10(x[i]);
}
void scalar_tanh(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = Sleef_tanhf_u10(x[i]);
}
void scalar_erf(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = Sleef_erff_u10(x[i]);
}

struct Kernels {
  const char* isa;
  Kernel exp, tanh, erf;
};

Kernels pick() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return {"avx512f", avx512::exp_inplace, avx512::tanh_inplace, avx512::erf_inplace};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {"avx2", avx2::exp_inplace, avx2::tanh_inplace, avx2::erf_inplace};
  return {"scalar", scalar_exp, scalar_tanh, scalar_erf};
}

const Kernels& kernels() {
  static const Kernels k = pick();
  return k;
}

}  // namespace

void exp_inplace(float* x, int64_t n) { kernels().exp(x, n); }
void tanh_inplace(float* x, int64_t n) { kernels().tanh(x, n); }
void erf_inplace(float* x, int64_t n) { kernels().erf(x, n); }
const char* vector_math_isa() { return kernels().isa; }

}  // namespace archscope::fast
