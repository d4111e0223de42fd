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
// "6,738,415,616"
std::string with_commas(int64_t n);
// "6.74B", "124M"
std::string short_count(double n);
// "26.9 GiB", "512 KiB"
std::string human_bytes(double bytes);

}  // namespace archscope
