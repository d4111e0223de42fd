// The reference backend: the oracle every other backend is judged against.
// Plain loops, one thread, double accumulation where sums are long. Its
// tensors live in host memory (ReferenceStorage); weights alias the host
// ModelWeights without copying. Not final: a host backend may derive from it
// to reuse its storage and replace only the ops it makes faster.
// The ops are spread over files by kind: dense, attention, embedding,
// routing, experts.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backends/backend.h"

namespace archscope {

// A host array, owned or aliasing memory the caller keeps alive (weights).
struct ReferenceStorage final : DeviceStorage {
  std::vector<float> f32;
  std::vector<int32_t> i32;
  const float* alias = nullptr;     // a resident weight: the host tensor's data
  std::vector<const float*> parts;  // resident_stack: block i of dim 0 lives at parts[i]
};

namespace reference {

// Contiguous float data of a handle made by a reference backend; `op` names
// the caller in the error for a foreign, empty or mis-typed handle.
const float* f32(const DeviceTensor& t, const char* op);
// Block i of dim 0 (an expert's matrix of a stacked (E, ...) tensor), for
// contiguous and stacked storage alike.
const float* f32_block(const DeviceTensor& t, int i, const char* op);
const int32_t* i32(const DeviceTensor& t, const char* op);

// A fresh zero-filled tensor and a pointer to write it through.
struct NewF32 {
  DeviceTensor tensor;
  float* data;
};
struct NewI32 {
  DeviceTensor tensor;
  int32_t* data;
};
NewF32 new_f32(std::vector<int> shape);
NewI32 new_i32(std::vector<int> shape, int32_t fill = 0);

float apply(Activation a, float x);
// y (rows, N) = x (rows, K) · w (N, K)ᵀ + b (N, may be null), double accumulation.
void linear_rows(const float* x, int rows, int K, const float* w, int N, const float* b, float* y);

// Throws std::invalid_argument "op: what" when !ok.
void require(bool ok, const char* op, const std::string& what);

}  // namespace reference

class ReferenceBackend : public Backend {
 public:
  std::string name() const override { return "reference"; }

  DeviceTensor upload(const Tensor& host) override;
  DeviceTensor upload_ints(const std::vector<int32_t>& values, std::vector<int> shape) override;
  DeviceTensor resident(const Tensor& weight) override;
  DeviceTensor resident_stack(const std::vector<const Tensor*>& parts) override;
  void download_batch(const std::vector<Download>& batch) override;

  DeviceTensor linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) override;
  DeviceTensor layer_norm(const DeviceTensor& x, const DeviceTensor& gamma, const DeviceTensor* beta,
                          float eps) override;
  DeviceTensor rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) override;
  DeviceTensor activate(const DeviceTensor& x, Activation a) override;
  DeviceTensor gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) override;
  DeviceTensor add(const DeviceTensor& x, const DeviceTensor& y) override;
  DeviceTensor scale(const DeviceTensor& x, float s) override;
  DeviceTensor scale_rows(const DeviceTensor& x, const DeviceTensor& s) override;
  DeviceTensor rope(const DeviceTensor& x, const RopeInputs& r) override;
  AttentionOutputs attention(const AttentionInputs& in) override;

  DeviceTensor gather_rows(const DeviceTensor& table, const DeviceTensor& ids) override;
  DeviceTensor sinusoidal_positions(int tokens, int d_model) override;
  DeviceTensor relative_position_bias(const DeviceTensor& table, int tq, int tk, bool bidirectional,
                                      const RelativeBucketSpec& b) override;
  DeviceTensor slice_last(const DeviceTensor& x, int from, int count) override;
  DeviceTensor concat_last(const DeviceTensor& a, const DeviceTensor& b) override;

  DeviceTensor router_scores(const DeviceTensor& logits, RouterFunction f) override;
  TopKOutputs top_k(const DeviceTensor& scores, const DeviceTensor* correction_bias,
                    const DeviceTensor* valid, const TopKParams& p) override;
  CapacityOutputs capacity_cut(const DeviceTensor& expert, const DeviceTensor& scores,
                               const CapacityParams& p) override;
  ExpertBatch dispatch(const DeviceTensor& x, const DeviceTensor& expert, const DeviceTensor& slot,
                       const DeviceTensor& kept, int experts) override;
  DeviceTensor expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) override;
  DeviceTensor combine(const DeviceTensor& y, const DeviceTensor& pair_row, const DeviceTensor& weight,
                       int tokens) override;
  DeviceTensor add_dropped_input(const DeviceTensor& out, const DeviceTensor& x,
                                 const DeviceTensor& weight, const DeviceTensor& expert,
                                 const DeviceTensor& kept) override;
  MoeCounts moe_counts(const DeviceTensor& logits, const DeviceTensor& scores, const DeviceTensor& expert,
                       const DeviceTensor& kept, const DeviceTensor* valid, RouterFunction f) override;

  DeviceTensor count_nonfinite(const DeviceTensor& x) override;
};

}  // namespace archscope
