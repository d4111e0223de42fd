// The preset table. Published sizes come from each model's Hugging Face
// config.json (or paper, where noted); classroom sizes keep the structure and
// shrink the widths so every preset runs in milliseconds.
#include "engine/model/presets.h"

#include <algorithm>

#include "engine/io/vocabulary.h"

namespace archscope {

namespace {

// ---- shared shapes -------------------------------------------------------

ModelSpec llama_like(const char* name, const char* description) {
  ModelSpec s;
  s.name = name;
  s.description = description;
  s.family = Family::DecoderOnly;
  s.layout = WeightLayout::Llama;
  s.position = PositionKind::Rope;
  s.norm = NormKind::RMSNorm;
  s.norm_placement = NormPlacement::Pre;
  s.norm_eps = 1e-5;
  s.ffn = FfnKind::SwiGLU;
  s.mask.kind = MaskKind::Causal;
  return s;
}

ModelSpec t5_like(const char* name, const char* description) {
  ModelSpec s;
  s.name = name;
  s.description = description;
  s.family = Family::EncoderDecoder;
  s.layout = WeightLayout::T5;
  s.position = PositionKind::T5Relative;
  s.buckets = {32, 128};
  s.scale_attention = false;
  s.norm = NormKind::RMSNorm;
  s.norm_eps = 1e-6;
  s.ffn = FfnKind::Relu;
  s.mask.kind = MaskKind::Causal;  // the decoder's self-attention; the encoder's is bidirectional
  s.tied_embeddings = true;
  s.scale_decoder_outputs = true;
  return s;
}

void set_heads(ModelSpec& s, int heads, int kv_heads, int head_dim) {
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  s.attention = attention_kind_for(heads, kv_heads);
}

// ---- published sizes -----------------------------------------------------

ModelSpec bert_base() {
  ModelSpec s;
  s.name = "bert";
  s.description = "BERT-base: encoder-only, post-LN, bidirectional, MLM head";
  s.family = Family::EncoderOnly;
  s.layout = WeightLayout::Bert;
  s.vocab_size = 30522;
  s.d_model = 768;
  s.layers = 12;
  set_heads(s, 12, 12, 64);
  s.d_ff = 3072;
  s.max_positions = 512;
  s.type_vocab_size = 2;
  s.position = PositionKind::Learned;
  s.norm = NormKind::LayerNorm;
  s.norm_placement = NormPlacement::Post;
  s.norm_eps = 1e-12;
  s.ffn = FfnKind::GeluExact;
  s.attention_bias = true;
  s.mlp_bias = true;
  s.mask.kind = MaskKind::Bidirectional;
  s.tied_embeddings = true;
  s.pooler = true;
  s.mlm_head = true;
  return s;
}

ModelSpec gpt2_small() {
  ModelSpec s;
  s.name = "gpt2";
  s.description = "GPT-2 small: decoder-only, pre-LN, learned positions, tied head";
  s.family = Family::DecoderOnly;
  s.layout = WeightLayout::Gpt2;
  s.vocab_size = 50257;
  s.d_model = 768;
  s.layers = 12;
  set_heads(s, 12, 12, 64);
  s.d_ff = 3072;
  s.max_positions = 1024;
  s.position = PositionKind::Learned;
  s.norm = NormKind::LayerNorm;
  s.norm_eps = 1e-5;
  s.ffn = FfnKind::GeluTanh;
  s.attention_bias = true;
  s.mlp_bias = true;
  s.mask.kind = MaskKind::Causal;
  s.tied_embeddings = true;
  return s;
}

ModelSpec llama2_7b() {
  ModelSpec s = llama_like("llama2-7b", "Llama-2-7B: RoPE, SwiGLU, RMSNorm, multi-head attention");
  s.vocab_size = 32000;
  s.d_model = 4096;
  s.layers = 32;
  set_heads(s, 32, 32, 128);
  s.d_ff = 11008;
  s.max_positions = 4096;
  s.rope.theta = 1e4;
  return s;
}

ModelSpec llama3_8b() {
  ModelSpec s = llama_like("llama3-8b", "Llama-3-8B: grouped-query attention (32 heads, 8 KV heads)");
  s.vocab_size = 128256;
  s.d_model = 4096;
  s.layers = 32;
  set_heads(s, 32, 8, 128);
  s.d_ff = 14336;
  s.max_positions = 8192;
  s.rope.theta = 5e5;
  return s;
}

ModelSpec mistral_7b() {
  ModelSpec s = llama_like("mistral-7b", "Mistral-7B-v0.1: GQA with a 4096-token sliding window");
  s.vocab_size = 32000;
  s.d_model = 4096;
  s.layers = 32;
  set_heads(s, 32, 8, 128);
  s.d_ff = 14336;
  s.max_positions = 32768;
  s.rope.theta = 1e4;
  s.mask = {MaskKind::SlidingWindow, 0, 4096, true, 0};
  return s;
}

ModelSpec falcon_7b() {
  ModelSpec s = llama_like("falcon-7b", "Falcon-7B: multi-query attention, parallel attention+MLP");
  s.vocab_size = 65024;
  s.d_model = 4544;
  s.layers = 32;
  set_heads(s, 71, 1, 64);
  s.d_ff = 4 * 4544;
  s.max_positions = 2048;
  s.norm = NormKind::LayerNorm;
  s.parallel_block = true;
  s.ffn = FfnKind::GeluExact;
  s.tied_embeddings = true;
  return s;
}

ModelSpec t5_base() {
  ModelSpec s = t5_like("t5-base", "T5-base: encoder-decoder, relative position buckets, cross-attention");
  s.vocab_size = 32128;
  s.d_model = 768;
  s.layers = 12;
  s.decoder_layers = 12;
  set_heads(s, 12, 12, 64);
  s.d_ff = 3072;
  s.max_positions = 512;
  return s;
}

ModelSpec prefix_lm() {
  // A GPT-2-small decoder trained with a UniLM/GLM prefix mask: the first p
  // tokens see each other, the rest are causal and see the whole prefix.
  ModelSpec s = gpt2_small();
  s.name = "prefix-lm";
  s.description = "Prefix LM (UniLM/GLM mask) on a GPT-2-small decoder, prefix 512 of 1024";
  s.family = Family::PrefixLM;
  s.mask = {MaskKind::Prefix, 512, 0, true, 0};
  return s;
}

ModelSpec mixtral_8x7b() {
  ModelSpec s = llama_like("mixtral", "Mixtral-8x7B: 8 SwiGLU experts, softmax top-2, dropless");
  s.layout = WeightLayout::Mixtral;
  s.vocab_size = 32000;
  s.d_model = 4096;
  s.layers = 32;
  set_heads(s, 32, 8, 128);
  s.d_ff = 14336;
  s.max_positions = 32768;
  s.rope.theta = 1e6;
  s.moe.experts = 8;
  s.moe.top_k = 2;
  s.moe.expert_intermediate = 14336;
  s.moe.aux_loss_coef = 0.02;
  return s;
}

ModelSpec switch_base_8() {
  ModelSpec s = t5_like("switch-base-8", "Switch-Base-8: T5 encoder-decoder, every other FFN a top-1 MoE");
  s.layout = WeightLayout::Switch;
  s.vocab_size = 32128;
  s.d_model = 768;
  s.layers = 12;
  s.decoder_layers = 12;
  set_heads(s, 12, 12, 64);
  s.d_ff = 3072;
  s.max_positions = 512;
  s.scale_decoder_outputs = true;
  s.moe.experts = 8;
  s.moe.top_k = 1;
  s.moe.expert_intermediate = 3072;
  s.moe.normalize_top_k = false;  // output = p_i(x) * E_i(x)
  s.moe.layer_step = 2;
  s.moe.step_remainder = 1;
  s.moe.capacity_mode = CapacityMode::Factor;
  s.moe.capacity_formula = CapacityFormula::PerToken;  // the Switch paper's (T/E) cf; k = 1 anyway
  s.moe.capacity_factor = 1.25;
  s.moe.capacity = 64;  // the hub config's expert_capacity, which --compat applies
  s.moe.aux_loss_coef = 0.01;
  s.moe.z_loss_coef = 1e-3;
  return s;
}

ModelSpec gshard_top2() {
  // GShard's 600B M4 model (Lepikhin et al. 2020, Table 1): 36 layers split
  // between encoder and decoder, every other FFN an MoE of 2048 experts, top-2
  // with the second expert always kept, capacity 2N/E: the k-aware formula
  // at factor 1 (room for both choices of every token).
  ModelSpec s;
  s.name = "gshard";
  s.description = "GShard-style top-2 MoE encoder-decoder (600B M4 shape), capacity 2T/E";
  s.family = Family::EncoderDecoder;
  s.layout = WeightLayout::T5;
  s.vocab_size = 64000;
  s.d_model = 1024;
  s.layers = 18;
  s.decoder_layers = 18;
  set_heads(s, 16, 16, 64);
  s.d_ff = 8192;
  s.max_positions = 1024;
  s.position = PositionKind::Sinusoidal;
  s.norm = NormKind::LayerNorm;
  s.norm_eps = 1e-6;
  s.ffn = FfnKind::Relu;
  s.mask.kind = MaskKind::Causal;
  s.tied_embeddings = true;
  s.moe.experts = 2048;
  s.moe.top_k = 2;
  s.moe.expert_intermediate = 8192;
  s.moe.layer_step = 2;
  s.moe.step_remainder = 1;
  s.moe.capacity_mode = CapacityMode::Factor;
  s.moe.capacity_formula = CapacityFormula::KAware;
  s.moe.capacity_factor = 1.0;
  s.moe.aux_loss_coef = 0.01;
  return s;
}

ModelSpec deepseek_v3() {
  ModelSpec s = llama_like("deepseek-v3",
                           "DeepSeek-V3: MLA, 256 routed experts in 8 groups, top-8, shared expert");
  s.layout = WeightLayout::DeepSeek;
  s.vocab_size = 129280;
  s.d_model = 7168;
  s.layers = 61;
  s.heads = 128;
  s.kv_heads = 128;
  s.head_dim = 128;
  s.attention = AttentionKind::MLA;
  s.mla = {1536, 512, 128, 64, 128};
  s.d_ff = 18432;
  s.max_positions = 163840;
  s.norm_eps = 1e-6;
  s.rope = {10000.0, "yarn", 40.0, 1.0, true};
  s.moe.experts = 256;
  s.moe.top_k = 8;
  s.moe.expert_intermediate = 2048;
  s.moe.shared_experts = 1;
  s.moe.shared_intermediate = 2048;
  s.moe.router = RouterFunction::Sigmoid;
  s.moe.correction_bias = true;
  s.moe.normalize_top_k = true;
  s.moe.groups = 8;
  s.moe.top_groups = 4;
  s.moe.group_score = GroupScore::Top2Sum;
  s.moe.routed_scaling = 2.5;
  s.moe.first_dense = 3;
  s.moe.aux_loss_coef = 1e-4;
  return s;
}

ModelSpec qwen_moe() {
  ModelSpec s = llama_like("qwen-moe",
                           "Qwen1.5-MoE-A2.7B: 60 experts, top-4 unnormalised, gated shared expert");
  s.layout = WeightLayout::Qwen2Moe;
  s.vocab_size = 151936;
  s.d_model = 2048;
  s.layers = 24;
  set_heads(s, 16, 16, 128);
  s.d_ff = 5632;
  s.max_positions = 8192;
  s.norm_eps = 1e-6;
  s.rope.theta = 1e6;
  s.qkv_bias = true;
  s.moe.experts = 60;
  s.moe.top_k = 4;
  s.moe.expert_intermediate = 1408;
  s.moe.shared_experts = 1;
  s.moe.shared_intermediate = 5632;
  s.moe.shared_gate = true;
  s.moe.normalize_top_k = false;
  s.moe.aux_loss_coef = 1e-3;
  return s;
}

// ---- classroom sizes -----------------------------------------------------

// Keeps the structure (family, norms, FFN kind, head ratios, experts, top-k,
// routing, which layers are MoE) and shrinks every width.
ModelSpec classroom_of(const ModelSpec& full) {
  ModelSpec s = full;
  s.description = full.description + " (classroom size)";
  s.vocab_size = WordVocabulary::builtin().size();
  s.d_model = 64;
  s.max_positions = 128;
  s.type_vocab_size = full.type_vocab_size;
  const int heads = full.attention == AttentionKind::MLA ? 4 : 8;
  const int group = full.heads / full.kv_heads;  // query heads per KV head
  int kv = full.kv_heads == 1 ? 1 : std::max(1, heads / group);
  set_heads(s, heads, kv, s.d_model / heads);
  if (full.attention == AttentionKind::MLA) {
    s.attention = AttentionKind::MLA;
    s.kv_heads = heads;
    s.mla = {full.mla.q_lora_rank > 0 ? 32 : 0, 16, 8, 8, 8};
    s.head_dim = s.mla.v_head_dim;  // as DeepSeek's config import sets it
  }
  s.d_ff = full.ffn == FfnKind::SwiGLU ? 128 : 256;
  if (full.family == Family::EncoderDecoder) {
    s.layers = 4;
    s.decoder_layers = 4;
  } else {
    s.layers = 4;
  }
  if (full.mask.kind == MaskKind::SlidingWindow) s.mask.window = 6;
  if (full.mask.kind == MaskKind::Prefix) s.mask.prefix_length = 6;
  if (full.position == PositionKind::T5Relative) s.buckets = {16, 32};
  // Classroom sequences are far shorter than any original context, where
  // context-extension schemes such as YaRN matter; run plain RoPE.
  if (full.position == PositionKind::Rope) s.rope = {full.rope.theta, "default", 1.0, 0.0, full.rope.interleaved};
  if (full.is_moe()) {
    s.moe.expert_intermediate = full.moe.experts > 64 ? 16 : 32;
    // Switch's config has one d_ff for dense and expert FFNs; keep them equal
    // so the classroom size can be written as a Hugging Face folder.
    if (full.layout == WeightLayout::Switch) s.moe.expert_intermediate = s.d_ff;
    if (full.moe.shared_experts > 0)
      s.moe.shared_intermediate =
          full.moe.shared_intermediate * s.moe.expert_intermediate / full.moe.expert_intermediate;
    if (full.moe.first_dense > 0) s.moe.first_dense = 1;
    // GShard's 2048 experts would give a classroom sentence (T of 10 to 128)
    // C = ceil(cf 2T / 2048) = 1 at every factor from 0.25 to 4, so the
    // capacity slider could show nothing; 32 experts keep top-2 routing with
    // C from 1 to 4T/E as the factor moves. Grouped routers (DeepSeek) keep
    // theirs: groups are part of their structure.
    if (full.moe.experts > 256 && full.moe.groups == 1) s.moe.experts = 32;
  }
  return s;
}

std::vector<Preset> build_table() {
  std::vector<ModelSpec> full = {bert_base(),   gpt2_small(),   llama2_7b(),    llama3_8b(),
                                 mistral_7b(),  falcon_7b(),    t5_base(),      prefix_lm(),
                                 mixtral_8x7b(), switch_base_8(), gshard_top2(), deepseek_v3(),
                                 qwen_moe()};
  std::vector<Preset> table;
  for (auto& spec : full) table.push_back({spec.name, spec, classroom_of(spec)});
  return table;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table = build_table();
  return table;
}

const Preset* find_preset(const std::string& name) {
  for (const auto& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

const Preset& default_preset() { return *find_preset("mixtral"); }

std::string preset_names() {
  std::string names;
  for (const auto& p : presets()) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

}  // namespace archscope
