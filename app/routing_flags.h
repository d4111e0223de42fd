// The routing flags shared by `run` and `render`: capacity, its formula, the
// drop policy and output, top-k and the router function, applied to a spec.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "engine/model/model_spec.h"

namespace archscope {

struct RoutingFlags {
  double capacity_factor = 0;
  int capacity = 0;
  bool dropless = false;
  std::string capacity_formula, drop_policy, drop_output, router;
  int top_k = 0;

  // Registers the flags on a subcommand.
  void add_to(CLI::App* cmd);
  bool any() const;
  // Applies the flags to `spec`; InputError for a dense model or an invalid result.
  void apply(ModelSpec& spec) const;
};

}  // namespace archscope
