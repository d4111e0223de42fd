// Which step a change reaches, and the resumed run.
#include "engine/run/session.h"

#include <chrono>

#include "engine/errors.h"

namespace archscope {

namespace {

// The step the change from `a` to `b` reaches first.
Rerun rerun_for(const MoeSpec& a, const MoeSpec& b) {
  auto weights_field = [&]() -> const char* {
    if (a.experts != b.experts) return "experts";
    if (a.expert_intermediate != b.expert_intermediate) return "expert_intermediate";
    if (a.shared_experts != b.shared_experts) return "shared_experts";
    if (a.shared_intermediate != b.shared_intermediate) return "shared_intermediate";
    if (a.shared_gate != b.shared_gate) return "shared_gate";
    if (a.correction_bias != b.correction_bias) return "correction_bias";
    if (a.router_bias != b.router_bias) return "router_bias";
    if (a.first_dense != b.first_dense || a.layer_step != b.layer_step || a.step_remainder != b.step_remainder ||
        a.dense_layers != b.dense_layers)
      return "the MoE layer pattern";
    return nullptr;
  };
  if (const char* f = weights_field())
    throw InputError("routing change: '" + std::string(f) + "' needs other weights; build a new session");
  if (a.top_k != b.top_k || a.router != b.router || a.normalize_top_k != b.normalize_top_k ||
      a.groups != b.groups || a.top_groups != b.top_groups || a.group_score != b.group_score ||
      a.routed_scaling != b.routed_scaling)
    return Rerun::FromRouting;
  if (a.capacity_mode != b.capacity_mode || a.capacity != b.capacity || a.capacity_factor != b.capacity_factor ||
      a.capacity_formula != b.capacity_formula || a.drop_policy != b.drop_policy ||
      a.drop_output != b.drop_output || a.aux_loss_coef != b.aux_loss_coef || a.z_loss_coef != b.z_loss_coef ||
      a.library_compat != b.library_compat)
    return Rerun::FromCapacity;
  return Rerun::None;
}

}  // namespace

Session::Session(ModelSpec spec, std::shared_ptr<const ModelWeights> weights, Backend& backend, ForwardInputs inputs,
                 TraceRequest request)
    : spec_(std::move(spec)),
      backend_(backend),
      weights_(backend, std::move(weights)),
      inputs_(std::move(inputs)),
      request_(std::move(request)) {}

void Session::set_moe(const MoeSpec& moe) {
  if (!spec_.is_moe()) throw InputError("routing change: " + spec_.name + " has no experts");
  const Rerun r = rerun_for(spec_.moe, moe);
  if (r == Rerun::None) return;
  ModelSpec next = spec_;
  next.moe = moe;
  validate_or_throw(next, "routing change");
  spec_ = std::move(next);
  pending_ = std::max(pending_, r);
}

void Session::set_inputs(ForwardInputs inputs) {
  inputs_ = std::move(inputs);
  uploaded_.reset();
  pending_ = Rerun::Full;
}

void Session::set_request(TraceRequest request) {
  request_ = std::move(request);
  pending_ = Rerun::Full;
}

std::shared_ptr<const Trace> Session::run() {
  if (last_ && pending_ == Rerun::None) return last_;
  const auto start = std::chrono::steady_clock::now();
  if (!uploaded_) uploaded_ = std::make_unique<PassInputs>(upload_inputs(backend_, spec_, inputs_));
  const bool resume = last_ && point_.valid && pending_ != Rerun::Full;
  std::shared_ptr<Trace> trace =
      resume ? run_pass(backend_, spec_, weights_, *uploaded_, request_, point_, pending_, trace_prefix(*last_, point_))
             : run_pass(backend_, spec_, weights_, *uploaded_, request_, point_, Rerun::Full);
  trace->elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  last_ = trace;
  pending_ = Rerun::None;
  return last_;
}

}  // namespace archscope
