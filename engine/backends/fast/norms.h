// LayerNorm and RMSNorm over the last dimension, threaded across rows, with
// float32 statistics taken in two passes: the mean, summed about the row's
// first value so a row far from zero keeps its precision, then the centred squares.
#pragma once

#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// y (T, D) = (x - mean) / sqrt(var + eps) * gamma + beta; beta may be null; y may alias x.
void layer_norm(ThreadPool& pool, const float* x, int T, int D, const float* gamma, const float* beta,
                float eps, float* y);
// y (T, D) = gamma * (x / sqrt(mean(x^2) + eps)); y may alias x.
void rms_norm(ThreadPool& pool, const float* x, int T, int D, const float* gamma, float eps, float* y);

}  // namespace archscope::fast
