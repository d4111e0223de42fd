// `archscope run`'s flags as typed, and the plan they make once checked: the
// model with its routing overrides and the tokens to run. Planning touches no
// weights, so it is cheap, and everything a user can get wrong in a flag is
// found here: numbers out of range, flags that conflict or would be ignored.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/model_source.h"
#include "engine/run/forward.h"

namespace archscope {

// Every value as the user typed it; numbers are parsed by plan_run so that
// their messages say what was wanted in words.
struct RunOptions {
  std::string model;
  std::string input_ids, decoder_input_ids, text, decoder_text, attention_mask, token_type_ids;
  std::string backend = "cpu";
  std::string capacity_factor, capacity, top_k, seed;
  bool dropless = false;
  std::string capacity_formula, drop_policy, drop_output, compat;
  bool full_size = false;
  std::string dump;
  bool json = false;
};

void add_run_options(CLI::App& cmd, RunOptions& o);
// The routing flags alone (capacity, its formula, drop policy and output,
// top-k, --compat), which `render` shares with `run`.
void add_routing_options(CLI::App& cmd, RunOptions& o);
// Applies them to `spec`, refusing flags that conflict or would do nothing.
void apply_routing_overrides(ModelSpec& spec, const RunOptions& o);

struct RunPlan {
  ModelSource source;  // spec with the routing flags applied
  ForwardInputs inputs;
  uint64_t seed = 1234;            // of a preset's generated weights
  std::vector<std::string> notes;  // lossy conversions the user should know about
};

// Throws InputError (or SpecError) naming the flag for anything wrong.
RunPlan plan_run(const RunOptions& o);

}  // namespace archscope
