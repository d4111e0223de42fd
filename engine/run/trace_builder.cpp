// Pending records, the one batched download, the finiteness checks, and what
// the request left out.
#include "engine/run/trace_builder.h"

#include "engine/errors.h"

namespace archscope {

namespace {

std::vector<std::string> describe_left_out(const TraceRequest& r) {
  std::vector<std::string> out;
  if (!r.hidden) out.push_back("hidden states");
  if (r.attention == AttentionKeep::None) out.push_back("attention probabilities (masks kept)");
  if (r.attention == AttentionKeep::Focused)
    out.push_back(r.thumbnail > 0 ? "attention maps outside the focus, reduced to max-pooled thumbnails of at most " +
                                        std::to_string(r.thumbnail) + " x " + std::to_string(r.thumbnail)
                                  : "attention maps outside the focus");
  if (!r.routing) out.push_back("per-token routing (metrics kept)");
  if (!r.logits) out.push_back("logits");
  return out;
}

}  // namespace

TraceBuilder::TraceBuilder(const ModelSpec& spec, const TraceRequest& request, Trace prefix)
    : trace_(std::move(prefix)) {
  trace_.spec = spec;
  trace_.request = request;
  trace_.left_out = describe_left_out(request);
}

void TraceBuilder::hidden(Stack s, const DeviceTensor& x) {
  if (trace_.request.hidden) hidden_.push_back({s, x});
}

void TraceBuilder::layers(Stack s, int count) { stack(s).layers = count; }

void TraceBuilder::attention(Stack s, int layer, bool cross, const AttentionMask& mask, int heads, int tq, int tk,
                             const AttentionProbs& asked, const AttentionOutputs& o) {
  AttentionRecord r;
  r.stack = s;
  r.layer = layer;
  r.cross = cross;
  r.mask = mask;
  r.heads = heads;
  r.tq = tq;
  r.tk = tk;
  r.full_heads = asked.full_heads;
  r.pool = asked.pool;
  r.no_visible_key = mask.rows_without_keys(tq, tk);
  auto& list = cross ? stack(s).cross_attention : stack(s).self_attention;
  attention_.push_back({s, cross, list.size(), o.probs, o.pooled});
  list.push_back(std::move(r));
}

void TraceBuilder::moe(Stack s, int layer, const MoeLayerResult& m, const std::vector<uint8_t>& valid,
                       int real_tokens) {
  MoeRecord r;
  r.stack = s;
  r.layer = layer;
  Routing& route = r.routing;
  route.tokens = m.router.logits.dim(0);
  route.experts = m.router.logits.dim(1);
  route.top_k = m.router.top.expert.dim(1);
  route.capacity = m.capacity;
  route.valid = valid.empty() ? std::vector<uint8_t>(route.tokens, 1) : valid;
  auto& list = stack(s).moe;
  moe_.push_back({s, list.size(), m, real_tokens});
  list.push_back(std::move(r));
}

void TraceBuilder::check_finite(Backend& b, std::string where, const DeviceTensor& x) {
  checks_.push_back({std::move(where), x.numel(), b.count_nonfinite(x)});
}

void TraceBuilder::logits(const DeviceTensor& l) {
  if (trace_.request.logits) logits_ = l;
}

std::shared_ptr<Trace> TraceBuilder::finish(Backend& b) {
  // Every destination exists before the batch is listed, so no pointer in it
  // moves. The maps, hidden states and logits are read no more after this
  // (last_use): a host backend hands their memory over instead of copying.
  size_t next[2] = {trace_.encoder.hidden.size(), trace_.decoder.hidden.size()};
  for (const auto& [s, x] : hidden_) stack(s).hidden.emplace_back();
  std::vector<Download> batch;
  for (const auto& [s, x] : hidden_)
    batch.push_back({&x, &stack(s).hidden[next[s == Stack::Decoder]++], nullptr, true});
  for (const PendingAttention& a : attention_) {
    AttentionRecord& r = (a.cross ? stack(a.stack).cross_attention : stack(a.stack).self_attention)[a.index];
    if (!a.probs.empty()) batch.push_back({&a.probs, &r.probs, nullptr, true});
    if (!a.pooled.empty()) batch.push_back({&a.pooled, &r.thumbnail, nullptr, true});
  }
  struct MoeHost {
    HostMoeCounts counts;
    std::vector<int32_t> expert, groups, kept, slot;
    Tensor weight;
  };
  std::vector<MoeHost> moe_host(moe_.size());
  for (size_t i = 0; i < moe_.size(); ++i) {
    const MoeLayerResult& m = moe_[i].result;
    MoeHost& h = moe_host[i];
    Routing& r = stack(moe_[i].stack).moe[moe_[i].index].routing;
    for (auto [from, to] : {std::pair{&m.counts.load_before, &h.counts.load_before},
                            std::pair{&m.counts.load_after, &h.counts.load_after},
                            std::pair{&m.counts.first_choice, &h.counts.first_choice},
                            std::pair{&m.counts.drops, &h.counts.drops}})
      batch.push_back({from, nullptr, to});
    batch.push_back({&m.counts.prob_sum, &h.counts.prob_sum, nullptr});
    batch.push_back({&m.counts.token_sums, &h.counts.token_sums, nullptr});
    if (!trace_.request.routing) continue;
    batch.push_back({&m.router.logits, &r.logits, nullptr});
    batch.push_back({&m.router.scores, &r.scores, nullptr});
    batch.push_back({&m.router.top.expert, nullptr, &h.expert});
    batch.push_back({&m.router.top.weight, &h.weight, nullptr});
    if (!m.router.top.groups.empty()) batch.push_back({&m.router.top.groups, nullptr, &h.groups});
    batch.push_back({&m.cut.kept, nullptr, &h.kept});
    batch.push_back({&m.cut.slot, nullptr, &h.slot});
  }
  if (!logits_.empty()) batch.push_back({&logits_, &trace_.logits, nullptr, true});
  std::vector<std::vector<int32_t>> nonfinite(checks_.size());
  for (size_t i = 0; i < checks_.size(); ++i) batch.push_back({&checks_[i].count, nullptr, &nonfinite[i]});
  b.download_batch(batch);
  // The first step, in run order, whose output holds a NaN or inf: where the
  // trouble started, since everything after it inherits it.
  for (size_t i = 0; i < checks_.size(); ++i)
    if (nonfinite[i].at(0) > 0)
      throw NumericError("NaN or inf in the activations, first in the " + checks_[i].where + ": " +
                         std::to_string(nonfinite[i][0]) + " of " + std::to_string(checks_[i].values) +
                         " values are not finite, and every step before it was finite. The run is refused: "
                         "routing, metrics and logits computed from them would mean nothing");

  const MoeSpec& spec = trace_.spec.moe;
  for (size_t i = 0; i < moe_.size(); ++i) {
    MoeRecord& rec = stack(moe_[i].stack).moe[moe_[i].index];
    MoeHost& h = moe_host[i];
    rec.metrics = make_metrics(h.counts, spec, rec.routing.capacity, moe_[i].real_tokens);
    if (!trace_.request.routing) continue;
    Routing& r = rec.routing;
    r.expert.assign(h.expert.begin(), h.expert.end());
    r.weight = std::move(h.weight.data);
    r.groups.assign(h.groups.begin(), h.groups.end());
    r.kept.assign(h.kept.begin(), h.kept.end());
    r.slot.assign(h.slot.begin(), h.slot.end());
  }
  // Hugging Face reports its load-balancing loss for decoder-only softmax routers.
  const ModelSpec& s = trace_.spec;
  if (s.is_moe() && s.moe.router == RouterFunction::Softmax && s.family != Family::EncoderDecoder) {
    std::vector<const HostMoeCounts*> layers;
    int real = 0;
    for (size_t i = 0; i < moe_.size(); ++i) {
      layers.push_back(&moe_host[i].counts);
      real = moe_[i].real_tokens;
    }
    trace_.aux_loss_hf = hf_load_balancing_loss(layers, real);
  }
  return std::make_shared<Trace>(std::move(trace_));
}

}  // namespace archscope
