// The Vulkan backend's router: scores, top-k with group-limited selection,
// the capacity cut (per-rank counts, then each pair's place: a prefix sum
// per expert and rank by position, a count of pairs ahead by priority) and the
// counts the balance metrics are made from. Integer results are identical
// to the reference's; only integer atomics are used.
#include <algorithm>

#include "compute/vulkan_backend.h"
#include "engine/errors.h"

namespace archscope::gpu {

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

uint32_t u(int v) { return static_cast<uint32_t>(v); }

// The order of pairs within a rank under DropPolicy::Priority: Batch
// Prioritized Routing orders every rank by the token's first-choice score
// (rank 0), as the reference's capacity_cut does; -1 would use each pair's own.
constexpr int32_t kPriorityRank = 0;

}  // namespace

constexpr int kMaxTopK = 16;
constexpr int kMaxGroups = 64;

DeviceTensor VulkanBackend::router_scores(const DeviceTensor& logits, RouterFunction f) {
  // logits (T, E) -> scores (T, E)
  require(logits.rank() == 2 && logits.dim(1) > 0, "router_scores", "logits " + logits.shape_string());
  const int T = logits.dim(0), E = logits.dim(1);
  DeviceTensor s = make({T, E}, ElementType::F32);
  struct {
    uint32_t t, e, sigmoid;
  } push{u(T), u(E), f == RouterFunction::Sigmoid ? 1u : 0u};
  stream_.dispatch({"router_scores.comp"}, {f32(logits, "router_scores"), f32(s, "router_scores")}, push,
                   groups_for(T, 64));
  return s;
}

TopKOutputs VulkanBackend::top_k(const DeviceTensor& scores, const DeviceTensor* bias, const DeviceTensor* valid,
                                 const TopKParams& p) {
  // scores (T, E) -> expert, weight (T, K); groups (T, top_groups)
  require(scores.rank() == 2, "top_k", "scores " + scores.shape_string());
  const int T = scores.dim(0), E = scores.dim(1), K = p.k, G = std::max(1, p.groups);
  require(K >= 1 && K <= E, "top_k", "k = " + std::to_string(K) + " of " + std::to_string(E) + " experts");
  require(E % G == 0 && p.top_groups >= 1 && p.top_groups <= G && (G == 1 || K <= p.top_groups * (E / G)), "top_k",
          std::to_string(E) + " experts in " + std::to_string(G) + " groups keeping " + std::to_string(p.top_groups));
  require(G == 1 || p.group_score == GroupScore::Max || E / G >= 2, "top_k", "Top2Sum needs two experts per group");
  require(!bias || bias->numel() == E, "top_k", "correction bias " + (bias ? bias->shape_string() : ""));
  require(!valid || valid->numel() == T, "top_k", "valid flags of the wrong length");
  if (K > kMaxTopK || G > kMaxGroups)
    throw UnsupportedOp("vulkan: top_k with k = " + std::to_string(K) + " and " + std::to_string(G) +
                        " groups (at most " + std::to_string(kMaxTopK) + " and " + std::to_string(kMaxGroups) + ")");
  TopKOutputs out;
  out.expert = make({T, K}, ElementType::I32);
  out.weight = make({T, K}, ElementType::F32);
  if (G > 1) out.groups = make({T, p.top_groups}, ElementType::I32);
  const BufferRef& s = f32(scores, "top_k");
  struct {
    uint32_t t, e, k, groups, top_groups, top2sum, normalize, has_bias, has_valid;
    float scaling;
  } push{u(T), u(E), u(K), u(G), u(p.top_groups), p.group_score == GroupScore::Top2Sum ? 1u : 0u,
         p.normalize ? 1u : 0u, bias ? 1u : 0u, valid ? 1u : 0u, static_cast<float>(p.routed_scaling)};
  stream_.dispatch({"top_k.comp"},
                   {s, bias ? f32(*bias, "top_k") : s, valid ? i32(*valid, "top_k") : s, i32(out.expert, "top_k"),
                    f32(out.weight, "top_k"), G > 1 ? i32(out.groups, "top_k") : s},
                   push, groups_for(T, 64));
  return out;
}

CapacityOutputs VulkanBackend::capacity_cut(const DeviceTensor& expert, const DeviceTensor& scores,
                                            const CapacityParams& p) {
  // expert (T, K), scores (T, E) -> kept, slot (T, K)
  require(expert.rank() == 2 && scores.rank() == 2 && scores.dim(0) == expert.dim(0) && scores.dim(1) == p.experts,
          "capacity_cut", "expert " + expert.shape_string() + ", scores " + scores.shape_string());
  const int T = expert.dim(0), K = expert.dim(1), E = p.experts;
  DeviceTensor counts = make({K, E}, ElementType::I32, true);
  CapacityOutputs out{make({T, K}, ElementType::I32), make({T, K}, ElementType::I32)};
  const BufferRef& e = i32(expert, "capacity_cut");
  struct {
    uint32_t t, k, e;
  } count_push{u(T), u(K), u(E)};
  stream_.dispatch({"capacity_counts.comp"}, {e, i32(counts, "capacity_cut")}, count_push,
                   groups_for(static_cast<int64_t>(T) * K, 256));
  // Position order: each pair's place by a prefix sum per (expert, rank).
  DeviceTensor place = p.policy == DropPolicy::Position ? make({T, K}, ElementType::I32) : counts;
  if (p.policy == DropPolicy::Position) {
    struct {
      uint32_t t, k;
    } place_push{u(T), u(K)};
    stream_.dispatch({"capacity_place.comp"}, {e, i32(place, "capacity_cut")}, place_push, {u(E), u(K), 1});
  }
  struct {
    uint32_t t, k, e;
    int32_t capacity;
    uint32_t priority;
    int32_t priority_rank;
  } push{u(T), u(K), u(E), p.capacity, p.policy == DropPolicy::Priority ? 1u : 0u, kPriorityRank};
  stream_.dispatch({"capacity_cut.comp"},
                   {e, f32(scores, "capacity_cut"), i32(counts, "capacity_cut"), i32(out.kept, "capacity_cut"),
                    i32(out.slot, "capacity_cut"), i32(place, "capacity_cut")},
                   push, groups_for(static_cast<int64_t>(T) * K, 256));
  return out;
}

MoeCounts VulkanBackend::moe_counts(const DeviceTensor& logits, const DeviceTensor& scores, const DeviceTensor& expert,
                                    const DeviceTensor& kept, const DeviceTensor* valid, RouterFunction f) {
  require(logits.rank() == 2 && scores.shape == logits.shape && expert.rank() == 2 && kept.shape == expert.shape &&
              expert.dim(0) == logits.dim(0),
          "moe_counts", "logits " + logits.shape_string() + ", expert " + expert.shape_string());
  require(!valid || valid->numel() == logits.dim(0), "moe_counts", "valid flags of the wrong length");
  const int T = logits.dim(0), E = logits.dim(1), K = expert.dim(1);
  MoeCounts c;
  c.load_before = make({E}, ElementType::I32, true);
  c.load_after = make({E}, ElementType::I32, true);
  c.first_choice = make({E}, ElementType::I32, true);
  c.drops = make({3}, ElementType::I32, true);
  c.prob_sum = make({E}, ElementType::F32);
  c.token_sums = make({2}, ElementType::F32);
  DeviceTensor stats = make({T, 3}, ElementType::F32);
  const BufferRef& s = f32(scores, "moe_counts");
  const BufferRef& v = valid ? i32(*valid, "moe_counts") : s;
  struct {
    uint32_t t, e, k, has_valid, sigmoid;
  } push{u(T), u(E), u(K), valid ? 1u : 0u, f == RouterFunction::Sigmoid ? 1u : 0u};
  stream_.dispatch({"moe_token_stats.comp"},
                   {f32(logits, "moe_counts"), s, i32(expert, "moe_counts"), i32(kept, "moe_counts"), v,
                    i32(c.load_before, "moe_counts"), i32(c.load_after, "moe_counts"),
                    i32(c.first_choice, "moe_counts"), i32(c.drops, "moe_counts"), f32(stats, "moe_counts")},
                   push, groups_for(T, 64));
  struct {
    uint32_t t, e, has_valid;
  } sums_push{u(T), u(E), valid ? 1u : 0u};
  stream_.dispatch({"moe_sums.comp"},
                   {s, v, f32(stats, "moe_counts"), f32(c.prob_sum, "moe_counts"), f32(c.token_sums, "moe_counts")},
                   sums_push, {1, 1, 1});
  return c;
}

}  // namespace archscope::gpu
