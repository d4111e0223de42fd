// Every editable field of a ModelSpec as data: its path (the name validate()
// uses in its messages), a label, its kind, its choices, and how to read and
// write it. The builder makes its form from this table.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/model/model_spec.h"

namespace archscope::window {

struct SpecField {
  enum class Kind { Int, Double, Bool, Choice };
  std::string group;  // "Sizes", "Attention", ...
  std::string path;   // "moe.top_k"
  std::string label;  // "top-k"
  Kind kind = Kind::Int;
  std::vector<std::string> choices;  // Choice: names, index = value
  double min = 0, max = 1 << 20;      // Int and Double ranges the widget allows
  std::function<double(const ModelSpec&)> get;
  std::function<void(ModelSpec&, double)> set;
  std::function<bool(const ModelSpec&)> applies = [](const ModelSpec&) { return true; };
};

const std::vector<SpecField>& spec_fields();

// The field a validate() message is about ("moe.top_k = 9: ..." -> "moe.top_k").
std::string message_field(const std::string& message);

}  // namespace archscope::window
