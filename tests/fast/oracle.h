// The reference backend (engine/backends/reference) as the fast kernels'
// tests and benchmarks call it: host tensors in, host tensors out. Every call
// into the reference goes through this file.
#pragma once

#include <memory>
#include <vector>

#include "engine/backends/fast/rope.h"
#include "engine/backends/reference/reference_backend.h"
#include "engine/model/model_spec.h"
#include "engine/model/weights.h"
#include "engine/run/forward.h"
#include "engine/run/mask.h"
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
// mask.key_valid, when set, is passed as the backend's key-padding tensor.
Attention attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* bias,
                    const AttentionMask& mask, float scale);

// Backend::expert_ffn: rows (N, D) grouped by offsets (E + 1) through each
// expert's FFN of `experts`; `act` is the gate's (gated) or up's activation.
Tensor expert_ffn(const Tensor& rows, const std::vector<int32_t>& offsets, const std::vector<FfnWeights>& experts,
                  Activation act);

std::shared_ptr<const Trace> forward(const ModelSpec& s, const ModelWeights& w, const ForwardInputs& in);

}  // namespace archscope::oracle
