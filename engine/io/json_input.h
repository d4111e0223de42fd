// JSON from files people download (config.json, safetensors headers): parsed
// with a nesting limit, with errors that name the file and the key, and with
// bounded, non-recursive summaries of bad values for messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace archscope {

// Parses [begin, end) as one JSON document. Malformed text, numbers beyond
// double range and nesting deeper than limits::kJsonDepth are InputErrors of
// the form "<where>: <problem> (at key 'a.b')".
nlohmann::json parse_json_document(const char* begin, const char* end, const std::string& where);

// A value as a message may quote it: at most about `max_chars` characters,
// built without recursion, so a value of 50,000 nested arrays costs nothing:
// 7, "silu", [1, 2, 3], [[...], ...] (an array of 2), {"a": ...} (an object of 3 keys).
std::string summarize_json(const nlohmann::json& value, size_t max_chars = 60);

// Text from a file or a flag, safe to print: quoted, control bytes escaped,
// cut to about `max_chars` (on a UTF-8 boundary) with the full length noted.
std::string quote_text(std::string_view text, size_t max_chars = 60, char quote = '"');

}  // namespace archscope
