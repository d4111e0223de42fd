// The reference's table lookups, generated positions and column moves:
// embedding gather, sinusoidal positions, T5's relative bias, slices and
// concatenation along the last dim.
#include "engine/backends/reference/reference_backend.h"
#include "engine/run/positions.h"

namespace archscope {

using namespace reference;

DeviceTensor ReferenceBackend::gather_rows(const DeviceTensor& table_t, const DeviceTensor& ids_t) {
  // table (R, C), ids (T) -> (T, C)
  require(table_t.rank() == 2 && ids_t.rank() == 1, "gather_rows",
          "table " + table_t.shape_string() + ", ids " + ids_t.shape_string());
  const int R = table_t.dim(0), C = table_t.dim(1), T = ids_t.dim(0);
  const float* table = f32(table_t, "gather_rows");
  const int32_t* ids = i32(ids_t, "gather_rows");
  NewF32 out = new_f32({T, C});
  for (int t = 0; t < T; ++t) {
    require(ids[t] >= 0 && ids[t] < R, "gather_rows",
            "id " + std::to_string(ids[t]) + " outside a table of " + std::to_string(R) + " rows");
    const float* row = table + static_cast<int64_t>(ids[t]) * C;
    std::copy(row, row + C, out.data + static_cast<int64_t>(t) * C);
  }
  return out.tensor;
}

DeviceTensor ReferenceBackend::sinusoidal_positions(int tokens, int d_model) {
  require(tokens >= 0 && d_model > 0, "sinusoidal_positions", "bad size");
  Tensor pe = archscope::sinusoidal_positions(tokens, d_model);  // (T, D)
  return upload(pe);
}

DeviceTensor ReferenceBackend::relative_position_bias(const DeviceTensor& table_t, int tq, int tk,
                                                      bool bidirectional, const RelativeBucketSpec& b) {
  // table (buckets, H) -> bias (H, Tq, Tk) = table[bucket(kv - q), h]
  require(table_t.rank() == 2 && table_t.dim(0) == b.num_buckets, "relative_position_bias",
          "table " + table_t.shape_string() + " for " + std::to_string(b.num_buckets) + " buckets");
  const int H = table_t.dim(1);
  const float* table = f32(table_t, "relative_position_bias");
  NewF32 bias = new_f32({H, tq, tk});
  for (int q = 0; q < tq; ++q)
    for (int k = 0; k < tk; ++k) {
      const int bucket = t5_relative_bucket(k - q, bidirectional, b.num_buckets, b.max_distance);
      for (int h = 0; h < H; ++h)
        bias.data[(static_cast<int64_t>(h) * tq + q) * tk + k] = table[static_cast<int64_t>(bucket) * H + h];
    }
  return bias.tensor;
}

DeviceTensor ReferenceBackend::slice_last(const DeviceTensor& xt, int from, int count) {
  // x (..., C) -> (..., count): columns [from, from + count)
  require(xt.rank() >= 1 && from >= 0 && count >= 0 && from + count <= xt.shape.back(), "slice_last",
          "columns [" + std::to_string(from) + ", " + std::to_string(from + count) + ") of " + xt.shape_string());
  const int C = xt.shape.back(), R = xt.rows();
  const float* x = f32(xt, "slice_last");
  std::vector<int> shape = xt.shape;
  shape.back() = count;
  NewF32 out = new_f32(shape);
  for (int r = 0; r < R; ++r)
    std::copy(x + static_cast<int64_t>(r) * C + from, x + static_cast<int64_t>(r) * C + from + count,
              out.data + static_cast<int64_t>(r) * count);
  return out.tensor;
}

DeviceTensor ReferenceBackend::concat_last(const DeviceTensor& at, const DeviceTensor& bt) {
  // a (..., M, A), b (..., M or 1, B) -> (..., M, A + B)
  const int r = at.rank();
  bool ok = r >= 2 && bt.rank() == r && (bt.dim(r - 2) == at.dim(r - 2) || bt.dim(r - 2) == 1);
  for (int i = 0; ok && i < r - 2; ++i) ok = at.dim(i) == bt.dim(i);
  require(ok, "concat_last", at.shape_string() + " and " + bt.shape_string());
  const int M = at.dim(r - 2), A = at.dim(r - 1), Bm = bt.dim(r - 2), B = bt.dim(r - 1);
  const int outer = M ? at.rows() / M : 0;
  const float *a = f32(at, "concat_last"), *b = f32(bt, "concat_last");
  std::vector<int> shape = at.shape;
  shape.back() = A + B;
  NewF32 out = new_f32(shape);
  for (int o = 0; o < outer; ++o)
    for (int m = 0; m < M; ++m) {
      float* dst = out.data + (static_cast<int64_t>(o) * M + m) * (A + B);
      const float* ar = a + (static_cast<int64_t>(o) * M + m) * A;
      const float* br = b + (static_cast<int64_t>(o) * Bm + (Bm == 1 ? 0 : m)) * B;
      std::copy(ar, ar + A, dst);
      std::copy(br, br + B, dst + A);
    }
  return out.tensor;
}

}  // namespace archscope
