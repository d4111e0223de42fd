// The Vulkan backend's table lookups, generated positions and column moves:
// embedding gather, sinusoidal positions, T5's relative bias, slices and
// concatenation along the last dim.
#include <cmath>

#include "compute/vulkan_backend.h"
#include "engine/run/positions.h"

namespace archscope::gpu {

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

uint32_t u(int v) { return static_cast<uint32_t>(v); }

}  // namespace

DeviceTensor VulkanBackend::gather_rows(const DeviceTensor& table, const DeviceTensor& ids) {
  // table (R, C), ids (T) -> (T, C)
  require(table.rank() == 2 && ids.rank() == 1, "gather_rows",
          "table " + table.shape_string() + ", ids " + ids.shape_string());
  const int R = table.dim(0), C = table.dim(1), T = ids.dim(0);
  const BufferRef& id_buffer = i32(ids, "gather_rows");
  // Ids come from the host (upload_ints), which recorded their range: a bad
  // id is refused here without reading the device.
  const auto& range = static_cast<const VulkanStorage&>(*ids.storage).int_range;
  require(T == 0 || range.has_value(), "gather_rows", "ids computed on the device cannot be range-checked");
  if (T > 0) {
    const int32_t bad = range->first < 0 ? range->first : range->second;
    require(range->first >= 0 && range->second < R, "gather_rows",
            "id " + std::to_string(bad) + " outside a table of " + std::to_string(R) + " rows");
  }
  DeviceTensor out = make({T, C}, ElementType::F32);
  struct {
    uint32_t t, c;
  } push{u(T), u(C)};
  stream_.dispatch({"gather_rows.comp"}, {f32(table, "gather_rows"), id_buffer, f32(out, "gather_rows")}, push,
                   groups_for(static_cast<int64_t>(T) * C, 256));
  return out;
}

DeviceTensor VulkanBackend::sinusoidal_positions(int tokens, int d_model) {
  require(tokens >= 0 && d_model > 0, "sinusoidal_positions", "bad size");
  Tensor inv_freq({(d_model + 1) / 2});
  for (int i = 0; i < d_model; i += 2)
    inv_freq.data[i / 2] = static_cast<float>(1.0 / std::pow(10000.0, static_cast<double>(i) / d_model));
  DeviceTensor freq = upload(inv_freq);
  DeviceTensor out = make({tokens, d_model}, ElementType::F32);
  struct {
    uint32_t t, d;
  } push{u(tokens), u(d_model)};
  stream_.dispatch({"sinusoidal.comp"}, {f32(freq, "sinusoidal_positions"), f32(out, "sinusoidal_positions")}, push,
                   groups_for(static_cast<int64_t>(tokens) * d_model, 256));
  return out;
}

DeviceTensor VulkanBackend::relative_position_bias(const DeviceTensor& table, int tq, int tk, bool bidirectional,
                                                   const RelativeBucketSpec& b) {
  // table (buckets, H) -> bias (H, Tq, Tk) = table[bucket(kv - q), h]
  require(table.rank() == 2 && table.dim(0) == b.num_buckets, "relative_position_bias",
          "table " + table.shape_string() + " for " + std::to_string(b.num_buckets) + " buckets");
  require(tq >= 0 && tk >= 0, "relative_position_bias", "negative length");
  const int H = table.dim(1);
  // The bucket of each distance kv - q: a function of the shape, not of any tensor.
  std::vector<int32_t> bucket_of(std::max(tq + tk - 1, 1), 0);
  for (int n = -(tq - 1); n <= tk - 1; ++n)
    bucket_of[n + tq - 1] = t5_relative_bucket(n, bidirectional, b.num_buckets, b.max_distance);
  DeviceTensor buckets = upload_ints(bucket_of, {static_cast<int>(bucket_of.size())});
  DeviceTensor out = make({H, tq, tk}, ElementType::F32);
  struct {
    uint32_t h, tq, tk;
  } push{u(H), u(tq), u(tk)};
  stream_.dispatch({"relative_bias.comp"},
                   {f32(table, "relative_position_bias"), i32(buckets, "relative_position_bias"),
                    f32(out, "relative_position_bias")},
                   push, groups_for(static_cast<int64_t>(H) * tq * tk, 256));
  return out;
}

DeviceTensor VulkanBackend::slice_last(const DeviceTensor& x, int from, int count) {
  require(x.rank() >= 1 && from >= 0 && count >= 0 && from + count <= x.shape.back(), "slice_last",
          "columns [" + std::to_string(from) + ", " + std::to_string(from + count) + ") of " + x.shape_string());
  std::vector<int> shape = x.shape;
  shape.back() = count;
  DeviceTensor out = make(shape, ElementType::F32);
  struct {
    uint32_t rows, c, from, count;
  } push{u(x.rows()), u(x.shape.back()), u(from), u(count)};
  stream_.dispatch({"slice_last.comp"}, {f32(x, "slice_last"), f32(out, "slice_last")}, push,
                   groups_for(static_cast<int64_t>(x.rows()) * count, 256));
  return out;
}

DeviceTensor VulkanBackend::concat_last(const DeviceTensor& a, const DeviceTensor& b) {
  // a (..., M, A), b (..., M or 1, B) -> (..., M, A + B)
  const int r = a.rank();
  bool ok = r >= 2 && b.rank() == r && (b.dim(r - 2) == a.dim(r - 2) || b.dim(r - 2) == 1);
  for (int i = 0; ok && i < r - 2; ++i) ok = a.dim(i) == b.dim(i);
  require(ok, "concat_last", a.shape_string() + " and " + b.shape_string());
  const int M = a.dim(r - 2), A = a.dim(r - 1), Bm = b.dim(r - 2), B = b.dim(r - 1);
  const int outer = M ? a.rows() / M : 0;
  std::vector<int> shape = a.shape;
  shape.back() = A + B;
  DeviceTensor out = make(shape, ElementType::F32);
  struct {
    uint32_t outer, m, wa, wb, b_rows;
  } push{u(outer), u(M), u(A), u(B), u(Bm)};
  stream_.dispatch({"concat_last.comp"}, {f32(a, "concat_last"), f32(b, "concat_last"), f32(out, "concat_last")}, push,
                   groups_for(static_cast<int64_t>(outer) * M * (A + B), 256));
  return out;
}

}  // namespace archscope::gpu
