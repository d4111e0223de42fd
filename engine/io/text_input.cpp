// std::from_chars throughout: no locale, no exceptions, no silent wrapping.
#include "engine/io/text_input.h"

#include <charconv>
#include <cmath>

#include "engine/errors.h"
#include "engine/io/file_input.h"
#include "engine/io/json_input.h"
#include "engine/model/ledger_report.h"
#include "engine/model/limits.h"

namespace archscope {

namespace {

std::string_view trimmed(std::string_view s) {
  const char* space = " \t\r\n";
  const size_t first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

std::string range_words(int64_t min, int64_t max) {
  if (min == 1) return "a positive integer up to " + with_commas(max);
  if (min == 0) return "a non-negative integer up to " + with_commas(max);
  return "an integer from " + with_commas(min) + " to " + with_commas(max);
}

}  // namespace

int64_t parse_integer(std::string_view text, const std::string& what, int64_t min, int64_t max) {
  const std::string_view t = trimmed(text);
  int64_t v = 0;
  const char* begin = t.data();
  if (!t.empty() && t.front() == '+') ++begin;
  const auto [end, ec] = std::from_chars(begin, t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v < min || v > max)
    throw InputError(what + " must be " + range_words(min, max) + ", found " + quote_text(text, 40));
  return v;
}

uint64_t parse_unsigned(std::string_view text, const std::string& what) {
  const std::string_view t = trimmed(text);
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size())
    throw InputError(what + " must be a non-negative integer below 2^64, found " + quote_text(text, 40));
  return v;
}

double parse_positive_number(std::string_view text, const std::string& what, double max) {
  const std::string_view t = trimmed(text);
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v) || !(v > 0) ||
      v > max)
    throw InputError(what + " must be a positive finite number up to " +
                     with_commas(static_cast<int64_t>(max)) + ", found " + quote_text(text, 40));
  return v;
}

std::vector<int> parse_token_ids(std::string_view text, const std::string& what) {
  std::vector<int> ids;
  size_t at = 0, item = 0;
  auto separator = [](char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (at < text.size()) {
    // One token: the run of non-separators; a lone comma between separators is an empty item.
    while (at < text.size() && separator(text[at]) && text[at] != ',') ++at;
    if (at == text.size()) break;
    size_t end = at;
    while (end < text.size() && !separator(text[end])) ++end;
    const std::string_view token = text.substr(at, end - at);
    ++item;
    int64_t v = -1;
    const auto [stop, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (token.empty() || ec != std::errc() || stop != token.data() + token.size() || v < 0 ||
        v >= limits::kVocab)
      throw InputError(what + ": item " + std::to_string(item) + " must be a token id from 0 to " +
                       with_commas(limits::kVocab - 1) + ", found " + quote_text(token, 40));
    if (static_cast<int64_t>(ids.size()) == limits::kPositions)
      throw InputError(what + ": more than " + with_commas(limits::kPositions) + " token ids");
    ids.push_back(static_cast<int>(v));
    at = end;
    // Past the white space after the token, at most one comma belongs to it.
    while (at < text.size() && separator(text[at]) && text[at] != ',') ++at;
    if (at < text.size() && text[at] == ',') ++at;
  }
  if (ids.empty()) throw InputError(what + ": no token ids given");
  return ids;
}

std::string resolve_text_argument(const std::string& value, const std::string& what) {
  if (value == "-") return read_bounded_stdin(limits::kTextInputBytes, what + " from standard input");
  if (!value.empty() && value[0] == '@')
    return read_bounded_file(value.substr(1), limits::kTextInputBytes, what + " file");
  return value;
}

}  // namespace archscope
