// The one interface every op of the forward pass goes through. Tensors stay
// where the backend keeps them (DeviceTensor); the forward pass passes handles
// and shapes and never touches an element. The reference backend is the
// oracle: plain loops, double accumulation. Other backends (the fast CPU one,
// Vulkan) implement the same ops and are judged against it op by op
// (tests/backend_ops_test.cpp).
//
// Contract for every op:
//  - Inputs are never modified; each op returns new tensors. A handle the
//    caller keeps (a Session keeps activations to re-route) stays valid.
//  - Shapes use T tokens, D width, H heads, KV kv-heads, Dh head width,
//    E experts, K top-k, F FFN width. A shape the op does not accept is a
//    std::invalid_argument naming the op and the shapes.
//  - An op the backend cannot run for these shapes and parameters answers
//    false from supports(); calling it anyway throws UnsupportedOp.
//  - Results equal the reference's within the per-op tolerances of
//    backend_ops_test; integer outputs (experts, kept flags, slots, counts)
//    are identical, not close.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/backends/device_tensor.h"
#include "engine/model/model_spec.h"
#include "engine/run/mask.h"
#include "engine/tensor.h"

namespace archscope {

enum class Activation { GeluExact, GeluTanh, Relu, Silu, Sigmoid };

// Every op, for supports() and for reporting.
enum class Op {
  Linear, LayerNorm, RmsNorm, Activate, Gated, Add, Scale, ScaleRows, Rope, Attention,
  GatherRows, SinusoidalPositions, RelativePositionBias, SliceLast, ConcatLast,
  RouterScores, TopK, CapacityCut, Dispatch, ExpertFfn, Combine, AddDroppedInput, MoeCounts,
  CountNonFinite,
};
const char* to_string(Op);

// What supports() is asked: the op, its operands' shapes in argument order
// (an absent optional operand is an empty shape), and its enumerated mode
// cast to int: Activation (Activate, Gated, ExpertFfn), MaskKind (Attention),
// RouterFunction (RouterScores, MoeCounts), GroupScore (TopK), DropPolicy
// (CapacityCut); 0 elsewhere. `writes_probs` is set for the attention form
// that writes probabilities.
struct OpQuery {
  Op op;
  std::vector<std::vector<int>> shapes;
  int mode = 0;
  bool writes_probs = false;
};

struct RopeInputs {
  int rotary_offset = 0;  // first rotated dim inside each head
  int rotary_dim = 0;     // dims rotated (even)
  double theta = 10000.0;
  bool interleaved = false;  // pairs (2i, 2i+1) instead of (i, i + d/2)
  int position_offset = 0;
};

// The probabilities the attention op writes besides its output. Neither
// asked: the fused form, which writes none.
struct AttentionProbs {
  std::vector<int> full_heads;  // heads whose whole (Tq, Tk) map is written, ascending
  int pool = 0;                 // > 0: every head's map max-pooled over pool x pool blocks
  bool any() const { return !full_heads.empty() || pool > 0; }
};

struct AttentionInputs {
  const DeviceTensor* q = nullptr;     // (Tq, H, Dqk)
  const DeviceTensor* k = nullptr;     // (Tk, KV, Dqk); query head h reads KV head h / (H / KV)
  const DeviceTensor* v = nullptr;     // (Tk, KV, Dv)
  const DeviceTensor* bias = nullptr;  // optional (H, Tq, Tk), added to the scaled scores (T5)
  const DeviceTensor* key_valid = nullptr;  // optional (Tk) int32, 0 = a padded key
  // The mask predicate (kind, window, prefix, chunk, cross), evaluated per
  // (q, kv) with mask->allows_unpadded; its host key_valid copy is ignored
  // here: padding comes from `key_valid` above, already on the backend.
  const AttentionMask* mask = nullptr;
  float scale = 1.0f;
  AttentionProbs probs;
};

struct AttentionOutputs {
  DeviceTensor out;     // (Tq, H * Dv); a query row with no visible key is 0
  DeviceTensor probs;   // (n, Tq, Tk) for probs.full_heads in order; masked keys exactly 0
  DeviceTensor pooled;  // (H, ceil(Tq / pool), ceil(Tk / pool)): max of each block
};

// Top-k expert selection (architecture-facts §5, §6).
struct TopKParams {
  int k = 1;
  int groups = 1;      // experts split into this many equal groups ...
  int top_groups = 1;  // ... of which this many are kept per token (groups > 1)
  GroupScore group_score = GroupScore::Top2Sum;
  bool normalize = true;        // chosen weights renormalised to sum 1
  double routed_scaling = 1.0;  // then multiplied by this
};

struct TopKOutputs {
  DeviceTensor expert;  // (T, K) int32 chosen experts, best first; -1 for padded tokens
  DeviceTensor weight;  // (T, K) combine weights; 0 for padded tokens
  DeviceTensor groups;  // (T, top_groups) int32 kept groups ascending (-1 padded); empty if groups == 1
};

struct CapacityParams {
  int experts = 0;   // E
  int capacity = -1; // slots per expert; -1 = dropless
  DropPolicy policy = DropPolicy::Position;
};

struct CapacityOutputs {
  DeviceTensor kept;  // (T, K) int32 1 = the pair fits
  DeviceTensor slot;  // (T, K) int32 index in its expert's buffer, -1 when not kept
};

// Kept (token, expert) pairs grouped by expert, for one grouped FFN dispatch.
// Its sizes are bounds known on the host (T K rows); the counts stay on the backend.
struct ExpertBatch {
  DeviceTensor rows;      // (T K, D): expert e's rows at [offsets[e], offsets[e+1]) in slot order
  DeviceTensor offsets;   // (E + 1) int32; rows from offsets[E] on are unused
  DeviceTensor pair_row;  // (T, K) int32 row of each kept pair, -1 otherwise
};

// Every routed expert's FFN weights stacked on a leading E (Backend::resident_stack).
struct ExpertWeights {
  const DeviceTensor* gate = nullptr;       // (E, F, D), gated kinds only
  const DeviceTensor* up = nullptr;         // (E, F, D)
  const DeviceTensor* down = nullptr;       // (E, D, F)
  const DeviceTensor* gate_bias = nullptr;  // (E, F) or null
  const DeviceTensor* up_bias = nullptr;    // (E, F) or null
  const DeviceTensor* down_bias = nullptr;  // (E, D) or null
  Activation act = Activation::Silu;        // of the gate (gated) or of up (plain)
};

// The integer and summed quantities one MoE layer's metrics are made from
// (MoeMetrics), over real (unpadded) tokens only.
struct MoeCounts {
  DeviceTensor load_before;   // (E) int32 pairs routed to each expert
  DeviceTensor load_after;    // (E) int32 pairs kept after the capacity cut
  DeviceTensor first_choice;  // (E) int32 tokens whose first choice is the expert
  DeviceTensor drops;         // (3) int32: dropped pairs, tokens with every choice dropped,
                              //            tokens with some but not all dropped
  DeviceTensor prob_sum;      // (E) f32 sum over tokens of p_te (sigmoid scores normalised per token)
  DeviceTensor token_sums;    // (2) f32: sum of router entropies, sum of logsumexp(z_t)^2
};

// One tensor to bring to the host; exactly one destination is set, matching dtype.
struct Download {
  const DeviceTensor* from = nullptr;
  Tensor* to_f32 = nullptr;
  std::vector<int32_t>* to_i32 = nullptr;
  // The caller reads `from` no more after this download. A backend whose
  // storage is host memory may then hand that memory to the destination
  // instead of copying it, when no other handle shares it; `from` is then
  // empty. The trace's maps are hundreds of megabytes at a
  // thousand tokens, and a copy of them costs as much as the layers' products.
  bool last_use = false;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // "reference" for the oracle; "cpu", "vulkan" for the others.
  virtual std::string name() const = 0;
  // Whether the op runs here for these shapes and parameters (default: all).
  virtual bool supports(const OpQuery&) const { return true; }

  // ---- Residency and transfers. The only places elements cross. ----------
  virtual DeviceTensor upload(const Tensor& host) = 0;
  virtual DeviceTensor upload_ints(const std::vector<int32_t>& values, std::vector<int> shape) = 0;
  // Weights are made resident once per model and backend (ResidentWeights)
  // and then only read. A host backend may alias `weight`'s memory without
  // copying: the caller keeps the host tensor alive and unchanged while the
  // handle lives (a Session holds the ModelWeights by shared_ptr for this).
  virtual DeviceTensor resident(const Tensor& weight) { return upload(weight); }
  // parts (P, ...) stacked on a new leading dim, e.g. E experts' (F, D) into
  // (E, F, D). Host backends may alias the parts; the default copies.
  virtual DeviceTensor resident_stack(const std::vector<const Tensor*>& parts);
  // Brings every listed tensor to the host. The trace asks once per run with
  // everything it keeps, so a device backend can do it in one submission.
  virtual void download_batch(const std::vector<Download>& batch) = 0;
  Tensor download(const DeviceTensor& t);
  std::vector<int32_t> download_ints(const DeviceTensor& t);

  // ---- Dense math ---------------------------------------------------------
  // y (T, N) = x (T, K) · Wᵀ + b, with W (N, K) as nn.Linear stores it; b (N) may be null.
  // x may have more leading dims; the last is contracted.
  virtual DeviceTensor linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) = 0;
  // Over the last dim; beta may be null.
  virtual DeviceTensor layer_norm(const DeviceTensor& x, const DeviceTensor& gamma,
                                  const DeviceTensor* beta, float eps) = 0;
  virtual DeviceTensor rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) = 0;
  virtual DeviceTensor activate(const DeviceTensor& x, Activation a) = 0;
  // act(gate) * up, elementwise (SwiGLU, gated GELU).
  virtual DeviceTensor gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) = 0;
  // x + y, same element count (the residual add).
  virtual DeviceTensor add(const DeviceTensor& x, const DeviceTensor& y) = 0;
  // x * s (T5's tied head, the sinusoidal embedding's sqrt(D)).
  virtual DeviceTensor scale(const DeviceTensor& x, float s) = 0;
  // x (R, C) with row r multiplied by s[r]; s (R) or (R, 1) (Qwen2-MoE's shared-expert gate).
  virtual DeviceTensor scale_rows(const DeviceTensor& x, const DeviceTensor& s) = 0;
  // x (T, H, Dh) rotated; position of row t is t + position_offset.
  virtual DeviceTensor rope(const DeviceTensor& x, const RopeInputs& r) = 0;
  // Softmax attention; fused when in.probs asks for nothing.
  virtual AttentionOutputs attention(const AttentionInputs& in) = 0;

  // ---- Embeddings, positions, slices --------------------------------------
  // out (T, C) = table (R, C) rows at ids (T) int32; an id outside [0, R) is an error.
  virtual DeviceTensor gather_rows(const DeviceTensor& table, const DeviceTensor& ids) = 0;
  // (T, D): PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(same).
  virtual DeviceTensor sinusoidal_positions(int tokens, int d_model) = 0;
  // T5: bias (H, Tq, Tk) = table[bucket(kv - q), h], table (num_buckets, H);
  // made once per stack, shared by every layer.
  virtual DeviceTensor relative_position_bias(const DeviceTensor& table, int tq, int tk,
                                              bool bidirectional, const RelativeBucketSpec& b) = 0;
  // Columns [from, from + count) of the last dim.
  virtual DeviceTensor slice_last(const DeviceTensor& x, int from, int count) = 0;
  // [a | b] along the last dim: a (..., M, A), b (..., M, B) or (..., 1, B),
  // the 1 broadcast over M (MLA's k = [k_nope_h | k_rope], one k_rope for all heads).
  virtual DeviceTensor concat_last(const DeviceTensor& a, const DeviceTensor& b) = 0;

  // ---- Mixture of experts, in the order a layer runs them ------------------
  // (T, E) softmax probabilities, or sigmoid scores, of the router logits.
  virtual DeviceTensor router_scores(const DeviceTensor& logits, RouterFunction f) = 0;
  // Chooses K experts per token from scores (T, E). Selection ranks
  // scores + correction_bias (E, may be null); weights come from the
  // unbiased scores. Group-limited (groups > 1): each group scored by
  // group_score, the best top_groups kept, the others' experts ranked as 0
  // (as transformers fills them). Ties go to the lower index, in every
  // comparison; NaN ranks above every number (as in torch.topk), so the order
  // is total for any input. valid (T) int32 may be null; a padded token
  // chooses nothing.
  virtual TopKOutputs top_k(const DeviceTensor& scores, const DeviceTensor* correction_bias,
                            const DeviceTensor* valid, const TopKParams& p) = 0;
  // The capacity cut. Every first choice is placed before any second
  // choice. Within a rank, tokens go by position (Position), or (Priority,
  // Batch Prioritized Routing) in one order shared by every rank: by
  // scores[t, expert[t, 0]] (scores (T, E)), highest first, NaN highest,
  // ties by position. A pair is kept while its expert has fewer than
  // p.capacity kept pairs; slots count from 0 per expert in that order.
  // expert -1 is never kept.
  virtual CapacityOutputs capacity_cut(const DeviceTensor& expert, const DeviceTensor& scores,
                                       const CapacityParams& p) = 0;
  // Gathers x (T, D)'s rows of kept pairs into their expert's block at their slot.
  virtual ExpertBatch dispatch(const DeviceTensor& x, const DeviceTensor& expert,
                               const DeviceTensor& slot, const DeviceTensor& kept, int experts) = 0;
  // Every routed expert's FFN on its rows: (T K, D) -> (T K, D); gated kinds
  // down(act(gate r) * up r), plain down(act(up r)). One call, so a device
  // can run all experts in one grouped dispatch without counts on the host.
  virtual DeviceTensor expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) = 0;
  // out (T, D): token t's sum over k of weight[t,k] * y[pair_row[t,k]], in
  // rank order, skipping pairs with no row. Deterministic: no float atomics.
  virtual DeviceTensor combine(const DeviceTensor& y, const DeviceTensor& pair_row,
                               const DeviceTensor& weight, int tokens) = 0;
  // out + weight[t,k] * x[t] for every routed pair that was not kept, in rank
  // order: transformers 4.x Switch's output for dropped tokens (DropOutput::ScaledInput).
  virtual DeviceTensor add_dropped_input(const DeviceTensor& out, const DeviceTensor& x,
                                         const DeviceTensor& weight, const DeviceTensor& expert,
                                         const DeviceTensor& kept) = 0;
  // The counts of one MoE layer over tokens with valid (T) != 0 (all when null).
  virtual MoeCounts moe_counts(const DeviceTensor& logits, const DeviceTensor& scores,
                               const DeviceTensor& expert, const DeviceTensor& kept,
                               const DeviceTensor* valid, RouterFunction f) = 0;

  // ---- Checks ---------------------------------------------------------------
  // (1) int32: how many elements of the F32 tensor x are NaN or +-inf
  // (saturating at 2^31 - 1). The
  // forward pass counts every sublayer's output and the trace reads the
  // counts with everything else at the end of the run, so a non-finite value
  // is reported where it first appeared instead of being drawn as routing.
  // The default brings x to the host (a round trip per call); a device
  // backend overrides it with a reduction that stays on the device.
  virtual DeviceTensor count_nonfinite(const DeviceTensor& x);
};

// The backends this build has, by the names `run --backend` accepts.
std::vector<std::string> backend_names();
// "reference" is the oracle: plain loops, one thread, double accumulation.
// "cpu" is the fast CPU backend (engine/backends/fast: OpenBLAS, SLEEF, one
// pool of threads for the process), the default where no GPU backend is
// chosen. Unknown names are an InputError listing the known ones.
std::unique_ptr<Backend> make_backend(const std::string& name);
// Adds a backend the engine cannot name itself (the Vulkan one lives in
// compute/, which the engine does not link): the front end registers it at
// start-up, and make_backend/backend_names know it from then on. A second
// registration of a name replaces the first.
void register_backend(const std::string& name, std::function<std::unique_ptr<Backend>()> make);
std::unique_ptr<Backend> make_reference_backend();
// The fast CPU backend on the process's pool (ARCHSCOPE_THREADS or the
// hardware); a bad ARCHSCOPE_THREADS is an InputError naming it.
std::unique_ptr<Backend> make_cpu_backend();

}  // namespace archscope
