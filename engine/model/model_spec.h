// ModelSpec: a plain description of every architecture Archscope runs.
// Presets are a table of these; Hugging Face configs import into one; the
// ledger and the forward pass read nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace archscope {

enum class Family {
  EncoderOnly,     // BERT: bidirectional stack, MLM head
  DecoderOnly,     // GPT-2, LLaMA, Mistral, Mixtral, DeepSeek, Qwen2-MoE
  EncoderDecoder,  // T5, Switch: encoder, then decoder with cross-attention
  PrefixLM,        // a decoder whose first p tokens see each other (UniLM, GLM)
};

// Which Hugging Face module layout the weights follow (names, fused QKV, ...).
enum class WeightLayout { Bert, Gpt2, Llama, Mixtral, Qwen2Moe, DeepSeek, T5, Switch };

enum class AttentionKind { MHA, GQA, MQA, MLA };

enum class MaskKind {
  Causal,         // kv <= q
  Bidirectional,  // always
  Prefix,         // kv < prefix_length || kv <= q
  SlidingWindow,  // causal and within the window
  Chunked,        // causal and in the same chunk of chunk_size
};

struct MaskSpec {
  MaskKind kind = MaskKind::Causal;
  int prefix_length = 0;  // Prefix: tokens [0, p) are bidirectional
  int window = 0;         // SlidingWindow: keys visible
  // true (Hugging Face, Mistral): window W means q-W < kv <= q, W keys counting itself.
  // false (attention-gym): q-kv <= W, W+1 keys.
  bool window_counts_self = true;
  int chunk_size = 0;  // Chunked

  bool operator==(const MaskSpec&) const = default;
};

enum class PositionKind { Learned, Sinusoidal, Rope, T5Relative };

struct RopeSpec {
  double theta = 10000.0;
  std::string scaling_type = "default";  // "default", "linear", "yarn", "llama3", ...
  double scaling_factor = 1.0;
  double yarn_mscale_all_dim = 0.0;  // DeepSeek: attention scale multiplier input
  bool interleaved = false;          // DeepSeek's rope_interleave: pairs (2i, 2i+1)

  bool operator==(const RopeSpec&) const = default;
};

struct RelativeBucketSpec {
  int num_buckets = 32;
  int max_distance = 128;

  bool operator==(const RelativeBucketSpec&) const = default;
};

enum class NormKind { LayerNorm, RMSNorm };
enum class NormPlacement { Pre, Post };

enum class FfnKind {
  GeluExact,  // W2·gelu_erf(W1 x)
  GeluTanh,   // GPT-2's gelu_new
  Relu,
  SwiGLU,     // down(silu(gate x) * up x)
  GatedGelu,  // T5 v1.1: wo(gelu_tanh(wi_0 x) * wi_1 x)
};

enum class RouterFunction { Softmax, Sigmoid };
// How a group of experts is scored when routing is group-limited.
enum class GroupScore { Top2Sum /* DeepSeek-V3 */, Max /* DeepSeek-V2 */ };
enum class CapacityMode { Dropless, Fixed, Factor };
// Slots per expert from a capacity factor cf, T real tokens, E experts, top-k
// (engine/run/routing.cpp capacity_for; each then held to [1, T]).
enum class CapacityFormula {
  // C = ceil(cf T k / E): room for the k choices of every token. GShard's 2N/E
  // for top-2 at cf 1, Megatron-Core's get_capacity, DeepSpeed's top-2 gate.
  KAware,
  // C = ceil(cf T / E): Switch Transformer's tokens per expert, k ignored.
  PerToken,
  // C = max(round(cf T / E), 4), round half to even: flaxformer's MoeLayer
  // (min_expert_capacity 4), k ignored.
  Flaxformer,
};
// Who is kept when an expert is full. Both place every first choice before
// any second choice. Position: earlier tokens first. Priority: Batch
// Prioritized Routing (V-MoE, Riquelme et al. 2021): tokens by their top-1
// router probability, highest first, one order for every rank.
enum class DropPolicy { Position, Priority };
// What a dropped (token, expert) pair outputs. Zero (the papers): nothing, so
// the residual carries the token. ScaledInput: weight * x, as transformers'
// Switch did while it cloned the hidden states before dispatch (4.x).
enum class DropOutput { Zero, ScaledInput };

struct MoeSpec {
  int experts = 0;  // 0 = dense model
  int top_k = 1;
  int expert_intermediate = 0;  // d_ff of each routed expert
  int shared_experts = 0;       // DeepSeek: n_shared; Qwen2-MoE: 1
  int shared_intermediate = 0;  // total width of the shared expert
  bool shared_gate = false;     // Qwen2-MoE: shared output scaled by sigmoid(w·x)
  RouterFunction router = RouterFunction::Softmax;
  bool normalize_top_k = true;   // renormalise the chosen weights to sum 1
  bool correction_bias = false;  // DeepSeek-V3: bias added for selection only
  bool router_bias = false;      // a bias term in the router linear
  int groups = 1;                // experts split into groups ...
  int top_groups = 1;            // ... of which this many are kept per token
  GroupScore group_score = GroupScore::Top2Sum;
  double routed_scaling = 1.0;  // multiplies the routed weights (DeepSeek 2.5)
  // Which layers are MoE: layer i is MoE iff i >= first_dense, i is not listed
  // in dense_layers, and i % layer_step == step_remainder.
  //   Qwen2-MoE: (i+1) % step == 0  -> remainder step-1
  //   DeepSeek:  i % moe_layer_freq == 0 after first_k_dense_replace
  //   Switch:    step 1 -> every layer; otherwise i % step == 1
  int first_dense = 0;
  int layer_step = 1;
  int step_remainder = 0;
  std::vector<int> dense_layers;
  CapacityMode capacity_mode = CapacityMode::Dropless;
  int capacity = 0;               // Fixed: slots per expert
  double capacity_factor = 1.25;  // Factor
  CapacityFormula capacity_formula = CapacityFormula::KAware;
  DropPolicy drop_policy = DropPolicy::Position;
  DropOutput drop_output = DropOutput::Zero;
  double aux_loss_coef = 0.01;
  double z_loss_coef = 0.0;
  // Set when the spec reproduces a library's behaviour rather than the paper's,
  // saying what differs and why (shown by `info` and the app).
  std::string library_compat;
  // The named compatibility mode in force ("scaled-input", "zero"), or empty
  // (engine/model/compat.h lists them with their library versions).
  std::string compat_mode;

  bool operator==(const MoeSpec&) const = default;
};

struct MlaSpec {
  int q_lora_rank = 0;  // 0: q is projected directly from x
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;

  bool operator==(const MlaSpec&) const = default;
};

// Bit flags for the projections a LoRA adapter wraps.
enum LoraTarget : unsigned {
  kLoraQ = 1u << 0,
  kLoraK = 1u << 1,
  kLoraV = 1u << 2,
  kLoraO = 1u << 3,
  kLoraGate = 1u << 4,
  kLoraUp = 1u << 5,
  kLoraDown = 1u << 6,
};

struct LoraSpec {
  int rank = 0;  // 0 = no adapters
  unsigned targets = kLoraQ | kLoraV;

  bool operator==(const LoraSpec&) const = default;
};

struct ModelSpec {
  std::string name;         // "llama3-8b"
  std::string description;  // one line for tables
  Family family = Family::DecoderOnly;
  WeightLayout layout = WeightLayout::Llama;

  int vocab_size = 0;
  int d_model = 0;          // D
  int layers = 0;           // L (the encoder's, for encoder-decoder)
  int decoder_layers = 0;   // encoder-decoder only
  int heads = 0;            // H
  int kv_heads = 0;         // KV
  int head_dim = 0;         // Dh
  int d_ff = 0;             // dense FFN width
  int max_positions = 0;    // learned position table size / context limit
  int type_vocab_size = 0;  // BERT token types

  AttentionKind attention = AttentionKind::MHA;
  MlaSpec mla;
  MaskSpec mask;
  PositionKind position = PositionKind::Rope;
  RopeSpec rope;
  RelativeBucketSpec buckets;
  bool scale_attention = true;  // T5: scores are not divided by sqrt(Dh)

  NormKind norm = NormKind::RMSNorm;
  NormPlacement norm_placement = NormPlacement::Pre;
  // Falcon/GPT-J/PaLM: x + attn(norm(x)) + ffn(norm(x)) with one norm per layer.
  bool parallel_block = false;
  double norm_eps = 1e-6;

  FfnKind ffn = FfnKind::SwiGLU;
  bool attention_bias = false;  // q, k, v, o biases
  bool qkv_bias = false;        // q, k, v biases only (Qwen)
  bool mlp_bias = false;

  MoeSpec moe;
  LoraSpec lora;

  bool tied_embeddings = false;
  bool pooler = false;  // BERT: tanh pooler on [CLS], counted in the published total
  bool mlm_head = false;  // BERT: transform + LN + tied decoder + bias
  // T5: the decoder output is scaled by D^-0.5 before the LM head (transformers'
  // scale_decoder_outputs; older configs imply it by tie_word_embeddings).
  bool scale_decoder_outputs = false;

  bool is_moe() const { return moe.experts > 0; }
  // Is layer i of a stack an MoE layer? Same rule for encoder and decoder stacks.
  bool is_moe_layer(int i) const;
  int q_head_dim() const;  // width of one query head's dot product
  int v_head_dim() const;

  bool operator==(const ModelSpec&) const = default;
};

// Every problem with the spec, one message each, naming field, value and rule.
std::vector<std::string> validate(const ModelSpec& spec);
// Throws SpecError listing every problem, if there is any.
void validate_or_throw(const ModelSpec& spec, const std::string& where);

const char* to_string(Family);
const char* to_string(AttentionKind);
const char* to_string(MaskKind);
const char* to_string(PositionKind);
const char* to_string(NormKind);
const char* to_string(FfnKind);
const char* to_string(RouterFunction);
const char* to_string(CapacityMode);
const char* to_string(CapacityFormula);
// Where a formula comes from, in words, for `info`, the README and the window.
const char* capacity_formula_source(CapacityFormula);
// "k-aware", "per-token", "flaxformer" (and "megatron", an older name of
// k-aware); nullopt for anything else.
std::optional<CapacityFormula> capacity_formula_from(const std::string& name);
const char* to_string(DropPolicy);

// The attention kind implied by heads and KV heads (MLA is explicit).
AttentionKind attention_kind_for(int heads, int kv_heads);

}  // namespace archscope
