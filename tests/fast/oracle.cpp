// Uploads, one reference op, downloads.
#include "tests/fast/oracle.h"

namespace archscope::oracle {

namespace {

ReferenceBackend& reference() {
  static ReferenceBackend b;
  return b;
}

DeviceTensor up(const Tensor& t) { return reference().upload(t); }
Tensor down(const DeviceTensor& t) { return reference().download(t); }

// A stacked (E, ...) weight of one field of every expert, or empty when the field is.
DeviceTensor stacked(const std::vector<FfnWeights>& experts, const Tensor& (*field)(const FfnWeights&)) {
  if (field(experts.front()).empty()) return {};
  std::vector<const Tensor*> parts;
  for (const FfnWeights& e : experts) parts.push_back(&field(e));
  return reference().resident_stack(parts);
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b) {
  const DeviceTensor bias = b ? up(*b) : DeviceTensor{};
  return down(reference().linear(up(x), up(w), b ? &bias : nullptr));
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor* beta, float eps) {
  const DeviceTensor b = beta ? up(*beta) : DeviceTensor{};
  return down(reference().layer_norm(up(x), up(gamma), beta ? &b : nullptr, eps));
}

Tensor rms_norm(const Tensor& x, const Tensor& gamma, float eps) {
  return down(reference().rms_norm(up(x), up(gamma), eps));
}

Tensor activate(const Tensor& x, Activation a) { return down(reference().activate(up(x), a)); }

Tensor gated(const Tensor& gate, const Tensor& u, Activation a) {
  return down(reference().gated(up(gate), up(u), a));
}

void rope(Tensor& x, const fast::RopeParams& r) {
  x = down(reference().rope(up(x), {r.rotary_offset, r.rotary_dim, r.theta, r.interleaved, r.position_offset}));
}

Attention attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* bias,
                    const AttentionMask& mask, float scale) {
  const DeviceTensor dq = up(q), dk = up(k), dv = up(v), db = bias ? up(*bias) : DeviceTensor{};
  DeviceTensor valid;
  if (!mask.key_valid.empty())
    valid = reference().upload_ints(std::vector<int32_t>(mask.key_valid.begin(), mask.key_valid.end()),
                                    {static_cast<int>(mask.key_valid.size())});
  AttentionInputs in{&dq, &dk, &dv, bias ? &db : nullptr, valid.empty() ? nullptr : &valid, &mask, scale, {}};
  for (int h = 0; h < q.dim(1); ++h) in.probs.full_heads.push_back(h);
  AttentionOutputs o = reference().attention(in);
  return {down(o.out), down(o.probs)};
}

Tensor expert_ffn(const Tensor& rows, const std::vector<int32_t>& offsets, const std::vector<FfnWeights>& experts,
                  Activation act) {
  const DeviceTensor gate = stacked(experts, [](const FfnWeights& e) -> const Tensor& { return e.gate.w; });
  const DeviceTensor up_w = stacked(experts, [](const FfnWeights& e) -> const Tensor& { return e.up.w; });
  const DeviceTensor down_w = stacked(experts, [](const FfnWeights& e) -> const Tensor& { return e.down.w; });
  const DeviceTensor gate_b = stacked(experts, [](const FfnWeights& e) -> const Tensor& { return e.gate.b; });
  const DeviceTensor up_b = stacked(experts, [](const FfnWeights& e) -> const Tensor& { return e.up.b; });
  const DeviceTensor down_b = stacked(experts, [](const FfnWeights& e) -> const Tensor& { return e.down.b; });
  auto opt = [](const DeviceTensor& t) { return t.empty() ? nullptr : &t; };
  const ExpertBatch batch{up(rows), reference().upload_ints(offsets, {static_cast<int>(offsets.size())}), {}};
  return down(reference().expert_ffn(
      batch, {opt(gate), &up_w, &down_w, opt(gate_b), opt(up_b), opt(down_b), act}));
}

std::shared_ptr<const Trace> forward(const ModelSpec& s, const ModelWeights& w, const ForwardInputs& in) {
  return archscope::forward(s, w, reference(), in);
}

}  // namespace archscope::oracle
