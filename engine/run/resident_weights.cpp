// Walks ModelWeights once and makes each tensor resident.
#include "engine/run/resident_weights.h"

#include <stdexcept>

namespace archscope {

namespace {

template <class F>
void each_linear(const Linear& l, F&& f) {
  f(l.w);
  f(l.b);
}

template <class F>
void each_ffn(const FfnWeights& w, F&& f) {
  each_linear(w.up, f);
  each_linear(w.gate, f);
  each_linear(w.down, f);
}

template <class F>
void each_attention(const AttentionWeights& a, F&& f) {
  for (const Linear* l : {&a.q, &a.k, &a.v, &a.o, &a.q_a, &a.q_b, &a.kv_a, &a.kv_b}) each_linear(*l, f);
  f(a.q_a_norm.gamma);
  f(a.kv_a_norm.gamma);
  f(a.relative_bias);
}

template <class F>
void each_norm(const Norm& n, F&& f) {
  f(n.gamma);
  f(n.beta);
}

template <class F>
void each_stack(const StackWeights& s, F&& f) {
  for (const LayerWeights& l : s.layers) {
    each_norm(l.attn_norm, f);
    each_attention(l.self_attn, f);
    each_norm(l.cross_norm, f);
    if (l.cross_attn) each_attention(*l.cross_attn, f);
    each_norm(l.ffn_norm, f);
    each_ffn(l.ffn, f);
    if (l.moe) {
      each_linear(l.moe->router, f);
      f(l.moe->correction_bias);
      if (l.moe->shared) each_ffn(*l.moe->shared, f);
      each_linear(l.moe->shared_gate, f);
    }
  }
  each_norm(s.final_norm, f);
}

// Stacks one field of every expert, or returns empty when the field is.
DeviceTensor stack_of(Backend& b, const MoeWeights& m, const Tensor& (*field)(const FfnWeights&)) {
  std::vector<const Tensor*> parts;
  for (const FfnWeights& e : m.experts) parts.push_back(&field(e));
  if (parts.empty() || parts.front()->empty()) return {};
  return b.resident_stack(parts);
}

}  // namespace

ResidentWeights::ResidentWeights(Backend& backend, std::shared_ptr<const ModelWeights> host)
    : backend_(backend), host_(std::move(host)) {
  const ModelWeights& w = *host_;
  auto make = [&](const Tensor& t) {
    if (!t.empty()) tensors_.emplace(&t, backend_.resident(t));
  };
  for (const Tensor* t : {&w.token_embedding, &w.position_embedding, &w.token_type_embedding, &w.mlm_bias})
    make(*t);
  each_norm(w.embedding_norm, make);
  each_norm(w.mlm_norm, make);
  each_linear(w.lm_head, make);
  each_linear(w.mlm_dense, make);
  each_stack(w.encoder, make);
  each_stack(w.decoder, make);
  for (const StackWeights* s : {&w.encoder, &w.decoder})
    for (const LayerWeights& l : s->layers) {
      if (!l.moe || l.moe->experts.empty()) continue;
      const MoeWeights& m = *l.moe;
      experts_[&m] = {stack_of(backend_, m, [](const FfnWeights& e) -> const Tensor& { return e.gate.w; }),
                      stack_of(backend_, m, [](const FfnWeights& e) -> const Tensor& { return e.up.w; }),
                      stack_of(backend_, m, [](const FfnWeights& e) -> const Tensor& { return e.down.w; }),
                      stack_of(backend_, m, [](const FfnWeights& e) -> const Tensor& { return e.gate.b; }),
                      stack_of(backend_, m, [](const FfnWeights& e) -> const Tensor& { return e.up.b; }),
                      stack_of(backend_, m, [](const FfnWeights& e) -> const Tensor& { return e.down.b; })};
    }
}

const DeviceTensor& ResidentWeights::operator[](const Tensor& t) const {
  if (t.empty()) throw std::logic_error("an empty weight " + t.shape_string() + " is used");
  auto it = tensors_.find(&t);
  if (it == tensors_.end()) it = tensors_.emplace(&t, backend_.resident(t)).first;
  return it->second;
}

const DeviceTensor* ResidentWeights::optional(const Tensor& t) const { return t.empty() ? nullptr : &(*this)[t]; }

const StackedExperts& ResidentWeights::experts(const MoeWeights& moe) const {
  auto it = experts_.find(&moe);
  if (it == experts_.end()) throw std::logic_error("experts of an MoE layer outside these weights");
  return it->second;
}

}  // namespace archscope
