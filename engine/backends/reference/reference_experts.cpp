// The reference's expert path: dispatch of kept rows by expert, every
// expert's FFN, the weighted combine in rank order, and the dropped-pair term.
#include "engine/backends/op_contracts.h"
#include "engine/backends/reference/reference_backend.h"

namespace archscope {

using namespace reference;

ExpertBatch ReferenceBackend::dispatch(const DeviceTensor& x_t, const DeviceTensor& expert_t,
                                       const DeviceTensor& slot_t, const DeviceTensor& kept_t, int E) {
  // x (T, D), expert / slot / kept (T, K) -> rows (T K, D), offsets (E + 1), pair_row (T, K)
  require(x_t.rank() == 2 && expert_t.rank() == 2 && expert_t.dim(0) == x_t.dim(0) &&
              slot_t.shape == expert_t.shape && kept_t.shape == expert_t.shape && E > 0,
          "dispatch", "x " + x_t.shape_string() + ", expert " + expert_t.shape_string());
  const int T = x_t.dim(0), D = x_t.dim(1), K = expert_t.dim(1);
  const float* x = f32(x_t, "dispatch");
  const int32_t *expert = i32(expert_t, "dispatch"), *slot = i32(slot_t, "dispatch"),
                *kept = i32(kept_t, "dispatch");
  NewI32 offsets = new_i32({E + 1}), pair_row = new_i32({T, K}, -1);
  NewF32 rows = new_f32({T * K, D});
  for (int i = 0; i < T * K; ++i)
    if (kept[i]) {
      require(expert[i] >= 0 && expert[i] < E, "dispatch", "kept pair with expert " + std::to_string(expert[i]));
      ++offsets.data[expert[i] + 1];
    }
  for (int e = 0; e < E; ++e) offsets.data[e + 1] += offsets.data[e];
  for (int i = 0; i < T * K; ++i) {
    if (!kept[i]) continue;
    const int e = expert[i];
    require(slot[i] >= 0 && slot[i] < offsets.data[e + 1] - offsets.data[e], "dispatch",
            "slot " + std::to_string(slot[i]) + " outside expert " + std::to_string(e) + "'s kept pairs");
    const int row = offsets.data[e] + slot[i];
    pair_row.data[i] = row;
    std::copy(x + static_cast<int64_t>(i / K) * D, x + static_cast<int64_t>(i / K + 1) * D,
              rows.data + static_cast<int64_t>(row) * D);
  }
  return {rows.tensor, offsets.tensor, pair_row.tensor};
}

DeviceTensor ReferenceBackend::expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) {
  // rows (N, D) -> (N, D); expert e runs on rows [offsets[e], offsets[e+1])
  const auto [E, F, D, N] = contract::expert_ffn(batch, w);
  const float* x = f32(batch.rows, "expert_ffn");
  const int32_t* offsets = i32(batch.offsets, "expert_ffn");
  NewF32 y = new_f32(batch.rows.shape);
  for (int e = 0; e < E; ++e) {
    const int first = offsets[e], n = offsets[e + 1] - offsets[e];
    if (n <= 0) continue;
    auto bias = [&](const DeviceTensor* b) { return b ? f32_block(*b, e, "expert_ffn") : nullptr; };
    const float* xe = x + static_cast<int64_t>(first) * D;
    std::vector<float> up(static_cast<size_t>(n) * F), hidden(up.size());
    linear_rows(xe, n, D, f32_block(*w.up, e, "expert_ffn"), F, bias(w.up_bias), up.data());
    if (w.gate) {
      std::vector<float> gate(up.size());
      linear_rows(xe, n, D, f32_block(*w.gate, e, "expert_ffn"), F, bias(w.gate_bias), gate.data());
      for (size_t i = 0; i < up.size(); ++i) hidden[i] = apply(w.act, gate[i]) * up[i];
    } else {
      for (size_t i = 0; i < up.size(); ++i) hidden[i] = apply(w.act, up[i]);
    }
    linear_rows(hidden.data(), n, F, f32_block(*w.down, e, "expert_ffn"), D, bias(w.down_bias),
                y.data + static_cast<int64_t>(first) * D);
  }
  return y.tensor;
}

DeviceTensor ReferenceBackend::combine(const DeviceTensor& y_t, const DeviceTensor& pair_row_t,
                                       const DeviceTensor& weight_t, int T) {
  // y (N, D), pair_row / weight (T, K) -> out (T, D)
  require(y_t.rank() == 2 && pair_row_t.rank() == 2 && pair_row_t.dim(0) == T && weight_t.shape == pair_row_t.shape,
          "combine", "y " + y_t.shape_string() + ", pair_row " + pair_row_t.shape_string());
  const int D = y_t.dim(1), K = pair_row_t.dim(1), N = y_t.dim(0);
  const float *y = f32(y_t, "combine"), *weight = f32(weight_t, "combine");
  const int32_t* pair_row = i32(pair_row_t, "combine");
  NewF32 out = new_f32({T, D});
  for (int t = 0; t < T; ++t)
    for (int k = 0; k < K; ++k) {
      const int r = pair_row[t * K + k];
      if (r < 0) continue;
      require(r < N, "combine", "row " + std::to_string(r) + " of " + std::to_string(N));
      float* o = out.data + static_cast<int64_t>(t) * D;
      const float* yr = y + static_cast<int64_t>(r) * D;
      for (int d = 0; d < D; ++d) o[d] += weight[t * K + k] * yr[d];
    }
  return out.tensor;
}

DeviceTensor ReferenceBackend::add_dropped_input(const DeviceTensor& out_t, const DeviceTensor& x_t,
                                                 const DeviceTensor& weight_t, const DeviceTensor& expert_t,
                                                 const DeviceTensor& kept_t) {
  // out, x (T, D); weight, expert, kept (T, K)
  require(out_t.rank() == 2 && x_t.shape == out_t.shape && expert_t.rank() == 2 &&
              expert_t.dim(0) == out_t.dim(0) && weight_t.shape == expert_t.shape && kept_t.shape == expert_t.shape,
          "add_dropped_input", "out " + out_t.shape_string() + ", expert " + expert_t.shape_string());
  const int T = out_t.dim(0), D = out_t.dim(1), K = expert_t.dim(1);
  const float *base = f32(out_t, "add_dropped_input"), *x = f32(x_t, "add_dropped_input"),
              *weight = f32(weight_t, "add_dropped_input");
  const int32_t *expert = i32(expert_t, "add_dropped_input"), *kept = i32(kept_t, "add_dropped_input");
  NewF32 out = new_f32(out_t.shape);
  std::copy(base, base + out_t.numel(), out.data);
  for (int t = 0; t < T; ++t)
    for (int k = 0; k < K; ++k) {
      const int i = t * K + k;
      if (expert[i] < 0 || kept[i]) continue;
      for (int d = 0; d < D; ++d) out.data[static_cast<int64_t>(t) * D + d] += weight[i] * x[static_cast<int64_t>(t) * D + d];
    }
  return out.tensor;
}

}  // namespace archscope
