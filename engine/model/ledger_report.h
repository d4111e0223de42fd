// The ledger as JSON (for `archscope info --json`) and as a readable table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/model/ledger.h"
#include "engine/model/model_spec.h"

namespace archscope {

nlohmann::json spec_to_json(const ModelSpec& spec);
nlohmann::json ledger_to_json(const ModelSpec& spec, const Ledger& ledger);
std::string ledger_to_text(const ModelSpec& spec, const Ledger& ledger);
// What each stack's self-attention sees, in words: "causal", "sliding-window
// (4096 keys)", "encoder bidirectional, decoder causal". `brief` fits a table
// column: "enc bidir, dec causal".
std::string describe_mask(const ModelSpec& spec, bool brief = false);
// The capacity rule with its value: "factor 1.25: C = ceil(1.25 T 2 / 8) (k-aware), from 1 to T",
// "fixed: 64 slots per expert", "dropless".
std::string describe_capacity(const MoeSpec& moe);
// "6,738,415,616"
std::string with_commas(int64_t n);
// "6.74B", "124M"
std::string short_count(double n);
// "26.9 GiB", "512 KiB"
std::string human_bytes(double bytes);

}  // namespace archscope
