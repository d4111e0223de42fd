// The Vulkan backend's expert path: dispatch of kept rows by expert (counts
// and offsets stay on the device), every expert's FFN as grouped matmuls
// (one dispatch per projection for all experts), the weighted combine in
// rank order, and the dropped-pair term.
#include <algorithm>

#include "compute/vulkan_backend.h"
#include "engine/backends/op_contracts.h"

namespace archscope::gpu {

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

uint32_t u(int v) { return static_cast<uint32_t>(v); }

constexpr uint32_t kNoActivation = 255;

}  // namespace

ExpertBatch VulkanBackend::dispatch(const DeviceTensor& x, const DeviceTensor& expert, const DeviceTensor& slot,
                                    const DeviceTensor& kept, int E) {
  // x (T, D), expert / slot / kept (T, K) -> rows (T K, D), offsets (E + 1), pair_row (T, K)
  require(x.rank() == 2 && expert.rank() == 2 && expert.dim(0) == x.dim(0) && slot.shape == expert.shape &&
              kept.shape == expert.shape && E > 0,
          "dispatch", "x " + x.shape_string() + ", expert " + expert.shape_string());
  const int T = x.dim(0), D = x.dim(1), K = expert.dim(1);
  ExpertBatch b{make({T * K, D}, ElementType::F32, true), make({E + 1}, ElementType::I32, true),
                make({T, K}, ElementType::I32)};
  const BufferRef &e = i32(expert, "dispatch"), &k = i32(kept, "dispatch"), &offsets = i32(b.offsets, "dispatch");
  struct {
    uint32_t pairs, e;
  } count_push{u(T * K), u(E)};
  stream_.dispatch({"dispatch_offsets.comp", {0}}, {e, k, offsets}, count_push, groups_for(T * K, 256));
  stream_.dispatch({"dispatch_offsets.comp", {1}}, {e, k, offsets}, count_push, {1, 1, 1});
  struct {
    uint32_t pairs, k, d, e;
  } push{u(T * K), u(K), u(D), u(E)};
  stream_.dispatch({"dispatch_rows.comp"},
                   {f32(x, "dispatch"), e, i32(slot, "dispatch"), k, offsets, f32(b.rows, "dispatch"),
                    i32(b.pair_row, "dispatch")},
                   push, groups_for(static_cast<int64_t>(T) * K * std::max(D, 1), 256));
  return b;
}

DeviceTensor VulkanBackend::expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) {
  // rows (N, D) -> (N, D); expert e runs on rows [offsets[e], offsets[e+1])
  const auto [E, F, D, N] = contract::expert_ffn(batch, w);
  // An expert has at most one row per token (top-k chooses distinct experts),
  // so T = pair_row's first dim bounds every expert's block.
  const int per_expert = batch.pair_row.empty() ? N : std::min(N, batch.pair_row.dim(0));
  const BufferRef& rows = f32(batch.rows, "expert_ffn");
  const BufferRef& offsets = i32(batch.offsets, "expert_ffn");

  // One grouped matmul: out (N, n) = in (N, k) · W[e]ᵀ + b[e] on each expert's rows.
  auto grouped = [&](const BufferRef& in, const DeviceTensor& weight, const DeviceTensor* bias, int n, int k,
                     uint32_t act, bool zeroed) {
    DeviceTensor out = make({N, n}, ElementType::F32, zeroed);
    struct {
      uint32_t m, n, k, has_bias;
    } push{u(N), u(n), u(k), bias ? 1u : 0u};
    stream_.dispatch({"linear.comp", {1, act}},
                     {in, f32(weight, "expert_ffn"), bias ? f32(*bias, "expert_ffn") : in, f32(out, "expert_ffn"),
                      offsets},
                     push, {u((n + 63) / 64), u(std::max((per_expert + 63) / 64, 1)), u(E)});
    return out;
  };
  DeviceTensor hidden;  // (N, F): rows past offsets[E] are never read
  if (w.gate) {
    DeviceTensor gate = grouped(rows, *w.gate, w.gate_bias, F, D, kNoActivation, false);
    DeviceTensor up = grouped(rows, *w.up, w.up_bias, F, D, kNoActivation, false);
    hidden = gated(gate, up, w.act);
  } else {
    hidden = grouped(rows, *w.up, w.up_bias, F, D, static_cast<uint32_t>(w.act), false);
  }
  // Rows no expert covers stay 0, as the reference leaves them.
  return grouped(f32(hidden, "expert_ffn"), *w.down, w.down_bias, D, F, kNoActivation, true);
}

DeviceTensor VulkanBackend::combine(const DeviceTensor& y, const DeviceTensor& pair_row, const DeviceTensor& weight,
                                    int T) {
  // y (N, D), pair_row / weight (T, K) -> out (T, D)
  require(y.rank() == 2 && pair_row.rank() == 2 && pair_row.dim(0) == T && weight.shape == pair_row.shape, "combine",
          "y " + y.shape_string() + ", pair_row " + pair_row.shape_string());
  const int D = y.dim(1), K = pair_row.dim(1);
  DeviceTensor out = make({T, D}, ElementType::F32);
  struct {
    uint32_t t, k, d;
  } push{u(T), u(K), u(D)};
  stream_.dispatch({"combine.comp"},
                   {f32(y, "combine"), i32(pair_row, "combine"), f32(weight, "combine"), f32(out, "combine")}, push,
                   groups_for(static_cast<int64_t>(T) * D, 256));
  return out;
}

DeviceTensor VulkanBackend::add_dropped_input(const DeviceTensor& out, const DeviceTensor& x, const DeviceTensor& weight,
                                              const DeviceTensor& expert, const DeviceTensor& kept) {
  // out, x (T, D); weight, expert, kept (T, K)
  require(out.rank() == 2 && x.shape == out.shape && expert.rank() == 2 && expert.dim(0) == out.dim(0) &&
              weight.shape == expert.shape && kept.shape == expert.shape,
          "add_dropped_input", "out " + out.shape_string() + ", expert " + expert.shape_string());
  const int T = out.dim(0), D = out.dim(1), K = expert.dim(1);
  DeviceTensor result = make(out.shape, ElementType::F32);
  struct {
    uint32_t t, k, d;
  } push{u(T), u(K), u(D)};
  stream_.dispatch({"add_dropped_input.comp"},
                   {f32(out, "add_dropped_input"), f32(x, "add_dropped_input"), f32(weight, "add_dropped_input"),
                    i32(expert, "add_dropped_input"), i32(kept, "add_dropped_input"), f32(result, "add_dropped_input")},
                   push, groups_for(static_cast<int64_t>(T) * D, 256));
  return result;
}

}  // namespace archscope::gpu
