// Weight-name maps per Hugging Face family. Shapes are checked against the
// spec as each tensor is read, so a wrong checkpoint fails with the tensor's
// name; names follow what transformers 5.17 saves, plus the renames it applies
// on load (legacy gamma/beta, its own fused expert layout).
#include "engine/io/hf_weights.h"

#include <filesystem>

#include "engine/errors.h"
#include "engine/io/checkpoint_audit.h"
#include "engine/io/random_weights.h"
#include "engine/model/hf_config.h"

namespace archscope {

namespace {

using Reader = CheckpointReader;

// The prefix under which a model's tensors live ("bert.", "transformer.", "").
Reader with_prefix(const Reader& r, const std::string& probe, std::initializer_list<const char*> prefixes) {
  for (const char* p : prefixes)
    if (r.file().contains(p + probe)) return r.under(p);
  throw InputError(r.file().path() + ": missing tensor '" + *prefixes.begin() + probe +
                   "' (is this checkpoint of the model type its config.json names?)");
}

// Split a fused (3D, D) QKV projection into three (D, D) linears.
void split_qkv(const Linear& fused, int d, AttentionWeights& a) {
  if (fused.w.empty()) return;  // header only
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

// An output head the config ties to `table`: a copy of the table in the file is
// accounted for; a different one is left unread, so the audit refuses it.
void tied_head_copy(const Reader& root, const std::string& head, const std::string& table) {
  if (root.file().contains(head) && same_tensor(root.file(), head, table)) root.consume(head);
}

FfnWeights swiglu(const Reader& s, const std::string& p, int d, int f, const char* gate,
                  const char* up, const char* down, bool bias = false) {
  FfnWeights w;
  w.gate = s.linear(p + gate, f, d, bias);
  w.up = s.linear(p + up, f, d, bias);
  w.down = s.linear(p + down, d, f, bias);
  return w;
}

// transformers 5's own expert layout (MixtralExperts, Qwen2MoeExperts):
// experts.gate_up_proj (E, 2F, D), gate rows before up rows; experts.down_proj (E, D, F).
// conversion_mapping.py builds exactly these from the per-expert tensors.
std::vector<FfnWeights> fused_experts(const Reader& s, const std::string& p, int E, int D, int F) {
  Tensor gate_up = s.get(p + "experts.gate_up_proj", {E, 2 * F, D});
  Tensor down = s.get(p + "experts.down_proj", {E, D, F});
  std::vector<FfnWeights> experts(E);
  if (gate_up.empty()) return experts;  // header only
  for (int e = 0; e < E; ++e) {
    FfnWeights& w = experts[e];
    w.gate.w = Tensor({F, D});
    w.up.w = Tensor({F, D});
    w.down.w = Tensor({D, F});
    const float* g = gate_up.data.data() + static_cast<int64_t>(e) * 2 * F * D;
    std::copy(g, g + static_cast<int64_t>(F) * D, w.gate.w.data.begin());
    std::copy(g + static_cast<int64_t>(F) * D, g + static_cast<int64_t>(2) * F * D, w.up.w.data.begin());
    const float* dn = down.data.data() + static_cast<int64_t>(e) * D * F;
    std::copy(dn, dn + static_cast<int64_t>(D) * F, w.down.w.data.begin());
  }
  return experts;
}

AttentionWeights standard_attention(const Reader& s, const ModelSpec& m, const std::string& p,
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

AttentionWeights mla_attention(const Reader& s, const ModelSpec& m, const std::string& p) {
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

ModelWeights load_bert(const ModelSpec& m, const Reader& root) {
  Reader s = with_prefix(root, "embeddings.word_embeddings.weight", {"bert.", ""});
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
  // The vocabulary bias is one tensor under two names (BertLMPredictionHead ties
  // decoder.bias to bias); older files hold both.
  const std::string bias = "cls.predictions.bias", decoder_bias = "cls.predictions.decoder.bias";
  const SafetensorsFile& f = root.file();
  const bool both = f.contains(bias) && f.contains(decoder_bias);
  w.mlm_bias = root.get(f.contains(bias) || !f.contains(decoder_bias) ? bias : decoder_bias, {m.vocab_size});
  if (both && same_tensor(f, bias, decoder_bias)) root.consume(decoder_bias);
  // The decoder: tied to the word embeddings, or cls.predictions.decoder.weight.
  const std::string decoder = "cls.predictions.decoder.weight";
  if (m.tied_embeddings)
    tied_head_copy(root, decoder, s.prefix() + "embeddings.word_embeddings.weight");
  else
    w.lm_head.w = root.get(decoder, {m.vocab_size, d});
  return w;
}

ModelWeights load_gpt2(const ModelSpec& m, const Reader& root) {
  Reader s = with_prefix(root, "wte.weight", {"transformer.", ""});
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
  // GPT2LMHeadModel's lm_head sits outside the "transformer." prefix.
  if (m.tied_embeddings)
    tied_head_copy(root, "lm_head.weight", s.prefix() + "wte.weight");
  else
    w.lm_head = root.linear("lm_head", m.vocab_size, d, false);
  return w;
}

MoeWeights moe_layer(const Reader& s, const ModelSpec& m, const std::string& p) {
  const MoeSpec& e = m.moe;
  const int d = m.d_model;
  const bool mixtral = m.layout == WeightLayout::Mixtral;
  // Mixtral files as saved: block_sparse_moe.*; in transformers 5's own layout
  // the router is mlp.gate and the experts are fused (either family).
  const bool legacy_mixtral = mixtral && s.has(p + "block_sparse_moe.gate.weight");
  const std::string mp = p + (legacy_mixtral ? "block_sparse_moe." : "mlp.");
  MoeWeights moe;
  moe.router = s.linear(mp + "gate", e.experts, d, false);
  if (e.correction_bias) moe.correction_bias = s.get(mp + "gate.e_score_correction_bias", {e.experts});
  if (!legacy_mixtral && s.has(mp + "experts.gate_up_proj")) {
    moe.experts = fused_experts(s, mp, e.experts, d, e.expert_intermediate);
  } else {
    for (int x = 0; x < e.experts; ++x) {
      const std::string ep = mp + "experts." + std::to_string(x) + ".";
      moe.experts.push_back(mixtral ? swiglu(s, ep, d, e.expert_intermediate, "w1", "w3", "w2")
                                    : swiglu(s, ep, d, e.expert_intermediate, "gate_proj",
                                             "up_proj", "down_proj"));
    }
  }
  if (e.shared_experts > 0) {
    const bool qwen = m.layout == WeightLayout::Qwen2Moe;
    moe.shared = swiglu(s, mp + (qwen ? "shared_expert." : "shared_experts."), d, e.shared_intermediate,
                        "gate_proj", "up_proj", "down_proj", m.mlp_bias);
    if (e.shared_gate) moe.shared_gate = s.linear(mp + "shared_expert_gate", 1, d, false);
  }
  return moe;
}

// LLaMA, Mistral, Mixtral, Qwen2-MoE and DeepSeek share the decoder naming.
ModelWeights load_llama_family(const ModelSpec& m, const Reader& root) {
  // "model." for *ForCausalLM files; none for a bare *Model checkpoint.
  Reader s = with_prefix(root, "embed_tokens.weight", {"model.", ""});
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
    if (m.is_moe_layer(i))
      l.moe = moe_layer(s, m, p);
    else
      l.ffn = swiglu(s, p + "mlp.", d, m.d_ff, "gate_proj", "up_proj", "down_proj", m.mlp_bias);
    w.decoder.layers.push_back(std::move(l));
  }
  w.decoder.final_norm = s.norm("norm", d, false);
  if (m.tied_embeddings)
    tied_head_copy(root, "lm_head.weight", s.prefix() + "embed_tokens.weight");
  else
    w.lm_head = root.linear("lm_head", m.vocab_size, d, false);
  return w;
}

// T5 and Switch: encoder.block.{i}.layer.{j}, decoder.block.{i}.layer.{j}.
StackWeights load_t5_stack(const ModelSpec& m, const Reader& s, bool decoder) {
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

// The head is the checkpoint's lm_head.weight whenever it has one, as
// transformers 5 keeps it; only without one is it the shared table.
void settle_t5_head(ModelSpec& m, const SafetensorsFile& f, LoadReport& report) {
  if (f.contains("lm_head.weight")) {
    if (m.tied_embeddings)
      report.warnings.push_back("the checkpoint has its own lm_head.weight, so it is the LM head "
                                "(config.json's tie_word_embeddings is read as tying the encoder and "
                                "decoder tables only, as transformers 5 does)");
    m.tied_embeddings = false;
  } else if (!m.tied_embeddings) {
    throw InputError(f.path() + ": missing tensor 'lm_head.weight': config.json gives this T5 a head "
                     "of its own (scale_decoder_outputs false, or tie_word_embeddings false)");
  }
}

ModelWeights load_t5_family(const ModelSpec& m, const Reader& s) {
  ModelWeights w;
  const char* embed = s.file().contains("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
  w.token_embedding = s.get(embed, {m.vocab_size, m.d_model});
  for (const char* copy : {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"})
    if (copy != std::string(embed) && s.file().contains(copy) && same_tensor(s.file(), copy, embed))
      s.consume(copy);
  w.encoder = load_t5_stack(m, s, false);
  w.decoder = load_t5_stack(m, s, true);
  if (!m.tied_embeddings) w.lm_head = s.linear("lm_head", m.vocab_size, m.d_model, false);
  return w;
}

ModelWeights read_weights(ModelSpec& spec, const SafetensorsFile& file, LoadReport& report,
                          Reader::Mode mode) {
  validate_or_throw(spec, spec.name);  // sizes within limits.h before looping over layers
  if (spec.layout == WeightLayout::T5 || spec.layout == WeightLayout::Switch)
    settle_t5_head(spec, file, report);
  Reader reader(file, mode);
  ModelWeights w;
  switch (spec.layout) {
    case WeightLayout::Bert: w = load_bert(spec, reader); break;
    case WeightLayout::Gpt2: w = load_gpt2(spec, reader); break;
    case WeightLayout::Llama:
    case WeightLayout::Mixtral:
    case WeightLayout::Qwen2Moe:
    case WeightLayout::DeepSeek: w = load_llama_family(spec, reader); break;
    case WeightLayout::T5:
    case WeightLayout::Switch: w = load_t5_family(spec, reader); break;
  }
  audit_unused_tensors(spec, reader, report);
  return w;
}

LoadedModel open_folder(const std::string& folder, Reader::Mode mode) {
  namespace fs = std::filesystem;
  LoadedModel m;
  m.spec = import_hf_config(folder);
  fs::path weights = fs::path(folder) / "model.safetensors";
  std::error_code ec;
  if (!fs::exists(weights, ec))
    throw InputError(weights.string() + ": no such file (sharded checkpoints are not supported yet)");
  if (mode == Reader::Mode::Load) check_fits_in_memory(m.spec, available_memory_bytes());
  SafetensorsFile file(weights.string());
  m.weights = read_weights(m.spec, file, m.report, mode);
  return m;
}

}  // namespace

ModelWeights load_hf_weights(ModelSpec& spec, const SafetensorsFile& file, LoadReport& report) {
  return read_weights(spec, file, report, Reader::Mode::Load);
}

LoadReport check_hf_weights(ModelSpec& spec, const SafetensorsFile& file) {
  LoadReport report;
  read_weights(spec, file, report, Reader::Mode::HeaderOnly);
  return report;
}

LoadedModel load_hf_model(const std::string& folder) { return open_folder(folder, Reader::Mode::Load); }

LoadedModel inspect_hf_model(const std::string& folder) {
  return open_folder(folder, Reader::Mode::HeaderOnly);
}

}  // namespace archscope
