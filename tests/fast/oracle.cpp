// Thin calls into the reference backend.
#include "tests/fast/oracle.h"

namespace archscope::oracle {

namespace {
Backend& reference() {
  static std::unique_ptr<Backend> b = make_cpu_backend();
  return *b;
}
}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b) { return reference().linear(x, w, b); }

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor* beta, float eps) {
  return reference().layer_norm(x, gamma, beta, eps);
}

Tensor rms_norm(const Tensor& x, const Tensor& gamma, float eps) { return reference().rms_norm(x, gamma, eps); }

Tensor activate(const Tensor& x, Activation a) { return reference().activate(x, a); }

Tensor gated(const Tensor& gate, const Tensor& up, Activation a) { return reference().gated(gate, up, a); }

void rope(Tensor& x, const fast::RopeParams& r) {
  reference().rope(x, {r.rotary_offset, r.rotary_dim, r.theta, r.interleaved, r.position_offset});
}

Attention attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* bias,
                    const AttentionMask& mask, float scale) {
  AttentionOutputs o = reference().attention({&q, &k, &v, bias, &mask, scale});
  return {std::move(o.out), std::move(o.probs)};
}

MoeResult moe(const ModelSpec& s, const MoeWeights& w, const Tensor& x) {
  return mixture_of_experts(reference(), s, w, x);
}

std::shared_ptr<const Trace> forward(const ModelSpec& s, const ModelWeights& w, const ForwardInputs& in) {
  return archscope::forward(s, w, reference(), in);
}

}  // namespace archscope::oracle
