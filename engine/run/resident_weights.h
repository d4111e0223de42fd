// A model's weights made resident on one backend, once: every host tensor of
// ModelWeights gets its DeviceTensor, and each MoE layer's experts are
// stacked (E, F, D) for one grouped dispatch. Host backends alias the host
// memory, so the ModelWeights are held by shared_ptr and never change.
#pragma once

#include <map>
#include <memory>

#include "engine/backends/backend.h"
#include "engine/model/weights.h"

namespace archscope {

// Every routed expert of one MoE layer, stacked on E.
struct StackedExperts {
  DeviceTensor gate, up, down;           // (E, F, D), (E, F, D), (E, D, F); gate empty for plain FFNs
  DeviceTensor gate_bias, up_bias, down_bias;  // (E, F), (E, F), (E, D) or empty
};

class ResidentWeights {
 public:
  ResidentWeights(Backend& backend, std::shared_ptr<const ModelWeights> host);

  // The resident copy of a tensor of these weights. A tensor the walk did
  // not know (a field added to ModelWeights and not to the walk) is made
  // resident on first use.
  const DeviceTensor& operator[](const Tensor& host_tensor) const;
  // Null for an empty tensor (an absent bias).
  const DeviceTensor* optional(const Tensor& host_tensor) const;
  const StackedExperts& experts(const MoeWeights& moe) const;

  const ModelWeights& host() const { return *host_; }
  Backend& backend() const { return backend_; }

 private:
  Backend& backend_;
  std::shared_ptr<const ModelWeights> host_;
  mutable std::map<const Tensor*, DeviceTensor> tensors_;
  std::map<const MoeWeights*, StackedExperts> experts_;
};

}  // namespace archscope
