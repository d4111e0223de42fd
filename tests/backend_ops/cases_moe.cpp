// Cases for the MoE ops: router scores, top-k (groups, bias, ties, padding),
// the capacity cut under both policies, dispatch, the grouped expert FFN,
// combine, the dropped-pair term and the metrics counts. Routing outputs are
// compared exactly. Inputs that must be consistent (slots, rows) are made on
// a private reference backend, so each case tests one op of the backend.
#include <cmath>
#include <string>

#include "tests/backend_ops/harness.h"

namespace archscope::op_tests {

namespace {

std::string num(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  for (char& c : s)
    if (c == '.') c = 'p';
  return s;
}

// Routing of seeded logits on the reference, brought to the host.
struct Routed {
  Tensor logits, scores, weight;
  std::vector<int32_t> expert, kept, slot, valid;
};

Routed route_on_reference(Inputs& in, int T, int E, int K, int capacity, DropPolicy policy, int pad_left,
                          int pad_right, RouterFunction f = RouterFunction::Softmax) {
  auto ref = make_reference_backend();
  Routed r;
  r.logits = in.host({T, E}, 2.0);
  r.valid.assign(T, 1);
  for (int t = 0; t < T; ++t)
    if (t < pad_left || t >= T - pad_right) r.valid[t] = 0;
  DeviceTensor valid = ref->upload_ints(r.valid, {T});
  DeviceTensor scores = ref->router_scores(ref->upload(r.logits), f);
  TopKOutputs top = ref->top_k(scores, nullptr, &valid, {K, 1, 1, GroupScore::Top2Sum, true, 1.0});
  CapacityOutputs cut = ref->capacity_cut(top.expert, scores, {E, capacity, policy});
  r.scores = ref->download(scores);
  r.weight = ref->download(top.weight);
  r.expert = ref->download_ints(top.expert);
  r.kept = ref->download_ints(cut.kept);
  r.slot = ref->download_ints(cut.slot);
  return r;
}

// A dispatched batch of seeded rows, made on the reference and uploaded to `b`.
ExpertBatch batch_on(Backend& b, Inputs& in, const Routed& r, int T, int E, int K, int D) {
  auto ref = make_reference_backend();
  ExpertBatch made = ref->dispatch(ref->upload(in.host({T, D})), ref->upload_ints(r.expert, {T, K}),
                                   ref->upload_ints(r.slot, {T, K}), ref->upload_ints(r.kept, {T, K}), E);
  return {b.upload(ref->download(made.rows)), b.upload_ints(ref->download_ints(made.offsets), {E + 1}),
          b.upload_ints(ref->download_ints(made.pair_row), {T, K})};
}

std::string cap(int capacity) { return capacity < 0 ? "_dropless" : "_C" + std::to_string(capacity); }

const char* router_name(RouterFunction f) { return f == RouterFunction::Softmax ? "softmax" : "sigmoid"; }

void add_router_and_top_k(std::vector<OpCase>& cases) {
  for (RouterFunction f : {RouterFunction::Softmax, RouterFunction::Sigmoid})
    for (auto [T, E] : {std::pair{1, 1}, {7, 8}, {300, 64}, {33, 256}}) {
      const std::string name = std::string("router_scores_") + router_name(f) + "_T" + std::to_string(T) + "_E" +
                               std::to_string(E);
      cases.push_back({Op::RouterScores, name, kFloat, {Op::RouterScores, {{T, E}}, static_cast<int>(f)},
                       [=, T = T, E = E](Inputs& in) {
                         Outputs o;
                         o.add(in.backend(), "scores", in.backend().router_scores(in.f32({T, E}, 3.0), f));
                         return o;
                       }});
    }
  struct TopK {
    int T, E, K, groups, top_groups;
    GroupScore score;
    bool normalize;
    double scaling;
    bool bias;
    int pad;
    double quantum;  // > 0: scores rounded to multiples of it, so ties are common
  };
  for (TopK c : {TopK{1, 8, 1, 1, 1, GroupScore::Top2Sum, true, 1, false, 0, 0},
                 TopK{33, 8, 2, 1, 1, GroupScore::Top2Sum, true, 1, false, 0, 0},
                 TopK{300, 64, 6, 1, 1, GroupScore::Top2Sum, false, 16, false, 0, 0},
                 TopK{33, 256, 8, 8, 4, GroupScore::Top2Sum, true, 2.5, true, 0, 0},
                 TopK{33, 160, 6, 8, 3, GroupScore::Max, false, 16, false, 0, 0},
                 TopK{65, 60, 4, 1, 1, GroupScore::Top2Sum, false, 1, false, 0, 0},
                 TopK{33, 8, 2, 1, 1, GroupScore::Top2Sum, true, 1, false, 3, 0},
                 TopK{65, 16, 2, 1, 1, GroupScore::Top2Sum, true, 1, false, 0, 0.25},
                 TopK{33, 64, 8, 8, 4, GroupScore::Top2Sum, true, 1, true, 2, 0.25},
                 TopK{7, 4, 4, 1, 1, GroupScore::Top2Sum, true, 1, false, 0, 0}}) {
    std::string name = "top_k_T" + std::to_string(c.T) + "_E" + std::to_string(c.E) + "_K" + std::to_string(c.K);
    if (c.groups > 1)
      name += "_G" + std::to_string(c.groups) + "top" + std::to_string(c.top_groups) +
              (c.score == GroupScore::Top2Sum ? "_top2sum" : "_max");
    name += (c.normalize ? "_norm" : "_raw") + std::string("_scale") + num(c.scaling);
    if (c.bias) name += "_bias";
    if (c.pad) name += "_pad" + std::to_string(c.pad);
    if (c.quantum > 0) name += "_ties";
    OpQuery q{Op::TopK, {{c.T, c.E}, c.bias ? std::vector<int>{c.E} : std::vector<int>{}, {c.T}},
              static_cast<int>(c.score)};
    cases.push_back({Op::TopK, name, 1e-9, q, [=](Inputs& in) {
                       Tensor scores = in.host({c.T, c.E}, 1.5);
                       for (float& x : scores.data) {
                         x = 1.0f / (1.0f + std::exp(-x));
                         if (c.quantum > 0) x = static_cast<float>(std::round(x / c.quantum) * c.quantum);
                       }
                       DeviceTensor s = in.backend().upload(scores);
                       DeviceTensor bias = in.f32({c.E}, 0.1, c.quantum);
                       DeviceTensor valid = in.valid(c.T, c.pad, c.pad);
                       TopKOutputs top = in.backend().top_k(
                           s, c.bias ? &bias : nullptr, &valid,
                           {c.K, c.groups, c.top_groups, c.score, c.normalize, c.scaling});
                       Outputs o;
                       o.add(in.backend(), "expert", top.expert);
                       o.add(in.backend(), "weight", top.weight);
                       o.add(in.backend(), "groups", top.groups);
                       return o;
                     }});
  }
}

void add_capacity(std::vector<OpCase>& cases) {
  struct Cut {
    int T, E, K, capacity;
    DropPolicy policy;
    int pad;
    double quantum;
  };
  for (Cut c : {Cut{1, 4, 1, 1, DropPolicy::Position, 0, 0}, Cut{33, 8, 2, 5, DropPolicy::Position, 0, 0},
                Cut{33, 8, 2, 5, DropPolicy::Priority, 0, 0}, Cut{300, 64, 6, 30, DropPolicy::Priority, 0, 0},
                Cut{300, 64, 6, -1, DropPolicy::Position, 0, 0}, Cut{33, 8, 1, 0, DropPolicy::Position, 0, 0},
                Cut{65, 16, 2, 9, DropPolicy::Priority, 0, 0.25}, Cut{33, 8, 2, 4, DropPolicy::Priority, 3, 0},
                Cut{33, 256, 8, 2, DropPolicy::Priority, 0, 0}}) {
    std::string name = "capacity_cut_T" + std::to_string(c.T) + "_E" + std::to_string(c.E) + "_K" + std::to_string(c.K) +
                       cap(c.capacity) +
                       (c.policy == DropPolicy::Position ? "_position" : "_priority");
    if (c.pad) name += "_pad" + std::to_string(c.pad);
    if (c.quantum > 0) name += "_ties";
    OpQuery q{Op::CapacityCut, {{c.T, c.K}, {c.T, c.E}}, static_cast<int>(c.policy)};
    cases.push_back({Op::CapacityCut, name, kExact, q, [=](Inputs& in) {
                       // Distinct experts per token, -1 for padded tokens; scores with or without ties.
                       std::vector<int32_t> expert(static_cast<size_t>(c.T) * c.K, -1);
                       for (int t = c.pad; t < c.T - c.pad; ++t) {
                         std::vector<int> pool(c.E);
                         for (int e = 0; e < c.E; ++e) pool[e] = e;
                         for (int k = 0; k < c.K; ++k) {
                           const int pick = k + static_cast<int>(in.uniform() * (c.E - k));
                           std::swap(pool[k], pool[pick]);
                           expert[t * c.K + k] = pool[k];
                         }
                       }
                       Tensor scores = in.host({c.T, c.E});
                       for (float& x : scores.data)
                         x = c.quantum > 0 ? static_cast<float>(std::round(std::fabs(x) / c.quantum) * c.quantum)
                                           : std::fabs(x);
                       CapacityOutputs cut = in.backend().capacity_cut(in.ints(expert, {c.T, c.K}),
                                                                       in.backend().upload(scores),
                                                                       {c.E, c.capacity, c.policy});
                       Outputs o;
                       o.add(in.backend(), "kept", cut.kept);
                       o.add(in.backend(), "slot", cut.slot);
                       return o;
                     }});
  }
}

void add_experts(std::vector<OpCase>& cases) {
  for (auto [T, E, K, D, capacity] : {std::tuple{1, 4, 1, 8, -1}, {33, 8, 2, 64, 5}, {300, 64, 6, 17, -1}, {33, 8, 2, 16, 0}}) {
    const std::string name = "dispatch_T" + std::to_string(T) + "_E" + std::to_string(E) + "_K" + std::to_string(K) +
                             "_D" + std::to_string(D) + cap(capacity);
    cases.push_back({Op::Dispatch, name, kExact, {Op::Dispatch, {{T, D}, {T, K}, {T, K}, {T, K}}}, [=, T = T, E = E, K = K, D = D, capacity = capacity](Inputs& in) {
                       Routed r = route_on_reference(in, T, E, K, capacity, DropPolicy::Priority, 0, 0);
                       Backend& b = in.backend();
                       ExpertBatch batch = b.dispatch(in.f32({T, D}), b.upload_ints(r.expert, {T, K}),
                                                      b.upload_ints(r.slot, {T, K}), b.upload_ints(r.kept, {T, K}), E);
                       Outputs o;
                       o.add(b, "offsets", batch.offsets);
                       o.add(b, "pair_row", batch.pair_row);
                       // Rows past offsets[E] are unused; compare only the filled ones.
                       const int used = b.download_ints(batch.offsets).back();
                       Tensor rows = b.download(batch.rows);
                       rows.data.resize(static_cast<size_t>(used) * D);
                       rows.shape = {used, D};
                       o.floats.push_back({"rows", rows});
                       return o;
                     }});
  }
  struct Ffn {
    int T, E, K, D, F;
    Activation act;
    bool gated, bias;
    int capacity;
  };
  for (Ffn c : {Ffn{1, 1, 1, 8, 4, Activation::Silu, true, false, -1}, Ffn{33, 8, 2, 64, 32, Activation::Silu, true, false, -1},
                Ffn{300, 64, 6, 17, 16, Activation::GeluTanh, true, true, -1},
                Ffn{33, 8, 1, 64, 256, Activation::Relu, false, true, -1},
                Ffn{65, 8, 2, 33, 17, Activation::GeluExact, false, false, -1},
                Ffn{33, 16, 2, 16, 8, Activation::Silu, true, false, 1}}) {
    const std::string name = "expert_ffn_T" + std::to_string(c.T) + "_E" + std::to_string(c.E) + "_K" +
                             std::to_string(c.K) + "_D" + std::to_string(c.D) + "_F" + std::to_string(c.F) +
                             (c.gated ? "_gated" : "_plain") + "_act" + std::to_string(static_cast<int>(c.act)) +
                             (c.bias ? "_bias" : "") + cap(c.capacity);
    OpQuery q{Op::ExpertFfn, {{c.T * c.K, c.D}, {c.E + 1}, {c.E, c.F, c.D}, {c.E, c.D, c.F}}, static_cast<int>(c.act)};
    cases.push_back({Op::ExpertFfn, name, kFloat, q, [=](Inputs& in) {
                       Backend& b = in.backend();
                       Routed r = route_on_reference(in, c.T, c.E, c.K, c.capacity, DropPolicy::Position, 0, 0);
                       ExpertBatch batch = batch_on(b, in, r, c.T, c.E, c.K, c.D);
                       // Per-expert host weights, stacked as ResidentWeights stacks them.
                       std::vector<Tensor> gate, up, down, gate_b, up_b, down_b;
                       for (int e = 0; e < c.E; ++e) {
                         gate.push_back(in.host({c.F, c.D}, 1.0 / std::sqrt(c.D)));
                         up.push_back(in.host({c.F, c.D}, 1.0 / std::sqrt(c.D)));
                         down.push_back(in.host({c.D, c.F}, 1.0 / std::sqrt(c.F)));
                         gate_b.push_back(in.host({c.F}, 0.1));
                         up_b.push_back(in.host({c.F}, 0.1));
                         down_b.push_back(in.host({c.D}, 0.1));
                       }
                       auto stack = [&](const std::vector<Tensor>& parts) {
                         std::vector<const Tensor*> p;
                         for (const Tensor& t : parts) p.push_back(&t);
                         return b.resident_stack(p);
                       };
                       DeviceTensor G = stack(gate), U = stack(up), Dn = stack(down), Gb = stack(gate_b),
                                    Ub = stack(up_b), Db = stack(down_b);
                       ExpertWeights w{c.gated ? &G : nullptr, &U, &Dn, c.gated && c.bias ? &Gb : nullptr,
                                       c.bias ? &Ub : nullptr, c.bias ? &Db : nullptr, c.act};
                       DeviceTensor y = b.expert_ffn(batch, w);
                       const int used = b.download_ints(batch.offsets).back();
                       Tensor rows = b.download(y);
                       rows.data.resize(static_cast<size_t>(used) * c.D);
                       rows.shape = {used, c.D};
                       Outputs o;
                       o.floats.push_back({"y", rows});
                       return o;
                     }});
  }
  for (auto [T, E, K, D, capacity] : {std::tuple{1, 4, 1, 8, -1}, {33, 8, 2, 64, -1}, {300, 64, 6, 17, -1}, {33, 8, 8, 16, 20}}) {
    const std::string name = "combine_T" + std::to_string(T) + "_E" + std::to_string(E) + "_K" + std::to_string(K) +
                             "_D" + std::to_string(D) + cap(capacity);
    cases.push_back({Op::Combine, name, kFloat, {Op::Combine, {{T * K, D}, {T, K}, {T, K}}}, [=, T = T, E = E, K = K, D = D, capacity = capacity](Inputs& in) {
                       Backend& b = in.backend();
                       Routed r = route_on_reference(in, T, E, K, capacity, DropPolicy::Position, 0, 0);
                       ExpertBatch batch = batch_on(b, in, r, T, E, K, D);
                       Outputs o;
                       o.add(b, "out", b.combine(in.f32({T * K, D}), batch.pair_row, b.upload(r.weight), T));
                       return o;
                     }});
  }
  for (auto [T, E, K, D, capacity, pad] : {std::tuple{33, 8, 1, 64, 2, 0}, {33, 8, 2, 16, 3, 2}, {300, 64, 6, 17, 10, 0}}) {
    const std::string name = "add_dropped_input_T" + std::to_string(T) + "_E" + std::to_string(E) + "_K" +
                             std::to_string(K) + "_D" + std::to_string(D) + cap(capacity) +
                             (pad ? "_pad" + std::to_string(pad) : "");
    cases.push_back({Op::AddDroppedInput, name, kFloat, {Op::AddDroppedInput, {{T, D}, {T, D}, {T, K}, {T, K}, {T, K}}},
                     [=, T = T, E = E, K = K, D = D, capacity = capacity, pad = pad](Inputs& in) {
                       Backend& b = in.backend();
                       Routed r = route_on_reference(in, T, E, K, capacity, DropPolicy::Priority, pad, pad);
                       DeviceTensor out = in.f32({T, D}), x = in.f32({T, D});
                       Outputs o;
                       o.add(b, "out",
                             b.add_dropped_input(out, x, b.upload(r.weight), b.upload_ints(r.expert, {T, K}),
                                                 b.upload_ints(r.kept, {T, K})));
                       return o;
                     }});
  }
}

void add_counts(std::vector<OpCase>& cases) {
  for (RouterFunction f : {RouterFunction::Softmax, RouterFunction::Sigmoid})
    for (auto [T, E, K, capacity, pad] : {std::tuple{1, 4, 1, -1, 0}, {33, 8, 2, 5, 3}, {300, 64, 6, 20, 0}, {33, 256, 8, 1, 0}}) {
      const std::string name = std::string("moe_counts_") + router_name(f) + "_T" + std::to_string(T) + "_E" +
                               std::to_string(E) + "_K" + std::to_string(K) + cap(capacity) +
                               (pad ? "_pad" + std::to_string(pad) : "");
      cases.push_back({Op::MoeCounts, name, kFloat, {Op::MoeCounts, {{T, E}, {T, E}, {T, K}, {T, K}, {T}}, static_cast<int>(f)},
                       [=, T = T, E = E, K = K, capacity = capacity, pad = pad](Inputs& in) {
                         Backend& b = in.backend();
                         Routed r = route_on_reference(in, T, E, K, capacity, DropPolicy::Priority, pad, 0, f);
                         DeviceTensor valid = b.upload_ints(r.valid, {T});
                         MoeCounts c = b.moe_counts(b.upload(r.logits), b.upload(r.scores), b.upload_ints(r.expert, {T, K}),
                                                    b.upload_ints(r.kept, {T, K}), &valid, f);
                         Outputs o;
                         o.add(b, "load_before", c.load_before);
                         o.add(b, "load_after", c.load_after);
                         o.add(b, "first_choice", c.first_choice);
                         o.add(b, "drops", c.drops);
                         o.add(b, "prob_sum", c.prob_sum);
                         o.add(b, "token_sums", c.token_sums);
                         return o;
                       }});
    }
}

}  // namespace

std::vector<OpCase> moe_cases() {
  std::vector<OpCase> cases;
  add_router_and_top_k(cases);
  add_capacity(cases);
  add_experts(cases);
  add_counts(cases);
  return cases;
}

}  // namespace archscope::op_tests
