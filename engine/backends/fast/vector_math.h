// exp, tanh and erf over arrays of floats, in place, on SLEEF's 1.0-ULP vector
// routines for the widest SIMD this CPU has (AVX-512, AVX2, else scalar).
// Softmax, the GELUs, SiLU and sigmoid spend their time here.
#pragma once

#include <cstdint>

namespace archscope::fast {

void exp_inplace(float* x, int64_t n);
void tanh_inplace(float* x, int64_t n);
void erf_inplace(float* x, int64_t n);

// "avx512f", "avx2" or "scalar": the routines picked at startup.
const char* vector_math_isa();

}  // namespace archscope::fast
