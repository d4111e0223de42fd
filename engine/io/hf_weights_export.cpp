// Weight names per family, mirroring hf_weights.cpp line for line.
#include "engine/io/hf_weights_export.h"

#include <filesystem>

#include "engine/errors.h"
#include "engine/io/file_output.h"
#include "engine/io/safetensors.h"
#include "engine/model/hf_config_export.h"

namespace archscope {

namespace {

class Sink {
 public:
  explicit Sink(std::string prefix) : prefix_(std::move(prefix)) {}
  void tensor(const std::string& name, const Tensor& t) { out.push_back({prefix_ + name, t}); }
  void linear(const std::string& name, const Linear& l) {
    tensor(name + ".weight", l.w);
    if (!l.b.empty()) tensor(name + ".bias", l.b);
  }
  void norm(const std::string& name, const Norm& n) {
    tensor(name + ".weight", n.gamma);
    if (!n.beta.empty()) tensor(name + ".bias", n.beta);
  }
  // nn.Linear's (out, in) as GPT-2's Conv1D (in, out).
  void conv1d(const std::string& name, const Tensor& w, const Tensor& b) {
    const int out_dim = w.dim(0), in_dim = w.dim(1);
    Tensor t({in_dim, out_dim});
    for (int o = 0; o < out_dim; ++o)
      for (int i = 0; i < in_dim; ++i) t.data[static_cast<int64_t>(i) * out_dim + o] = w.row(o)[i];
    tensor(name + ".weight", t);
    tensor(name + ".bias", b);
  }
  void swiglu(const std::string& p, const FfnWeights& f, const char* gate, const char* up, const char* down) {
    linear(p + gate, f.gate);
    linear(p + up, f.up);
    linear(p + down, f.down);
  }
  std::vector<std::pair<std::string, Tensor>> out;

 private:
  std::string prefix_;
};

// Rows of a, then b, then c: GPT-2's fused c_attn.
Tensor stack_rows(const Tensor& a, const Tensor& b, const Tensor& c) {
  std::vector<int> shape = a.shape;
  shape[0] = a.dim(0) + b.dim(0) + c.dim(0);
  Tensor t(shape);
  std::copy(a.data.begin(), a.data.end(), t.data.begin());
  std::copy(b.data.begin(), b.data.end(), t.data.begin() + a.numel());
  std::copy(c.data.begin(), c.data.end(), t.data.begin() + a.numel() + b.numel());
  return t;
}

void bert(const ModelSpec& m, const ModelWeights& w, Sink& s, Sink& root) {
  s.tensor("embeddings.word_embeddings.weight", w.token_embedding);
  s.tensor("embeddings.position_embeddings.weight", w.position_embedding);
  s.tensor("embeddings.token_type_embeddings.weight", w.token_type_embedding);
  s.norm("embeddings.LayerNorm", w.embedding_norm);
  for (int i = 0; i < m.layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    const LayerWeights& l = w.encoder.layers[i];
    s.linear(p + "attention.self.query", l.self_attn.q);
    s.linear(p + "attention.self.key", l.self_attn.k);
    s.linear(p + "attention.self.value", l.self_attn.v);
    s.linear(p + "attention.output.dense", l.self_attn.o);
    s.norm(p + "attention.output.LayerNorm", l.attn_norm);
    s.linear(p + "intermediate.dense", l.ffn.up);
    s.linear(p + "output.dense", l.ffn.down);
    s.norm(p + "output.LayerNorm", l.ffn_norm);
  }
  root.linear("cls.predictions.transform.dense", w.mlm_dense);
  root.norm("cls.predictions.transform.LayerNorm", w.mlm_norm);
  root.tensor("cls.predictions.bias", w.mlm_bias);
}

void gpt2(const ModelSpec& m, const ModelWeights& w, Sink& s) {
  s.tensor("wte.weight", w.token_embedding);
  s.tensor("wpe.weight", w.position_embedding);
  for (int i = 0; i < m.layers; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    const LayerWeights& l = w.decoder.layers[i];
    const AttentionWeights& a = l.self_attn;
    s.norm(p + "ln_1", l.attn_norm);
    s.conv1d(p + "attn.c_attn", stack_rows(a.q.w, a.k.w, a.v.w), stack_rows(a.q.b, a.k.b, a.v.b));
    s.conv1d(p + "attn.c_proj", a.o.w, a.o.b);
    s.norm(p + "ln_2", l.ffn_norm);
    s.conv1d(p + "mlp.c_fc", l.ffn.up.w, l.ffn.up.b);
    s.conv1d(p + "mlp.c_proj", l.ffn.down.w, l.ffn.down.b);
  }
  s.norm("ln_f", w.decoder.final_norm);
}

void attention(const ModelSpec& m, const AttentionWeights& a, const std::string& p, Sink& s) {
  if (m.attention != AttentionKind::MLA) {
    s.linear(p + "q_proj", a.q);
    s.linear(p + "k_proj", a.k);
    s.linear(p + "v_proj", a.v);
    s.linear(p + "o_proj", a.o);
    return;
  }
  if (m.mla.q_lora_rank > 0) {
    s.linear(p + "q_a_proj", a.q_a);
    s.norm(p + "q_a_layernorm", a.q_a_norm);
    s.linear(p + "q_b_proj", a.q_b);
  } else {
    s.linear(p + "q_proj", a.q);
  }
  s.linear(p + "kv_a_proj_with_mqa", a.kv_a);
  s.norm(p + "kv_a_layernorm", a.kv_a_norm);
  s.linear(p + "kv_b_proj", a.kv_b);
  s.linear(p + "o_proj", a.o);
}

void llama_family(const ModelSpec& m, const ModelWeights& w, Sink& s, Sink& root) {
  s.tensor("embed_tokens.weight", w.token_embedding);
  const bool mixtral = m.layout == WeightLayout::Mixtral, qwen = m.layout == WeightLayout::Qwen2Moe;
  for (int i = 0; i < m.layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    const LayerWeights& l = w.decoder.layers[i];
    s.norm(p + "input_layernorm", l.attn_norm);
    attention(m, l.self_attn, p + "self_attn.", s);
    s.norm(p + "post_attention_layernorm", l.ffn_norm);
    if (!l.moe) {
      s.swiglu(p + "mlp.", l.ffn, "gate_proj", "up_proj", "down_proj");
      continue;
    }
    const MoeWeights& e = *l.moe;
    const std::string mp = p + (mixtral ? "block_sparse_moe." : "mlp.");
    s.linear(mp + "gate", e.router);
    if (!e.correction_bias.empty()) s.tensor(mp + "gate.e_score_correction_bias", e.correction_bias);
    for (size_t x = 0; x < e.experts.size(); ++x) {
      const std::string ep = mp + "experts." + std::to_string(x) + ".";
      if (mixtral)
        s.swiglu(ep, e.experts[x], "w1", "w3", "w2");
      else
        s.swiglu(ep, e.experts[x], "gate_proj", "up_proj", "down_proj");
    }
    if (e.shared) s.swiglu(mp + (qwen ? "shared_expert." : "shared_experts."), *e.shared, "gate_proj", "up_proj", "down_proj");
    if (!e.shared_gate.w.empty()) s.linear(mp + "shared_expert_gate", e.shared_gate);
  }
  s.norm("norm", w.decoder.final_norm);
  if (!m.tied_embeddings) root.linear("lm_head", w.lm_head);
}

void t5_stack(const ModelSpec& m, const StackWeights& st, bool decoder, Sink& s) {
  const std::string stack = decoder ? "decoder." : "encoder.";
  for (size_t i = 0; i < st.layers.size(); ++i) {
    const std::string p = stack + "block." + std::to_string(i) + ".layer.";
    const LayerWeights& l = st.layers[i];
    auto attn = [&](const std::string& q, const AttentionWeights& a) {
      using Part = std::pair<const char*, const Linear*>;
      for (auto [name, lin] : {Part{"q", &a.q}, Part{"k", &a.k}, Part{"v", &a.v}, Part{"o", &a.o}})
        s.linear(q + name, *lin);
    };
    s.norm(p + "0.layer_norm", l.attn_norm);
    attn(p + "0.SelfAttention.", l.self_attn);
    if (i == 0) s.tensor(p + "0.SelfAttention.relative_attention_bias.weight", l.self_attn.relative_bias);
    int ffn_index = 1;
    if (decoder) {
      s.norm(p + "1.layer_norm", l.cross_norm);
      attn(p + "1.EncDecAttention.", *l.cross_attn);
      ffn_index = 2;
    }
    const std::string fp = p + std::to_string(ffn_index) + ".";
    s.norm(fp + "layer_norm", l.ffn_norm);
    if (l.moe) {
      s.linear(fp + "mlp.router.classifier", l.moe->router);
      for (size_t x = 0; x < l.moe->experts.size(); ++x) {
        const std::string ep = fp + "mlp.experts.expert_" + std::to_string(x) + ".";
        s.linear(ep + "wi", l.moe->experts[x].up);
        s.linear(ep + "wo", l.moe->experts[x].down);
      }
      continue;
    }
    const std::string dp = fp + (m.layout == WeightLayout::Switch ? "mlp." : "DenseReluDense.");
    if (m.ffn == FfnKind::GatedGelu) {
      s.linear(dp + "wi_0", l.ffn.gate);
      s.linear(dp + "wi_1", l.ffn.up);
    } else {
      s.linear(dp + "wi", l.ffn.up);
    }
    s.linear(dp + "wo", l.ffn.down);
  }
  s.norm(stack + "final_layer_norm", st.final_norm);
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> hf_tensors(const ModelSpec& m, const ModelWeights& w) {
  switch (m.layout) {
    case WeightLayout::Bert: {
      Sink s("bert."), root("");
      bert(m, w, s, root);
      s.out.insert(s.out.end(), root.out.begin(), root.out.end());
      return s.out;
    }
    case WeightLayout::Gpt2: {
      Sink s("transformer.");
      gpt2(m, w, s);
      return s.out;
    }
    case WeightLayout::Llama:
    case WeightLayout::Mixtral:
    case WeightLayout::Qwen2Moe:
    case WeightLayout::DeepSeek: {
      Sink s("model."), root("");
      llama_family(m, w, s, root);
      s.out.insert(s.out.end(), root.out.begin(), root.out.end());
      return s.out;
    }
    case WeightLayout::T5:
    case WeightLayout::Switch: {
      Sink s("");
      s.tensor("shared.weight", w.token_embedding);
      t5_stack(m, w.encoder, false, s);
      t5_stack(m, w.decoder, true, s);
      if (!m.tied_embeddings) s.linear("lm_head", w.lm_head);
      return s.out;
    }
  }
  throw InputError(m.name + ": no Hugging Face weight layout");
}

std::vector<std::string> export_hf_model(const ModelSpec& spec, const ModelWeights& weights,
                                         const std::string& folder, const std::string& name, bool overwrite) {
  namespace fs = std::filesystem;
  ExportedConfig config = export_hf_config(spec, name);  // refuses before anything is written
  const fs::path dir(folder);
  std::error_code ec;
  for (const char* file : {"config.json", "model.safetensors"})
    if (!overwrite && fs::exists(dir / file, ec))
      throw InputError((dir / file).string() + " exists; choose an empty folder or pass --force to replace it");
  fs::create_directories(dir, ec);
  if (ec) throw OutputError(folder + ": cannot create the folder (" + ec.message() + ")");
  write_safetensors((dir / "model.safetensors").string(), hf_tensors(spec, weights), {{"format", "pt"}});
  write_text_file((dir / "config.json").string(), config.config.dump(2) + "\n");
  return config.notes;
}

}  // namespace archscope
