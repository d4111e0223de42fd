// Numbers and token ids as people type them (flags, text boxes, files), each
// checked against its bounds with a message that says what was wanted and
// what was found: "--context must be a positive integer up to 16,777,216,
// found 0". Throws InputError; `what` names the flag or field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace archscope {

// An integer in [min, max]; decimal digits with an optional sign, nothing else.
int64_t parse_integer(std::string_view text, const std::string& what, int64_t min, int64_t max);

// Any unsigned 64-bit integer (seeds).
uint64_t parse_unsigned(std::string_view text, const std::string& what);

// A finite number in (0, max]: "1.25", "0.5", "2e-1"; nan and inf are refused.
double parse_positive_number(std::string_view text, const std::string& what, double max);

// Token ids separated by commas and/or white space ("3,17,5", one per line),
// each in [0, limits::kVocab), at most limits::kPositions of them.
std::vector<int> parse_token_ids(std::string_view text, const std::string& what);

// Long inputs outgrow a command-line argument (128 KiB): "@path" stands for
// the contents of a file and "-" for standard input, each at most
// limits::kTextInputBytes; anything else is the text itself.
std::string resolve_text_argument(const std::string& value, const std::string& what);

}  // namespace archscope
