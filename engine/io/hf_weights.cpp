// Weight-name maps per Hugging Face family. Shapes are checked against the
// spec as each tensor is read, so a wrong checkpoint fails with the tensor's name.
#include "engine/io/hf_weights.h"

#include <filesystem>

#include "engine/errors.h"
#include "engine/model/hf_config.h"
#include "engine/io/random_weights.h"

namespace archscope {

namespace {

std::string shape_str(const std::vector<int>& s) { return Tensor(s).shape_string(); }

// Reads tensors by name with the shape the spec implies.
class Source {
 public:
  Source(const SafetensorsFile& f, std::string prefix) : f_(f), prefix_(std::move(prefix)) {}

  bool has(const std::string& name) const { return f_.contains(prefix_ + name); }

  Tensor get(const std::string& name, std::vector<int> shape) const {
    const std::string full = prefix_ + name;
    if (!f_.contains(full)) throw InputError(f_.path() + ": missing tensor '" + full + "'");
    const TensorEntry& e = f_.entry(full);
    if (e.shape != shape)
      throw InputError(f_.path() + ": tensor '" + full + "': expected shape " + shape_str(shape) +
                       ", found " + shape_str(e.shape));
    return f_.load(full);
  }

  Linear linear(const std::string& name, int out, int in, bool bias) const {
    Linear l{get(name + ".weight", {out, in}), {}};
    if (bias) l.b = get(name + ".bias", {out});
    return l;
  }

  // GPT-2's Conv1D stores (in, out); transpose to nn.Linear's (out, in).
  Linear conv1d(const std::string& name, int in, int out) const {
    Tensor w = get(name + ".weight", {in, out});
    Tensor t({out, in});
    for (int i = 0; i < in; ++i)
      for (int o = 0; o < out; ++o) t.data[static_cast<int64_t>(o) * in + i] = w.data[static_cast<int64_t>(i) * out + o];
    return {t, get(name + ".bias", {out})};
  }

  Norm norm(const std::string& name, int d, bool bias) const {
    Norm n{get(name + ".weight", {d}), {}};
    if (bias) n.beta = get(name + ".bias", {d});
    return n;
  }

 private:
  const SafetensorsFile& f_;
  std::string prefix_;
};

// The prefix under which a model's tensors live ("bert.", "transformer.", "").
std::string find_prefix(const SafetensorsFile& f, const std::string& probe,
                        std::initializer_list<const char*> prefixes) {
  for (const char* p : prefixes)
    if (f.contains(p + probe)) return p;
  throw InputError(f.path() + ": missing tensor '" + *prefixes.begin() + probe +
                   "' (is this checkpoint of the model type its config.json names?)");
}

// Split a fused (3D, D) QKV projection into three (D, D) linears.
void split_qkv(const Linear& fused, int d, AttentionWeights& a) {
  Linear* parts[3] = {&a.q, &a.k, &a.v};
  for (int p = 0; p < 3; ++p) {
    parts[p]->w = Tensor({d, d});
    parts[p]->b = Tensor({d});
    for (int r = 0; r < d; ++r) {
      std::copy(fused.w.row(p * d + r), fused.w.row(p * d + r) + d, parts[p]->w.row(r));
      parts[p]->b.data[r] = fused.b.data[p * d + r];
    }
  }
}

FfnWeights swiglu(const Source& s, const std::string& p, int d, int f, const char* gate,
                  const char* up, const char* down, bool bias = false) {
  FfnWeights w;
  w.gate = s.linear(p + gate, f, d, bias);
  w.up = s.linear(p + up, f, d, bias);
  w.down = s.linear(p + down, d, f, bias);
  return w;
}

AttentionWeights standard_attention(const Source& s, const ModelSpec& m, const std::string& p,
                                    const char* q, const char* k, const char* v, const char* o) {
  const int d = m.d_model, qd = m.heads * m.head_dim, kvd = m.kv_heads * m.head_dim;
  const bool qkv_bias = m.attention_bias || m.qkv_bias;
  AttentionWeights a;
  a.q = s.linear(p + q, qd, d, qkv_bias);
  a.k = s.linear(p + k, kvd, d, qkv_bias);
  a.v = s.linear(p + v, kvd, d, qkv_bias);
  a.o = s.linear(p + o, d, qd, m.attention_bias);
  return a;
}

AttentionWeights mla_attention(const Source& s, const ModelSpec& m, const std::string& p) {
  const MlaSpec& a = m.mla;
  const int d = m.d_model, h = m.heads, qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
  AttentionWeights w;
  if (a.q_lora_rank > 0) {
    w.q_a = s.linear(p + "q_a_proj", a.q_lora_rank, d, m.attention_bias);
    w.q_a_norm = s.norm(p + "q_a_layernorm", a.q_lora_rank, false);
    w.q_b = s.linear(p + "q_b_proj", h * qk, a.q_lora_rank, false);
  } else {
    w.q = s.linear(p + "q_proj", h * qk, d, false);
  }
  w.kv_a = s.linear(p + "kv_a_proj_with_mqa", a.kv_lora_rank + a.qk_rope_head_dim, d, m.attention_bias);
  w.kv_a_norm = s.norm(p + "kv_a_layernorm", a.kv_lora_rank, false);
  w.kv_b = s.linear(p + "kv_b_proj", h * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank, false);
  w.o = s.linear(p + "o_proj", d, h * a.v_head_dim, m.attention_bias);
  return w;
}

ModelWeights load_bert(const ModelSpec& m, const SafetensorsFile& f) {
  Source s(f, find_prefix(f, "embeddings.word_embeddings.weight", {"bert.", ""}));
  Source root(f, "");
  const int d = m.d_model;
  ModelWeights w;
  w.token_embedding = s.get("embeddings.word_embeddings.weight", {m.vocab_size, d});
  w.position_embedding = s.get("embeddings.position_embeddings.weight", {m.max_positions, d});
  w.token_type_embedding = s.get("embeddings.token_type_embeddings.weight", {m.type_vocab_size, d});
  w.embedding_norm = s.norm("embeddings.LayerNorm", d, true);
  for (int i = 0; i < m.layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    LayerWeights l;
    l.self_attn = standard_attention(s, m, p + "attention.", "self.query", "self.key",
                                     "self.value", "output.dense");
    l.attn_norm = s.norm(p + "attention.output.LayerNorm", d, true);
    l.ffn.up = s.linear(p + "intermediate.dense", m.d_ff, d, true);
    l.ffn.down = s.linear(p + "output.dense", d, m.d_ff, true);
    l.ffn_norm = s.norm(p + "output.LayerNorm", d, true);
    w.encoder.layers.push_back(std::move(l));
  }
  w.mlm_dense = root.linear("cls.predictions.transform.dense", d, d, true);
  w.mlm_norm = root.norm("cls.predictions.transform.LayerNorm", d, true);
  w.mlm_bias = root.get("cls.predictions.bias", {m.vocab_size});
  return w;
}

ModelWeights load_gpt2(const ModelSpec& m, const SafetensorsFile& f) {
  Source s(f, find_prefix(f, "wte.weight", {"transformer.", ""}));
  const int d = m.d_model;
  ModelWeights w;
  w.token_embedding = s.get("wte.weight", {m.vocab_size, d});
  w.position_embedding = s.get("wpe.weight", {m.max_positions, d});
  for (int i = 0; i < m.layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = s.norm(p + "ln_1", d, true);
    split_qkv(s.conv1d(p + "attn.c_attn", d, 3 * d), d, l.self_attn);
    l.self_attn.o = s.conv1d(p + "attn.c_proj", d, d);
    l.ffn_norm = s.norm(p + "ln_2", d, true);
    l.ffn.up = s.conv1d(p + "mlp.c_fc", d, m.d_ff);
    l.ffn.down = s.conv1d(p + "mlp.c_proj", m.d_ff, d);
    w.decoder.layers.push_back(std::move(l));
  }
  w.decoder.final_norm = s.norm("ln_f", d, true);
  return w;
}

// LLaMA, Mistral, Mixtral, Qwen2-MoE and DeepSeek share the decoder naming.
ModelWeights load_llama_family(const ModelSpec& m, const SafetensorsFile& f) {
  Source s(f, "model.");
  Source root(f, "");
  const int d = m.d_model;
  ModelWeights w;
  w.token_embedding = s.get("embed_tokens.weight", {m.vocab_size, d});
  for (int i = 0; i < m.layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = s.norm(p + "input_layernorm", d, false);
    l.self_attn = m.attention == AttentionKind::MLA
                      ? mla_attention(s, m, p + "self_attn.")
                      : standard_attention(s, m, p + "self_attn.", "q_proj", "k_proj", "v_proj",
                                           "o_proj");
    l.ffn_norm = s.norm(p + "post_attention_layernorm", d, false);
    if (!m.is_moe_layer(i)) {
      l.ffn = swiglu(s, p + "mlp.", d, m.d_ff, "gate_proj", "up_proj", "down_proj", m.mlp_bias);
      w.decoder.layers.push_back(std::move(l));
      continue;
    }
    const MoeSpec& e = m.moe;
    MoeWeights moe;
    const bool mixtral = m.layout == WeightLayout::Mixtral;
    const std::string mp = p + (mixtral ? "block_sparse_moe." : "mlp.");
    moe.router = s.linear(mp + "gate", e.experts, d, false);
    if (e.correction_bias) moe.correction_bias = s.get(mp + "gate.e_score_correction_bias", {e.experts});
    for (int x = 0; x < e.experts; ++x) {
      const std::string ep = mp + "experts." + std::to_string(x) + ".";
      moe.experts.push_back(mixtral ? swiglu(s, ep, d, e.expert_intermediate, "w1", "w3", "w2")
                                    : swiglu(s, ep, d, e.expert_intermediate, "gate_proj",
                                             "up_proj", "down_proj"));
    }
    if (e.shared_experts > 0) {
      const bool qwen = m.layout == WeightLayout::Qwen2Moe;
      moe.shared = swiglu(s, mp + (qwen ? "shared_expert." : "shared_experts."), d,
                          e.shared_intermediate, "gate_proj", "up_proj", "down_proj");
      if (e.shared_gate) moe.shared_gate = s.linear(mp + "shared_expert_gate", 1, d, false);
    }
    l.moe = std::move(moe);
    w.decoder.layers.push_back(std::move(l));
  }
  w.decoder.final_norm = s.norm("norm", d, false);
  if (!m.tied_embeddings) w.lm_head = root.linear("lm_head", m.vocab_size, d, false);
  return w;
}

// T5 and Switch: encoder.block.{i}.layer.{j}, decoder.block.{i}.layer.{j}.
StackWeights load_t5_stack(const ModelSpec& m, const Source& s, bool decoder) {
  const int d = m.d_model;
  const int layers = decoder ? m.decoder_layers : m.layers;
  StackWeights stack;
  const std::string stack_name = decoder ? "decoder." : "encoder.";
  for (int i = 0; i < layers; ++i) {
    const std::string p = stack_name + "block." + std::to_string(i) + ".layer.";
    LayerWeights l;
    l.attn_norm = s.norm(p + "0.layer_norm", d, false);
    l.self_attn = standard_attention(s, m, p + "0.SelfAttention.", "q", "k", "v", "o");
    if (i == 0)
      l.self_attn.relative_bias =
          s.get(p + "0.SelfAttention.relative_attention_bias.weight", {m.buckets.num_buckets, m.heads});
    int ffn_index = 1;
    if (decoder) {
      l.cross_norm = s.norm(p + "1.layer_norm", d, false);
      l.cross_attn = standard_attention(s, m, p + "1.EncDecAttention.", "q", "k", "v", "o");
      ffn_index = 2;
    }
    const std::string fp = p + std::to_string(ffn_index) + ".";
    l.ffn_norm = s.norm(fp + "layer_norm", d, false);
    if (m.layout == WeightLayout::Switch && m.is_moe_layer(i)) {
      MoeWeights moe;
      moe.router = s.linear(fp + "mlp.router.classifier", m.moe.experts, d, m.moe.router_bias);
      for (int x = 0; x < m.moe.experts; ++x) {
        const std::string ep = fp + "mlp.experts.expert_" + std::to_string(x) + ".";
        FfnWeights e;
        e.up = s.linear(ep + "wi", m.moe.expert_intermediate, d, false);
        e.down = s.linear(ep + "wo", d, m.moe.expert_intermediate, false);
        moe.experts.push_back(std::move(e));
      }
      l.moe = std::move(moe);
    } else {
      const std::string dp = fp + (m.layout == WeightLayout::Switch ? "mlp." : "DenseReluDense.");
      if (m.ffn == FfnKind::GatedGelu) {
        l.ffn.gate = s.linear(dp + "wi_0", m.d_ff, d, false);
        l.ffn.up = s.linear(dp + "wi_1", m.d_ff, d, false);
      } else {
        l.ffn.up = s.linear(dp + "wi", m.d_ff, d, false);
      }
      l.ffn.down = s.linear(dp + "wo", d, m.d_ff, false);
    }
    stack.layers.push_back(std::move(l));
  }
  stack.final_norm = s.norm(stack_name + "final_layer_norm", d, false);
  return stack;
}

ModelWeights load_t5_family(const ModelSpec& m, const SafetensorsFile& f) {
  Source s(f, "");
  ModelWeights w;
  const char* embed = f.contains("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
  w.token_embedding = s.get(embed, {m.vocab_size, m.d_model});
  w.encoder = load_t5_stack(m, s, false);
  w.decoder = load_t5_stack(m, s, true);
  if (!m.tied_embeddings) w.lm_head = s.linear("lm_head", m.vocab_size, m.d_model, false);
  return w;
}

}  // namespace

ModelWeights load_hf_weights(const ModelSpec& spec, const SafetensorsFile& file) {
  switch (spec.layout) {
    case WeightLayout::Bert: return load_bert(spec, file);
    case WeightLayout::Gpt2: return load_gpt2(spec, file);
    case WeightLayout::Llama:
    case WeightLayout::Mixtral:
    case WeightLayout::Qwen2Moe:
    case WeightLayout::DeepSeek: return load_llama_family(spec, file);
    case WeightLayout::T5:
    case WeightLayout::Switch: return load_t5_family(spec, file);
  }
  throw InputError(file.path() + ": no weight layout for this model");
}

LoadedModel load_hf_model(const std::string& folder) {
  namespace fs = std::filesystem;
  LoadedModel m;
  m.spec = import_hf_config(folder);
  fs::path weights = fs::path(folder) / "model.safetensors";
  std::error_code ec;
  if (!fs::exists(weights, ec))
    throw InputError(weights.string() + ": no such file (sharded checkpoints are not supported yet)");
  check_fits_in_memory(m.spec, available_memory_bytes());
  SafetensorsFile file(weights.string());
  m.weights = load_hf_weights(m.spec, file);
  return m;
}

}  // namespace archscope
