// Bounded JSON parsing and quoting. nlohmann's parser is iterative, but its
// dump() and copies recurse; so documents are refused past a nesting depth,
// and values are summarised by looking one level down, never further.
#include "engine/io/json_input.h"

#include <vector>

#include "engine/errors.h"
#include "engine/model/limits.h"

namespace archscope {

namespace {

using json = nlohmann::json;

struct TooDeep {};

// "a.b.c" from the keys open at the error; array levels have no key.
std::string key_path(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (k.empty()) continue;
    out += (out.empty() ? "" : ".") + k;
  }
  return out;
}

// nlohmann's messages start "[json.exception.parse_error.101] "; keep what follows, bounded.
std::string library_message(const char* what) {
  std::string m = what;
  if (auto close = m.find("] "); m.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
    m = m.substr(close + 2);
  if (m.size() > 200) m = m.substr(0, 197) + "...";
  return m;
}

std::string scalar(const json& v, size_t max_chars) {
  if (v.is_string()) return quote_text(v.get_ref<const std::string&>(), max_chars);
  if (v.is_array()) return v.empty() ? "[]" : "[...]";
  if (v.is_object()) return v.empty() ? "{}" : "{...}";
  return v.dump();  // null, booleans and numbers: never recursive
}

}  // namespace

json parse_json_document(const char* begin, const char* end, const std::string& where) {
  std::vector<std::string> keys;  // keys[d]: the key open at depth d + 1
  auto track = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth + 1 > limits::kJsonDepth) throw TooDeep{};
        keys.resize(static_cast<size_t>(depth) + 1);
        break;
      case json::parse_event_t::key:
        keys.resize(static_cast<size_t>(depth));
        if (depth > 0) keys[static_cast<size_t>(depth) - 1] = parsed.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  auto at = [&] {
    const std::string path = key_path(keys);
    return path.empty() ? std::string() : " (at key " + quote_text(path, 120, '\'') + ")";
  };
  try {
    return json::parse(begin, end, track);
  } catch (const TooDeep&) {
    throw InputError(where + ": JSON nested deeper than " + std::to_string(limits::kJsonDepth) +
                     " levels" + at());
  } catch (const json::parse_error& e) {
    throw InputError(where + ": not valid JSON: " + library_message(e.what()) + at());
  } catch (const json::exception& e) {
    // out_of_range 406: a number beyond double range, such as 400 digits.
    throw InputError(where + ": " + library_message(e.what()) + at());
  }
}

std::string summarize_json(const json& v, size_t max_chars) {
  if (!v.is_array() && !v.is_object()) return scalar(v, max_chars);
  const bool array = v.is_array();
  std::string out = array ? "[" : "{";
  size_t shown = 0;
  bool nested = false;
  for (auto it = v.begin(); it != v.end() && out.size() < max_chars; ++it, ++shown) {
    if (shown) out += ", ";
    if (!array) out += quote_text(it.key(), 20) + ": ";
    nested |= it->is_array() || it->is_object();
    out += scalar(*it, max_chars / 2);
  }
  if (shown < v.size()) out += ", ...";
  out += array ? "]" : "}";
  if (shown < v.size() || nested)
    out += " (" + std::string(array ? "an array of " : "an object of ") + std::to_string(v.size()) +
           (array ? "" : " keys") + ")";
  return out;
}

std::string quote_text(std::string_view text, size_t max_chars, char quote) {
  size_t cut = std::min(text.size(), max_chars);
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(1, quote);
  for (size_t i = 0; i < cut; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  if (cut < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace archscope
