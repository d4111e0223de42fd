// A backend that hands every call to another one: tests derive from it to
// change one op (a deliberately wrong backend the op tests must catch), to
// decline ops, or to count calls.
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace archscope::testing_support {

class ForwardingBackend : public Backend {
 public:
  explicit ForwardingBackend(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name(); }
  bool supports(const OpQuery& q) const override { return inner_->supports(q); }

  DeviceTensor upload(const Tensor& h) override { return inner_->upload(h); }
  DeviceTensor upload_ints(const std::vector<int32_t>& v, std::vector<int> s) override {
    return inner_->upload_ints(v, std::move(s));
  }
  DeviceTensor resident(const Tensor& w) override { return inner_->resident(w); }
  DeviceTensor resident_stack(const std::vector<const Tensor*>& p) override { return inner_->resident_stack(p); }
  void download_batch(const std::vector<Download>& b) override { inner_->download_batch(b); }

  DeviceTensor linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) override {
    return inner_->linear(x, w, b);
  }
  DeviceTensor layer_norm(const DeviceTensor& x, const DeviceTensor& g, const DeviceTensor* b, float eps) override {
    return inner_->layer_norm(x, g, b, eps);
  }
  DeviceTensor rms_norm(const DeviceTensor& x, const DeviceTensor& g, float eps) override {
    return inner_->rms_norm(x, g, eps);
  }
  DeviceTensor activate(const DeviceTensor& x, Activation a) override { return inner_->activate(x, a); }
  DeviceTensor gated(const DeviceTensor& g, const DeviceTensor& u, Activation a) override {
    return inner_->gated(g, u, a);
  }
  DeviceTensor add(const DeviceTensor& x, const DeviceTensor& y) override { return inner_->add(x, y); }
  DeviceTensor scale(const DeviceTensor& x, float s) override { return inner_->scale(x, s); }
  DeviceTensor scale_rows(const DeviceTensor& x, const DeviceTensor& s) override { return inner_->scale_rows(x, s); }
  DeviceTensor rope(const DeviceTensor& x, const RopeInputs& r) override { return inner_->rope(x, r); }
  AttentionOutputs attention(const AttentionInputs& in) override { return inner_->attention(in); }

  DeviceTensor gather_rows(const DeviceTensor& t, const DeviceTensor& ids) override {
    return inner_->gather_rows(t, ids);
  }
  DeviceTensor sinusoidal_positions(int t, int d) override { return inner_->sinusoidal_positions(t, d); }
  DeviceTensor relative_position_bias(const DeviceTensor& t, int tq, int tk, bool bi,
                                      const RelativeBucketSpec& b) override {
    return inner_->relative_position_bias(t, tq, tk, bi, b);
  }
  DeviceTensor slice_last(const DeviceTensor& x, int from, int count) override {
    return inner_->slice_last(x, from, count);
  }
  DeviceTensor concat_last(const DeviceTensor& a, const DeviceTensor& b) override { return inner_->concat_last(a, b); }

  DeviceTensor router_scores(const DeviceTensor& l, RouterFunction f) override { return inner_->router_scores(l, f); }
  TopKOutputs top_k(const DeviceTensor& s, const DeviceTensor* bias, const DeviceTensor* valid,
                    const TopKParams& p) override {
    return inner_->top_k(s, bias, valid, p);
  }
  CapacityOutputs capacity_cut(const DeviceTensor& e, const DeviceTensor& s, const CapacityParams& p) override {
    return inner_->capacity_cut(e, s, p);
  }
  ExpertBatch dispatch(const DeviceTensor& x, const DeviceTensor& e, const DeviceTensor& slot,
                       const DeviceTensor& kept, int experts) override {
    return inner_->dispatch(x, e, slot, kept, experts);
  }
  DeviceTensor expert_ffn(const ExpertBatch& b, const ExpertWeights& w) override { return inner_->expert_ffn(b, w); }
  DeviceTensor combine(const DeviceTensor& y, const DeviceTensor& r, const DeviceTensor& w, int t) override {
    return inner_->combine(y, r, w, t);
  }
  DeviceTensor add_dropped_input(const DeviceTensor& o, const DeviceTensor& x, const DeviceTensor& w,
                                 const DeviceTensor& e, const DeviceTensor& k) override {
    return inner_->add_dropped_input(o, x, w, e, k);
  }
  MoeCounts moe_counts(const DeviceTensor& l, const DeviceTensor& s, const DeviceTensor& e, const DeviceTensor& k,
                       const DeviceTensor* v, RouterFunction f) override {
    return inner_->moe_counts(l, s, e, k, v, f);
  }
  DeviceTensor count_nonfinite(const DeviceTensor& x) override { return inner_->count_nonfinite(x); }

 protected:
  Backend& inner() { return *inner_; }

 private:
  std::unique_ptr<Backend> inner_;
};

}  // namespace archscope::testing_support
