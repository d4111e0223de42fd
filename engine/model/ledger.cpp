// Parameter, KV-cache and FLOP accounting, component by component, following
// the module layout Hugging Face builds for each family (architecture-facts §3).
#include "engine/model/ledger.h"

#include <algorithm>
#include <map>

#include "engine/errors.h"
#include "engine/model/ledger_report.h"
#include "engine/model/limits.h"
#include "engine/safe_int.h"

namespace archscope {

int bytes_per_element(DType d) {
  switch (d) {
    case DType::FP32: return 4;
    case DType::BF16: return 2;
    case DType::FP16: return 2;
    case DType::FP8: return 1;
  }
  return 0;
}

const char* to_string(DType d) {
  switch (d) {
    case DType::FP32: return "fp32";
    case DType::BF16: return "bf16";
    case DType::FP16: return "fp16";
    case DType::FP8: return "fp8";
  }
  return "?";
}

DType parse_dtype(const std::string& s) {
  if (s == "fp32") return DType::FP32;
  if (s == "bf16") return DType::BF16;
  if (s == "fp16") return DType::FP16;
  if (s == "fp8") return DType::FP8;
  throw InputError("--dtype: expected one of fp32, bf16, fp16, fp8; found '" + s + "'");
}

namespace {

// Every count is checked: limits.h keeps them far below 2^63, SafeInt makes sure.
using i64 = SafeInt;

// Weights of one projection: matmul part and bias part counted apart, because
// FLOPs use only the first.
struct Count {
  i64 matmul = 0;
  i64 other = 0;  // biases, norms, tables
  i64 all() const { return matmul + other; }
  Count& operator+=(const Count& c) {
    matmul += c.matmul;
    other += c.other;
    return *this;
  }
  Count operator*(i64 n) const { return {matmul * n, other * n}; }
  Count operator*(int n) const { return *this * i64(n); }
  Count operator+(const Count& c) const { return {matmul + c.matmul, other + c.other}; }
};

Count linear(i64 in, i64 out, bool bias) { return {in * out, bias ? out : 0}; }
Count table(i64 n) { return {0, n}; }

class Accountant {
 public:
  // One component; active = total unless given.
  void add(const std::string& name, Count total, Count active, bool in_total = true,
           const std::string& note = "") {
    auto it = index_.find(name);
    if (it == index_.end()) {
      index_[name] = lines_.size();
      lines_.push_back({name, {}, {}, in_total, note});
      it = index_.find(name);
    }
    Entry& e = lines_[it->second];
    e.total += total;
    e.active += active;
  }
  void add(const std::string& name, Count total) { add(name, total, total); }

  Ledger finish() const {
    Ledger l;
    i64 total = 0, active = 0;
    for (const Entry& e : lines_) {
      l.lines.push_back({e.name, e.total.all().get(), e.active.all().get(), e.in_total, e.note});
      if (!e.in_total) continue;
      total += e.total.all();
      active += e.active.all();
    }
    l.params_total = total.get();
    l.params_active = active.get();
    return l;
  }

  // A matmul whose weights are counted elsewhere (a head tied to the embeddings).
  void add_tied_matmul(i64 n) { tied_matmul_ += n; }

  i64 matmul_active() const {
    i64 n = tied_matmul_;
    for (const Entry& e : lines_) n += e.active.matmul;
    return n;
  }

 private:
  struct Entry {
    std::string name;
    Count total, active;
    bool in_total;
    std::string note;
  };
  std::vector<Entry> lines_;
  std::map<std::string, size_t> index_;
  i64 tied_matmul_ = 0;
};

i64 norm_params(const ModelSpec& s) {
  return i64(s.norm == NormKind::LayerNorm ? 2 : 1) * s.d_model;
}

Count attention_count(const ModelSpec& s) {
  const i64 d = s.d_model, h = s.heads;
  const bool qkv_b = s.attention_bias || s.qkv_bias;
  Count c;
  if (s.attention == AttentionKind::MLA) {
    const MlaSpec& m = s.mla;
    const i64 qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
    if (m.q_lora_rank > 0) {
      c += linear(d, m.q_lora_rank, s.attention_bias);
      c += table(m.q_lora_rank);  // q_a_layernorm
      c += linear(m.q_lora_rank, h * qk, false);
    } else {
      c += linear(d, h * qk, false);
    }
    c += linear(d, m.kv_lora_rank + m.qk_rope_head_dim, s.attention_bias);
    c += table(m.kv_lora_rank);  // kv_a_layernorm
    c += linear(m.kv_lora_rank, h * (m.qk_nope_head_dim + m.v_head_dim), false);
    c += linear(h * m.v_head_dim, d, s.attention_bias);
    return c;
  }
  const i64 dh = s.head_dim, kv = s.kv_heads;
  c += linear(d, h * dh, qkv_b);
  c += linear(d, kv * dh, qkv_b);
  c += linear(d, kv * dh, qkv_b);
  c += linear(h * dh, d, s.attention_bias);
  return c;
}

bool gated(FfnKind f) { return f == FfnKind::SwiGLU || f == FfnKind::GatedGelu; }

// Routed experts never have biases in the supported families (mlp_bias is
// LlamaMLP's and DeepSeek-V2's dense and shared MLPs').
Count ffn_count(const ModelSpec& s, i64 width, bool bias) {
  const i64 d = s.d_model;
  Count c = linear(d, width, bias);
  if (gated(s.ffn)) c += linear(d, width, bias);
  c += linear(width, d, bias);
  return c;
}

// Norms held by one layer of a stack.
i64 layer_norms(const ModelSpec& s, bool cross_attention) {
  if (s.parallel_block) return norm_params(s);
  return norm_params(s) * (cross_attention ? 3 : 2);
}

void count_stack(const ModelSpec& s, Accountant& a, const std::string& stack, int layers,
                 bool cross_attention) {
  for (int i = 0; i < layers; ++i) {
    a.add(stack + ".attention", attention_count(s));
    if (cross_attention) a.add(stack + ".cross_attention", attention_count(s));
    a.add(stack + ".norms", table(layer_norms(s, cross_attention)));
    if (s.position == PositionKind::T5Relative && i == 0)
      a.add(stack + ".relative_bias", table(i64(s.buckets.num_buckets) * s.heads));
    if (!s.is_moe_layer(i)) {
      a.add(stack + ".ffn", ffn_count(s, s.d_ff, s.mlp_bias));
      continue;
    }
    const MoeSpec& m = s.moe;
    const Count expert = ffn_count(s, m.expert_intermediate, false);
    a.add(stack + ".moe.experts", expert * m.experts, expert * m.top_k);
    Count router = linear(s.d_model, m.experts, m.router_bias);
    if (m.correction_bias) router += table(m.experts);
    a.add(stack + ".moe.router", router);
    if (m.shared_experts > 0) {
      Count shared = ffn_count(s, m.shared_intermediate, s.mlp_bias);
      if (m.shared_gate) shared += linear(s.d_model, 1, false);
      a.add(stack + ".moe.shared_experts", shared);
    }
  }
  if (s.norm_placement == NormPlacement::Pre) a.add(stack + ".final_norm", table(norm_params(s)));
}

i64 lora_for_stack(const ModelSpec& s, int layers, bool cross_attention) {
  const i64 r = s.lora.rank, d = s.d_model;
  const unsigned t = s.lora.targets;
  auto adapter = [&](i64 in, i64 out) { return r * (in + out); };
  i64 attn = 0;
  if (s.attention == AttentionKind::MLA) {
    const MlaSpec& m = s.mla;
    const i64 qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
    if (t & kLoraQ)
      attn += m.q_lora_rank > 0 ? adapter(d, m.q_lora_rank) + adapter(m.q_lora_rank, s.heads * qk)
                                : adapter(d, s.heads * qk);
    if (t & (kLoraK | kLoraV))
      attn += adapter(d, m.kv_lora_rank + m.qk_rope_head_dim) +
              adapter(m.kv_lora_rank, s.heads * (m.qk_nope_head_dim + m.v_head_dim));
    if (t & kLoraO) attn += adapter(s.heads * m.v_head_dim, d);
  } else {
    const i64 q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
    if (t & kLoraQ) attn += adapter(d, q);
    if (t & kLoraK) attn += adapter(d, kv);
    if (t & kLoraV) attn += adapter(d, kv);
    if (t & kLoraO) attn += adapter(q, d);
  }
  auto ffn = [&](i64 width) {
    i64 n = 0;
    if ((t & kLoraGate) && gated(s.ffn)) n += adapter(d, width);
    if (t & kLoraUp) n += adapter(d, width);
    if (t & kLoraDown) n += adapter(width, d);
    return n;
  };
  i64 total = 0;
  for (int i = 0; i < layers; ++i) {
    total += attn * (cross_attention ? 2 : 1);
    if (!s.is_moe_layer(i)) {
      total += ffn(s.d_ff);
    } else {
      total += ffn(s.moe.expert_intermediate) * s.moe.experts;
      if (s.moe.shared_experts > 0) total += ffn(s.moe.shared_intermediate);
    }
  }
  return total;
}

void count_embeddings_and_heads(const ModelSpec& s, Accountant& a) {
  const i64 d = s.d_model, v = s.vocab_size;
  // The lookup is not a matmul; the LM head below is.
  a.add("embeddings.token", table(v * d));
  if (s.position == PositionKind::Learned)
    a.add("embeddings.position", table(i64(s.max_positions) * d));
  if (s.type_vocab_size > 0) a.add("embeddings.token_type", table(i64(s.type_vocab_size) * d));
  if (s.layout == WeightLayout::Bert) a.add("embeddings.norm", table(norm_params(s)));
  if (s.pooler) {
    // Runs on [CLS] only, so it is not part of any token's matmuls.
    Count pooler = linear(d, d, true);
    a.add("pooler", Count{0, pooler.all()});
  }
  if (s.mlm_head) {
    // Transform, its LayerNorm, the vocabulary bias, and the decoder when untied.
    Count extra = linear(d, d, true) + table(i64(2) * d) + table(v);
    if (!s.tied_embeddings) extra += linear(d, v, false);
    a.add("mlm_head", extra, extra, false,
          "BertForMaskedLM adds these; the published BERT total is BertModel's");
    if (s.tied_embeddings) a.add_tied_matmul(v * d);
    return;
  }
  if (s.tied_embeddings) {
    a.add("lm_head", Count{}, Count{}, true, "tied to embeddings.token");
    a.add_tied_matmul(v * d);
  } else {
    a.add("lm_head", linear(d, v, false));
  }
}

}  // namespace

int64_t default_context(const ModelSpec& s) {
  const int64_t fallback = 4096;
  return s.max_positions > 0 ? std::min<int64_t>(fallback, s.max_positions) : fallback;
}

Ledger compute_ledger(const ModelSpec& s, DType dtype, int64_t context) {
  // Sizes are checked against limits.h before anything loops over layers.
  validate_or_throw(s, s.name.empty() ? "model" : s.name);
  std::string context_note = "given";
  if (context <= 0) {
    context = default_context(s);
    const std::string limit = s.position == PositionKind::Learned
                                  ? "the model's " + std::to_string(context) + "-position table"
                                  : "the model's context limit of " + std::to_string(context);
    context_note = context < 4096 ? "default: " + limit : "default (4096, within the model's positions)";
  } else if (context > limits::kPositions) {
    throw InputError("context must be a positive integer up to " + with_commas(limits::kPositions) +
                     ", found " + std::to_string(context));
  } else if (s.position == PositionKind::Learned && context > s.max_positions) {
    throw InputError("context " + std::to_string(context) + " (--context): " + s.name + " has a learned table of " +
                     std::to_string(s.max_positions) + " positions and cannot attend further");
  }
  Accountant a;
  count_embeddings_and_heads(s, a);
  int kv_layers = 0;
  int attention_layers = 0;  // layers whose attention FLOPs scale with the context
  if (s.family == Family::EncoderDecoder) {
    count_stack(s, a, "encoder", s.layers, false);
    count_stack(s, a, "decoder", s.decoder_layers, true);
    kv_layers = s.decoder_layers;
    attention_layers = s.layers + 2 * s.decoder_layers;
  } else {
    const char* stack = s.family == Family::EncoderOnly ? "encoder" : "decoder";
    count_stack(s, a, stack, s.layers, false);
    kv_layers = s.family == Family::EncoderOnly ? 0 : s.layers;
    attention_layers = s.layers;
  }

  Ledger l = a.finish();
  l.dtype = dtype;
  l.context = context;
  l.context_note = context_note;
  l.per_token = s.family == Family::EncoderDecoder
                    ? "one source token through the encoder plus one target token through the "
                      "decoder and the LM head (a source and a target of `context` tokens each)"
                    : "one token";
  l.flops_convention =
      "forward FLOPs, 2 per multiply-add: 2 x the matmul weights a token meets (LM head included, "
      "embedding lookups not) + 2 x attention layers x heads x (d_qk + d_v) x context for QK^T and AV; "
      "the PaLM convention (Chowdhery et al. 2022, appendix B) without its training factor of 3";
  const i64 matmul_active = a.matmul_active();
  l.matmul_params_active = matmul_active.get();
  i64 lora = 0;
  if (s.lora.rank > 0) {
    lora = lora_for_stack(s, s.layers, false);
    if (s.family == Family::EncoderDecoder) lora += lora_for_stack(s, s.decoder_layers, true);
  }
  l.lora_trainable = lora.get();

  const int b = bytes_per_element(dtype);
  l.kv_cache_layers = kv_layers;
  i64 kv_elements;
  if (s.attention == AttentionKind::MLA) {
    kv_elements = i64(s.mla.kv_lora_rank) + s.mla.qk_rope_head_dim;
    l.kv_cache_formula = "L * (kv_lora_rank + qk_rope_head_dim) * bytes";
  } else {
    kv_elements = i64(2) * s.kv_heads * s.head_dim;
    l.kv_cache_formula = "2 * L * kv_heads * head_dim * bytes";
  }
  if (kv_layers == 0) l.kv_cache_formula = "encoder-only: no KV cache is kept";
  l.kv_cache_elements_per_token_per_layer = kv_elements.get();
  i64 kv_bytes = i64(kv_layers) * kv_elements * b;
  if (s.family == Family::EncoderDecoder) {
    // The decoder caches its own K/V per target token, and every decoder layer's
    // cross-attention keeps the K/V it projects from each source token.
    l.kv_cache_self_bytes = kv_bytes.get();
    l.kv_cache_cross_bytes = kv_bytes.get();
    kv_bytes = kv_bytes + kv_bytes;
    l.kv_cache_formula = "2 * L_dec * kv_heads * head_dim * bytes per target token (self-attention) + "
                         "the same per source token (cross-attention K/V of the encoder output)";
  }
  l.kv_cache_bytes_per_token = kv_bytes.get();
  l.weights_bytes = (i64(l.params_total) * b).get();

  i64 attention_context = context;
  if (s.mask.kind == MaskKind::SlidingWindow)
    attention_context =
        std::min<i64>(context, i64(s.mask.window) + (s.mask.window_counts_self ? 0 : 1));
  if (s.mask.kind == MaskKind::Chunked) attention_context = std::min<i64>(context, s.mask.chunk_size);
  l.attention_context = attention_context.get();
  const i64 flops_matmul = i64(2) * matmul_active;
  const i64 flops_attention = i64(2) * attention_layers * s.heads *
                              (i64(s.q_head_dim()) + s.v_head_dim()) * attention_context;
  l.flops_matmul = flops_matmul.get();
  l.flops_attention = flops_attention.get();
  l.flops_per_token = (flops_matmul + flops_attention).get();
  return l;
}

}  // namespace archscope
