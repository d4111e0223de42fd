// A model on a backend, ready to re-run: the spec, the weights made resident
// once, the inputs uploaded once and the trace request. run() gives the
// trace; after a routing change it re-runs only from the first MoE layer's
// capacity cut (capacity, drop policy, drop output) or its routing step
// (top-k, router function), reusing every activation before it, which stays
// resident. The capacity slider of the app is this.
#pragma once

#include <memory>

#include "engine/run/pass.h"

namespace archscope {

class Session {
 public:
  // The weights are shared so that backends that alias them (the CPU ones)
  // can rely on them for the session's life; they must not change.
  Session(ModelSpec spec, std::shared_ptr<const ModelWeights> weights, Backend& backend, ForwardInputs inputs,
          TraceRequest request = TraceRequest::everything());

  // The trace of the current spec, inputs and request. The first call runs
  // everything; later calls re-run from the earliest step a change reaches,
  // and give the last trace again when nothing changed. The result equals a
  // fresh forward() of the same spec element for element.
  std::shared_ptr<const Trace> run();

  // New MoE settings for the same experts. Capacity mode, factor, slots and
  // formula, drop policy, drop output and the loss coefficients re-run from
  // the capacity cut; top-k, router function, renormalisation, routed
  // scaling and groups from the routing step. A change that needs other
  // weights (expert count or width, shared experts, biases, which layers are
  // MoE) is an InputError naming the field; so is a spec that fails validation.
  void set_moe(const MoeSpec& moe);
  // New tokens or padding, or a new request: the next run() is a full one.
  void set_inputs(ForwardInputs inputs);
  void set_request(TraceRequest request);

  const ModelSpec& spec() const { return spec_; }
  const TraceRequest& request() const { return request_; }
  Rerun pending() const { return pending_; }
  Backend& backend() const { return backend_; }

 private:
  ModelSpec spec_;
  Backend& backend_;
  ResidentWeights weights_;
  ForwardInputs inputs_;
  std::unique_ptr<PassInputs> uploaded_;
  TraceRequest request_;
  ResumePoint point_;
  std::shared_ptr<const Trace> last_;
  Rerun pending_ = Rerun::Full;
};

}  // namespace archscope
