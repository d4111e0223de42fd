// The per-instruction-set versions behind vector_math.h. Each lives in a file
// compiled with its own -m flags and includes no C++ library header, so no
// inline function compiled for a wider ISA can leak into the rest of the program.
#pragma once

#include <stdint.h>

namespace archscope::fast {
namespace avx512 {
void exp_inplace(float* x, int64_t n);
void tanh_inplace(float* x, int64_t n);
void erf_inplace(float* x, int64_t n);
}  // namespace avx512
namespace avx2 {
void exp_inplace(float* x, int64_t n);
void tanh_inplace(float* x, int64_t n);
void erf_inplace(float* x, int64_t n);
}  // namespace avx2
}  // namespace archscope::fast
