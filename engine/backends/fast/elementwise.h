// Activations, gated activations, residual adds and the finiteness count over
// flat arrays. The serial forms run inside another kernel's task (an expert's
// hidden block); the pool forms split long arrays across threads.
#pragma once

#include <cstdint>

#include "engine/backends/backend.h"
#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// y[i] = act(x[i]); y may alias x.
void activate_serial(const float* x, float* y, int64_t n, Activation a);
// y[i] = act(gate[i]) * up[i]; y may alias gate or up.
void gated_serial(const float* gate, const float* up, float* y, int64_t n, Activation a);

void activate(ThreadPool& pool, const float* x, float* y, int64_t n, Activation a);
void gated(ThreadPool& pool, const float* gate, const float* up, float* y, int64_t n, Activation a);
// out[i] = x[i] + y[i]; out may alias x or y.
void add(ThreadPool& pool, const float* x, const float* y, float* out, int64_t n);
// How many of x[0, n) are NaN or infinite.
int64_t count_nonfinite(ThreadPool& pool, const float* x, int64_t n);

}  // namespace archscope::fast
