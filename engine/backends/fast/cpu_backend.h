// The fast CPU backend ("cpu" in make_backend), what users get where there is
// no GPU. It derives from the reference backend, sharing its host storage and
// exact ops for what is cheap or must match bit for bit (gathers, slices,
// scaling, routing, top-k, capacity, dispatch, combine, counts), and replaces
// the ops where the time goes with the kernels of this folder: linear
// (OpenBLAS), norms, activations, add, RoPE, attention (with probabilities or
// fused), the expert FFNs and the finiteness count run on every output. Float32 throughout; it matches the reference
// within the parity bounds (tests/parity_test.cpp, tests/backend_ops_test.cpp).
#pragma once

#include "engine/backends/fast/scratch.h"
#include "engine/backends/fast/thread_pool.h"
#include "engine/backends/reference/reference_backend.h"

namespace archscope::fast {

class CpuBackend final : public ReferenceBackend {
 public:
  // The process's pool (process_pool()) unless a test gives its own.
  CpuBackend();
  explicit CpuBackend(ThreadPool& pool) : pool_(pool) {}
  std::string name() const override { return "cpu"; }

  DeviceTensor linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) override;
  DeviceTensor layer_norm(const DeviceTensor& x, const DeviceTensor& gamma,
                          const DeviceTensor* beta, float eps) override;
  DeviceTensor rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) override;
  DeviceTensor activate(const DeviceTensor& x, Activation a) override;
  DeviceTensor gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) override;
  DeviceTensor add(const DeviceTensor& x, const DeviceTensor& y) override;
  DeviceTensor rope(const DeviceTensor& x, const RopeInputs& r) override;
  AttentionOutputs attention(const AttentionInputs& in) override;
  DeviceTensor expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) override;
  DeviceTensor count_nonfinite(const DeviceTensor& x) override;

 private:
  ThreadPool& pool_;
  Scratch expert_scratch_;  // expert_ffn's hidden activations, kept between layers and runs
};

}  // namespace archscope::fast
