// The table of bounds, written out once for people.
#include "engine/model/limits.h"

#include "engine/model/ledger_report.h"

namespace archscope {

const std::vector<Limit>& limit_table() {
  using namespace limits;
  static const std::vector<Limit> table = {
      {"vocab_size", with_commas(kVocab), "largest published vocabularies hold about 256K tokens"},
      {"d_model (hidden_size, n_embd), MLA q/kv_lora_rank", with_commas(kWidth),
       "largest published widths are below 32K"},
      {"layers, decoder_layers (per stack)", with_commas(kLayers), "largest published stacks have about 130"},
      {"heads, kv_heads", with_commas(kHeads), "largest published models use 128"},
      {"head_dim, MLA qk_nope/qk_rope/v_head_dim", with_commas(kHeadDim), "published heads are 64-256 wide"},
      {"d_ff, moe_intermediate_size", with_commas(kFfnWidth), "largest published FFNs are about 74K wide"},
      {"shared experts' total width", with_commas(kSharedWidth), "n_shared x moe_intermediate_size"},
      {"max_positions, window, chunk, prefix, --context, tokens per run", with_commas(kPositions),
       "longest published contexts are about 10M"},
      {"type_vocab_size", with_commas(kTokenTypes), "BERT uses 2"},
      {"experts (routed)", with_commas(kExperts), "GShard and Switch-C use 2,048"},
      {"shared experts", with_commas(kSharedExperts), "DeepSeek uses 1-2"},
      {"relative_attention_num_buckets", with_commas(kBuckets), "T5 uses 32"},
      {"--lora-rank", with_commas(kLoraRank), "adapters are rank 4-256"},
      {"--capacity-factor", with_commas(static_cast<int64_t>(kCapacityFactor)),
       "a factor of E already gives every token a slot"},
      {"--capacity (slots per expert)", with_commas(kPositions), "at most one slot per token is ever used"},
      {"JSON nesting (config.json, safetensors header)", with_commas(kJsonDepth), "real files nest 3 deep"},
      {"config.json size", "16 MiB", "real configs are a few KB"},
      {"--text / --input-ids read from a file or stdin", "64 MiB", "an argument is capped at 128 KiB; files go further"},
      {"safetensors header", "100 MB", "the format's own limit"},
      {"safetensors tensor dimensions", "8", "weights have 1-3"},
  };
  return table;
}

std::string limit_table_markdown() {
  std::string out = "| what | at most | why |\n|---|---|---|\n";
  for (const Limit& l : limit_table()) out += "| " + l.what + " | " + l.max + " | " + l.why + " |\n";
  return out;
}

}  // namespace archscope
