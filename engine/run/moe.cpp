// Router -> top-k -> capacity cut -> dispatch -> experts -> combine ->
// shared experts, one backend call per step.
#include "engine/run/moe.h"

#include "engine/run/blocks.h"
#include "engine/run/routing.h"

namespace archscope {

RouterState route(Backend& b, const ModelSpec& s, const ResidentWeights& R, const MoeWeights& w,
                  const DeviceTensor& h, const MoeTokens& tokens, const DeviceTensor* logits) {
  RouterState r;
  r.logits = logits ? *logits : b.linear(h, R[w.router.w], R.optional(w.router.b));  // (T, E)
  r.scores = b.router_scores(r.logits, s.moe.router);                                  // (T, E)
  r.top = b.top_k(r.scores, R.optional(w.correction_bias), tokens.valid, top_k_params(s.moe));  // (T, K)
  return r;
}

MoeLayerResult experts_and_combine(Backend& b, const ModelSpec& s, const ResidentWeights& R,
                                   const MoeWeights& w, const DeviceTensor& h, const RouterState& router,
                                   const MoeTokens& tokens) {
  const MoeSpec& spec = s.moe;
  const int T = h.dim(0);
  MoeLayerResult m;
  m.router = router;
  m.capacity = capacity_for(spec, tokens.real);
  const TopKOutputs& top = router.top;
  m.cut = b.capacity_cut(top.expert, router.scores, {spec.experts, m.capacity, spec.drop_policy});  // (T, K)
  ExpertBatch batch = b.dispatch(h, top.expert, m.cut.slot, m.cut.kept, spec.experts);             // (T K, D)
  const StackedExperts& e = R.experts(w);
  auto opt = [](const DeviceTensor& t) { return t.empty() ? nullptr : &t; };
  ExpertWeights ew{opt(e.gate), &e.up, &e.down, opt(e.gate_bias), opt(e.up_bias), opt(e.down_bias),
                   activation_of(s.ffn)};
  DeviceTensor y = b.expert_ffn(batch, ew);                         // (T K, D)
  m.out = b.combine(y, batch.pair_row, top.weight, T);              // (T, D)
  // A dropped pair adds nothing, so the residual carries the token; older
  // transformers' Switch output weight * x for it instead, on request.
  if (spec.drop_output == DropOutput::ScaledInput)
    m.out = b.add_dropped_input(m.out, h, top.weight, top.expert, m.cut.kept);
  if (w.shared) {
    DeviceTensor shared = feed_forward(b, s, R, *w.shared, h);  // (T, D)
    if (!w.shared_gate.w.empty())  // Qwen2-MoE: sigmoid(w_g · x) (T, 1) scales it
      shared = b.scale_rows(shared, b.activate(b.linear(h, R[w.shared_gate.w], nullptr), Activation::Sigmoid));
    m.out = b.add(m.out, shared);
  }
  m.counts = b.moe_counts(router.logits, router.scores, top.expert, m.cut.kept, tokens.valid, spec.router);
  return m;
}

MoeLayerResult mixture_of_experts(Backend& b, const ModelSpec& s, const ResidentWeights& R, const MoeWeights& w,
                                  const DeviceTensor& h, const MoeTokens& tokens) {
  return experts_and_combine(b, s, R, w, h, route(b, s, R, w, h, tokens), tokens);
}

}  // namespace archscope
