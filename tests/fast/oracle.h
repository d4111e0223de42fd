// The reference backend (engine/backends/cpu_backend.cpp) as the fast
// kernels' tests and benchmarks call it. Every call into the reference goes
// through this file, so a change of the backend interface is absorbed here.
#pragma once

#include <memory>

#include "engine/backends/backend.h"
#include "engine/backends/fast/rope.h"
#include "engine/model/model_spec.h"
#include "engine/model/weights.h"
#include "engine/run/blocks.h"
#include "engine/run/forward.h"
#include "engine/tensor.h"

namespace archscope::oracle {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b);
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor* beta, float eps);
Tensor rms_norm(const Tensor& x, const Tensor& gamma, float eps);
Tensor activate(const Tensor& x, Activation a);
Tensor gated(const Tensor& gate, const Tensor& up, Activation a);
void rope(Tensor& x, const fast::RopeParams& r);  // x (T, H, Dh)

struct Attention {
  Tensor out;    // (Tq, H * Dv)
  Tensor probs;  // (H, Tq, Tk)
};
Attention attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* bias,
                    const AttentionMask& mask, float scale);

// The reference MoE sublayer: router, capacity cut, experts, combine, shared experts.
MoeResult moe(const ModelSpec& s, const MoeWeights& w, const Tensor& x);

std::shared_ptr<const Trace> forward(const ModelSpec& s, const ModelWeights& w, const ForwardInputs& in);

}  // namespace archscope::oracle
