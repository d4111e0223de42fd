// Typed, checked reads of JSON config fields. Each failure throws an
// InputError of the form  "<file>: key 'hidden_size': expected a positive
// integer, found "abc"".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace archscope {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& object, std::string where, std::string prefix = "");

  bool has(const std::string& key) const;  // present and not null
  // Present with the value null: transformers passes None on, which for some
  // keys means something other than the default (q_lora_rank: no compression).
  bool is_null(const std::string& key) const;
  // Integers in [1, max] or [0, max]; `max` comes from limits.h, and the
  // message of a value outside states it.
  int positive_int(const std::string& key, int64_t max) const;
  int positive_int_or(const std::string& key, int fallback, int64_t max) const;  // null/absent -> fallback
  int non_negative_int_or(const std::string& key, int fallback, int64_t max) const;
  double positive_number_or(const std::string& key, double fallback) const;
  double number_or(const std::string& key, double fallback) const;
  bool bool_or(const std::string& key, bool fallback) const;
  std::string string_or(const std::string& key, const std::string& fallback) const;
  // Non-negative integers up to `max`, at most `max` of them.
  std::vector<int> int_list_or(const std::string& key, std::vector<int> fallback, int64_t max) const;
  // A nested object; absent or null -> nullopt.
  std::optional<ConfigReader> object(const std::string& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  [[noreturn]] void fail_value(const std::string& key, const std::string& problem) const;
  const std::string& where() const { return where_; }

 private:
  const nlohmann::json* find(const std::string& key) const;
  long long integer(const std::string& key, const nlohmann::json& v, const std::string& expected) const;

  const nlohmann::json& object_;
  std::string where_;
  std::string prefix_;
};

}  // namespace archscope
