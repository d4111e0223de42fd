// Sorting a checkpoint's unread tensors into harmless leftovers and ones that
// would change the numbers, by what their names say they are.
#include "engine/io/checkpoint_audit.h"

#include <cctype>

#include "engine/errors.h"

namespace archscope {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Whether `segment` ("h.", "layers.") occurs at a name boundary followed by digits.
// Returns the block index, or -1. The earliest match wins, so T5's
// "decoder.block.3.layer.0" gives the block (3), not the sublayer (0).
int block_index(const std::string& name) {
  size_t best = std::string::npos;
  int index = -1;
  for (const char* segment : {"layers.", "layer.", "block.", "h."}) {
    const std::string seg = segment;
    for (size_t at = name.find(seg); at != std::string::npos; at = name.find(seg, at + 1)) {
      if (at != 0 && name[at - 1] != '.') continue;
      size_t digits = at + seg.size(), end = digits;
      while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
      if (end == digits || end >= name.size() || name[end] != '.') continue;
      if (at < best) {
        best = at;
        index = std::stoi(name.substr(digits, std::min<size_t>(end - digits, 9)));
      }
      break;
    }
  }
  return index;
}

struct Verdict {
  bool harmless = false;
  std::string why;
};

Verdict judge(const ModelSpec& s, const std::string& name) {
  if (ends_with(name, "rotary_emb.inv_freq"))
    return {true, "a RoPE frequency buffer; the frequencies come from the config"};
  if (ends_with(name, "position_ids")) return {true, "a position-index buffer"};
  if (s.layout == WeightLayout::Gpt2 && (ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias")))
    return {true, "GPT-2's causal-mask buffer, saved by older versions; the mask is the model's own"};
  if (s.layout == WeightLayout::Bert && (contains(name, "pooler.") || name.rfind("cls.seq_relationship.", 0) == 0))
    return {true, "BERT's pooler or next-sentence head, which BertForMaskedLM does not have "
                  "(transformers reports it as unexpected too)"};
  if ((s.layout == WeightLayout::T5 || s.layout == WeightLayout::Switch) &&
      (name == "encoder.embed_tokens.weight" || name == "decoder.embed_tokens.weight"))
    return {true, "a copy of the input table; transformers ties both stacks' tables to shared.weight"};
  const int block = block_index(name);
  const int count = name.rfind("decoder.", 0) == 0 && s.family == Family::EncoderDecoder ? s.decoder_layers : s.layers;
  if (block >= count)
    return {true, "block " + std::to_string(block) + " is past the config's " + std::to_string(count) +
                      " layers, so no layer reads it (DeepSeek-V3 stores its multi-token-prediction "
                      "layer so; transformers skips it too)"};

  if (contains(name, "lm_head") || contains(name, "predictions.decoder.weight"))
    return {false, "an output head of its own, while config.json ties the head to the input "
                   "embeddings (tie_word_embeddings) and the two differ"};
  if (contains(name, "shared_expert"))
    return {false, "shared-expert weights, while config.json gives the model no shared expert"};
  if (ends_with(name, ".bias") || ends_with(name, "_bias"))
    return {false, "a bias config.json does not enable (attention_bias, mlp_bias, qkv_bias, router_bias)"};
  if (contains(name, "experts") || contains(name, ".gate.") || contains(name, "router"))
    return {false, "MoE weights in a place config.json gives no experts (num_experts, the MoE layer "
                   "pattern, first_k_dense_replace)"};
  return {false, "no part of the model config.json describes (a dense MLP in an MoE layer, a query "
                 "projection of the other q_lora_rank reading, ...)"};
}

}  // namespace

void audit_unused_tensors(const ModelSpec& spec, const CheckpointReader& reader, LoadReport& report) {
  for (const std::string& line : reader.renames()) report.warnings.push_back(line);
  std::vector<std::string> refused;
  for (const std::string& name : reader.unused()) {
    Verdict v = judge(spec, name);
    (v.harmless ? report.warnings : refused).push_back("'" + name + "': " + v.why);
  }
  if (refused.empty()) return;
  std::string message = reader.file().path() + ": " + std::to_string(refused.size()) +
                        (refused.size() == 1 ? " tensor" : " tensors") +
                        " would change the numbers under another reading of config.json, so the "
                        "model is refused rather than run without " +
                        (refused.size() == 1 ? "it:" : "them:");
  const size_t shown = std::min<size_t>(refused.size(), 12);
  for (size_t i = 0; i < shown; ++i) message += "\n  " + refused[i];
  if (shown < refused.size()) message += "\n  ... and " + std::to_string(refused.size() - shown) + " more";
  throw InputError(message);
}

}  // namespace archscope
