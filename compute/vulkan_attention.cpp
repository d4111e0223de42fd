// The Vulkan backend's attention: the fused shader when no probabilities are
// asked for, else the two-pass one that writes full maps and thumbnails.
// The mask predicate travels as parameters; key padding as a device tensor.
#include <algorithm>

#include "compute/vulkan_backend.h"
#include "engine/backends/op_contracts.h"
#include "engine/errors.h"

namespace archscope::gpu {

namespace {

// Register arrays are sized by the head width rounded up to a power of two.
uint32_t width_class(int d) {
  uint32_t w = 16;
  while (w < static_cast<uint32_t>(d)) w *= 2;
  return w;
}

struct AttentionPush {
  uint32_t tq, tk, h, kv, dqk, dv;
  uint32_t kind, prefix, window, counts_self, chunk, cross;
  uint32_t has_bias, has_valid;
  float scale;
  uint32_t pool, pq, pk;
};

}  // namespace

AttentionOutputs VulkanBackend::attention(const AttentionInputs& in) {
  // q (Tq, H, Dqk), k (Tk, KV, Dqk), v (Tk, KV, Dv)
  const auto [Tq, H, Dqk, Tk, KV, Dv] = contract::attention(in);
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  const std::vector<int>& full = in.probs.full_heads;
  if (!supports({Op::Attention, {q.shape, k.shape, v.shape}, static_cast<int>(in.mask->kind), in.probs.any()}))
    throw UnsupportedOp("vulkan: attention with head widths " + std::to_string(Dqk) + " and " + std::to_string(Dv) +
                        " (at most 256)");

  const AttentionMask& mask = *in.mask;
  const int pool = in.probs.pool;
  const int pq = pool ? (Tq + pool - 1) / pool : 0, pk = pool ? (Tk + pool - 1) / pool : 0;
  const AttentionPush push{static_cast<uint32_t>(Tq), static_cast<uint32_t>(Tk), static_cast<uint32_t>(H),
                           static_cast<uint32_t>(KV), static_cast<uint32_t>(Dqk), static_cast<uint32_t>(Dv),
                           static_cast<uint32_t>(mask.kind), static_cast<uint32_t>(std::max(mask.prefix_length, 0)),
                           static_cast<uint32_t>(std::max(mask.window, 0)), mask.window_counts_self ? 1u : 0u,
                           static_cast<uint32_t>(std::max(mask.chunk_size, 1)), mask.cross ? 1u : 0u,
                           in.bias ? 1u : 0u, in.key_valid ? 1u : 0u, in.scale,
                           static_cast<uint32_t>(pool), static_cast<uint32_t>(pq), static_cast<uint32_t>(pk)};
  const uint32_t dqk = width_class(Dqk), dv = width_class(Dv);
  // Keys per tile: the K and V tiles together in 16 KiB of shared memory.
  const uint32_t bk = std::clamp<uint32_t>(4096 / (dqk + dv), 4, 32);
  const Kernel fused{"attention_fused.comp", {dqk, dv, bk}};
  const Kernel with_probs{"attention_probs.comp", {dqk, dv, bk}};

  AttentionOutputs out;
  out.out = make({Tq, H * Dv}, ElementType::F32, /*zeroed=*/Tq == 0);
  const BufferRef& qb = f32(q, "attention");
  std::vector<BufferRef> bindings = {qb, f32(k, "attention"), f32(v, "attention"),
                                     in.bias ? f32(*in.bias, "attention") : qb,
                                     in.key_valid ? i32(*in.key_valid, "attention") : qb, f32(out.out, "attention")};
  const Groups groups{static_cast<uint32_t>((Tq + 63) / 64), static_cast<uint32_t>(H), 1};
  if (!in.probs.any()) {
    stream_.dispatch(fused, bindings, push, groups);
    return out;
  }
  // Outputs not asked for stay empty handles; the kernel still needs a binding.
  std::vector<int32_t> slot_of_head(H, -1);
  for (size_t i = 0; i < full.size(); ++i) slot_of_head[full[i]] = static_cast<int32_t>(i);
  DeviceTensor slots = upload_ints(slot_of_head, {H});
  if (!full.empty()) out.probs = make({static_cast<int>(full.size()), Tq, Tk}, ElementType::F32, true);
  if (pool) out.pooled = make({H, pq, pk}, ElementType::F32, true);
  bindings.push_back(i32(slots, "attention"));
  bindings.push_back(full.empty() ? qb : f32(out.probs, "attention"));
  bindings.push_back(pool ? f32(out.pooled, "attention") : qb);
  stream_.dispatch(with_probs, bindings, push, groups);
  return out;
}

}  // namespace archscope::gpu
