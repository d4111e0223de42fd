// Checked reads of config.json fields.
#include "engine/model/config_reader.h"

#include <cmath>
#include <limits>

#include "engine/errors.h"
#include "engine/io/json_input.h"
#include "engine/model/ledger_report.h"

namespace archscope {

ConfigReader::ConfigReader(const nlohmann::json& object, std::string where, std::string prefix)
    : object_(object), where_(std::move(where)), prefix_(std::move(prefix)) {}

const nlohmann::json* ConfigReader::find(const std::string& key) const {
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool ConfigReader::has(const std::string& key) const { return find(key) != nullptr; }

bool ConfigReader::is_null(const std::string& key) const {
  auto it = object_.find(key);
  return it != object_.end() && it->is_null();
}

void ConfigReader::fail(const std::string& key, const std::string& expected) const {
  const nlohmann::json* v = find(key);
  std::string found = "nothing (the key is missing)";
  if (object_.contains(key) && object_[key].is_null()) found = "null";
  if (v) found = summarize_json(*v);
  throw InputError(where_ + ": key " + quote_text(prefix_ + key, 80, '\'') + ": expected " + expected +
                   ", found " + found);
}

void ConfigReader::fail_value(const std::string& key, const std::string& problem) const {
  throw InputError(where_ + ": key " + quote_text(prefix_ + key, 80, '\'') + ": " + problem);
}

long long ConfigReader::integer(const std::string& key, const nlohmann::json& v,
                                const std::string& expected) const {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
      return static_cast<long long>(d);
  }
  fail(key, expected);
}

namespace {
std::string up_to(const char* kind, int64_t max) { return std::string(kind) + " up to " + with_commas(max); }
}  // namespace

int ConfigReader::positive_int(const std::string& key, int64_t max) const {
  const std::string expected = up_to("a positive integer", max);
  const nlohmann::json* v = find(key);
  if (!v) fail(key, expected);
  long long n = integer(key, *v, expected);
  if (n <= 0 || n > max || n > std::numeric_limits<int>::max()) fail(key, expected);
  return static_cast<int>(n);
}

int ConfigReader::positive_int_or(const std::string& key, int fallback, int64_t max) const {
  return has(key) ? positive_int(key, max) : fallback;
}

int ConfigReader::non_negative_int_or(const std::string& key, int fallback, int64_t max) const {
  const std::string expected = up_to("a non-negative integer", max);
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  long long n = integer(key, *v, expected);
  if (n < 0 || n > max || n > std::numeric_limits<int>::max()) fail(key, expected);
  return static_cast<int>(n);
}

double ConfigReader::number_or(const std::string& key, double fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number()) fail(key, "a number");
  double d = v->get<double>();
  if (!std::isfinite(d)) fail(key, "a finite number");
  return d;
}

double ConfigReader::positive_number_or(const std::string& key, double fallback) const {
  double d = number_or(key, fallback);
  if (!(d > 0)) fail(key, "a positive number");
  return d;
}

bool ConfigReader::bool_or(const std::string& key, bool fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, "true or false");
  return v->get<bool>();
}

std::string ConfigReader::string_or(const std::string& key, const std::string& fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) fail(key, "a string");
  return v->get<std::string>();
}

std::vector<int> ConfigReader::int_list_or(const std::string& key, std::vector<int> fallback,
                                           int64_t max) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  const std::string expected = "a list of at most " + with_commas(max) + " integers from 0 to " + with_commas(max);
  if (!v->is_array() || v->size() > static_cast<size_t>(max)) fail(key, expected);
  std::vector<int> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() || e.get<long long>() < 0 || e.get<long long>() > max) fail(key, expected);
    out.push_back(static_cast<int>(e.get<long long>()));
  }
  return out;
}

std::optional<ConfigReader> ConfigReader::object(const std::string& key) const {
  const nlohmann::json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_object()) fail(key, "an object");
  return ConfigReader(*v, where_, prefix_ + key + ".");
}

}  // namespace archscope
