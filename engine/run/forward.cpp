// forward(): a one-run Session over the caller's weights.
#include "engine/run/forward.h"

#include "engine/run/session.h"

namespace archscope {

std::shared_ptr<const Trace> forward(const ModelSpec& spec, const ModelWeights& weights, Backend& backend,
                                     const ForwardInputs& inputs, const TraceRequest& request) {
  // Not owned: the caller's weights outlive this call, which is all the
  // aliasing of a host backend needs.
  std::shared_ptr<const ModelWeights> borrowed(std::shared_ptr<const ModelWeights>{}, &weights);
  return Session(spec, std::move(borrowed), backend, inputs, request).run();
}

}  // namespace archscope
