// Each exportable preset's classroom size, shrunk further with its structure kept.
#include "tests/fuzz/tiny_models.h"

#include <algorithm>

#include "engine/model/presets.h"

namespace archscope::fuzz {

namespace {

ModelSpec shrink(ModelSpec s) {
  s.vocab_size = 32;
  s.d_model = 8;
  s.max_positions = 16;
  s.layers = 2;
  if (s.family == Family::EncoderDecoder) s.decoder_layers = 2;
  const int kv = s.kv_heads == s.heads ? 2 : 1;
  s.heads = 2;
  s.kv_heads = s.attention == AttentionKind::MLA ? 2 : kv;
  s.head_dim = 4;
  if (s.attention != AttentionKind::MLA) s.attention = attention_kind_for(s.heads, s.kv_heads);
  if (s.attention == AttentionKind::MLA) {
    s.mla = {s.mla.q_lora_rank > 0 ? 4 : 0, 4, 2, 2, 4};
    s.head_dim = 4;
  }
  s.d_ff = 8;
  if (s.mask.kind == MaskKind::SlidingWindow) s.mask.window = 3;
  if (s.position == PositionKind::T5Relative) s.buckets = {8, 16};
  if (s.is_moe()) {
    MoeSpec& m = s.moe;
    if (m.groups > 1) {
      m.experts = 4;
      m.groups = 2;
      m.top_groups = 1;
      m.top_k = 2;
    } else {
      m.experts = std::min(m.experts, 4);
      m.top_k = std::min(m.top_k, m.experts);
    }
    m.expert_intermediate = s.layout == WeightLayout::Switch ? s.d_ff : 4;
    if (m.shared_experts > 0) m.shared_intermediate = m.shared_experts * 4;
    m.first_dense = std::min(m.first_dense, 1);
  }
  return s;
}

}  // namespace

std::vector<TinyModel> tiny_models() {
  std::vector<TinyModel> out;
  for (const char* name : {"bert", "gpt2", "llama3-8b", "mistral-7b", "t5-base", "mixtral", "switch-base-8",
                           "deepseek-v3", "qwen-moe"})
    out.push_back({std::string(name) + "-tiny", shrink(find_preset(name)->classroom)});
  return out;
}

std::string pack_run_input(const std::string& config, const std::string& safetensors) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(config.size() >> (8 * i));
  return out + config + safetensors;
}

}  // namespace archscope::fuzz
