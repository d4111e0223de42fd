// The Vulkan backend: every op of engine/backends/backend.h as one or a few
// compute shaders (shaders/compute), tensors kept in device buffers
// (VulkanStorage), dispatches batched into one submission until a download.
// Ops are spread over files by kind like the reference's: dense, attention,
// embedding, routing, experts.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "compute/stream.h"
#include "engine/backends/backend.h"

namespace archscope::gpu {

class Context;

// A tensor in a device buffer. Integer tensors uploaded from the host
// remember their range, so ops that index with them (gather_rows) can refuse
// a bad index without reading the device.
struct VulkanStorage final : DeviceStorage {
  BufferRef buffer;
  std::optional<std::pair<int32_t, int32_t>> int_range;
};

class VulkanBackend : public Backend {
 public:
  // Runs on `context`, which must outlive the backend (the window's); or, when
  // null, on a context of its own.
  explicit VulkanBackend(const Context* context = nullptr);
  ~VulkanBackend() override;

  std::string name() const override { return "vulkan"; }
  bool supports(const OpQuery& q) const override;
  const Context& context() const { return context_; }
  Stream& stream() { return stream_; }

  DeviceTensor upload(const Tensor& host) override;
  DeviceTensor upload_ints(const std::vector<int32_t>& values, std::vector<int> shape) override;
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
  TopKOutputs top_k(const DeviceTensor& scores, const DeviceTensor* correction_bias, const DeviceTensor* valid,
                    const TopKParams& p) override;
  CapacityOutputs capacity_cut(const DeviceTensor& expert, const DeviceTensor& scores,
                               const CapacityParams& p) override;
  ExpertBatch dispatch(const DeviceTensor& x, const DeviceTensor& expert, const DeviceTensor& slot,
                       const DeviceTensor& kept, int experts) override;
  DeviceTensor expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) override;
  DeviceTensor combine(const DeviceTensor& y, const DeviceTensor& pair_row, const DeviceTensor& weight,
                       int tokens) override;
  DeviceTensor add_dropped_input(const DeviceTensor& out, const DeviceTensor& x, const DeviceTensor& weight,
                                 const DeviceTensor& expert, const DeviceTensor& kept) override;
  MoeCounts moe_counts(const DeviceTensor& logits, const DeviceTensor& scores, const DeviceTensor& expert,
                       const DeviceTensor& kept, const DeviceTensor* valid, RouterFunction f) override;

  // ---- For the op files ------------------------------------------------
  // The buffer of a handle this backend made, of this type; `op` names the
  // caller in the std::invalid_argument for a foreign, empty or mis-typed one.
  const BufferRef& buffer(const DeviceTensor& t, ElementType want, const char* op) const;
  const BufferRef& f32(const DeviceTensor& t, const char* op) const { return buffer(t, ElementType::F32, op); }
  const BufferRef& i32(const DeviceTensor& t, const char* op) const { return buffer(t, ElementType::I32, op); }
  // A new uninitialised tensor; `zeroed` records a fill with 0.
  DeviceTensor make(std::vector<int> shape, ElementType type, bool zeroed = false);
  // Workgroups for n invocations of `local` threads, each thread striding
  // over the rest when n needs more groups than the device allows.
  Groups groups_for(int64_t n, uint32_t local) const;

 private:
  std::unique_ptr<Context> owned_;
  const Context& context_;
  Stream stream_;
};

// A Vulkan backend on `context` (not owned), or on a context of its own.
std::unique_ptr<Backend> make_vulkan_backend(const Context* context = nullptr);

// Adds "vulkan" to make_backend/backend_names. Backends it makes run on
// `context` when one is given (the window's), else on one context the
// process makes on first use and keeps.
void register_vulkan_backend(const Context* context = nullptr);

}  // namespace archscope::gpu
