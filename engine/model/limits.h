// The largest value Archscope accepts for every size it reads from a config,
// a flag or a file: one table that validation, the importers, the command
// line and the README all quote. The bounds sit far above every published
// model and are chosen so that no count the engine derives from them (the
// ledger's parameters, bytes and FLOPs) can overflow 64 bits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace archscope {

namespace limits {
constexpr int64_t kVocab = 1 << 22;          // 4,194,304 (largest published: ~256K)
constexpr int64_t kWidth = 1 << 16;          // 65,536: d_model, MLA latent ranks
constexpr int64_t kLayers = 1024;            // per stack
constexpr int64_t kHeads = 1024;             // query and KV heads
constexpr int64_t kHeadDim = 2048;           // head_dim and each MLA head part
constexpr int64_t kFfnWidth = 1 << 18;       // 262,144: d_ff and expert widths
constexpr int64_t kSharedWidth = 1 << 20;    // shared experts' total width
constexpr int64_t kPositions = 1 << 24;      // 16,777,216: tables, windows, context, tokens
constexpr int64_t kTokenTypes = 1 << 16;
constexpr int64_t kExperts = 4096;
constexpr int64_t kSharedExperts = 64;
constexpr int64_t kBuckets = 4096;           // T5 relative-position buckets
constexpr int64_t kLoraRank = 1 << 16;
constexpr double kCapacityFactor = 4096;     // at E experts, cf = E already fits every token
constexpr int64_t kJsonDepth = 64;           // nesting of config.json and safetensors headers
constexpr int64_t kConfigBytes = 16 << 20;   // a config.json (real ones are a few KB)
constexpr int64_t kTextInputBytes = 64 << 20;  // --text/--input-ids from a file or stdin
}  // namespace limits

struct Limit {
  std::string what;  // "d_model (hidden_size, n_embd, d_model)"
  std::string max;   // "65,536"
  std::string why;
};

// Every bound, in the order the README lists them.
const std::vector<Limit>& limit_table();
// The table as Markdown, exactly as the README quotes it.
std::string limit_table_markdown();

}  // namespace archscope
