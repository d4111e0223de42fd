// Named compatibility modes: behaviours of older library versions that a user
// can ask for by name (`--compat`), never chosen silently from a config's
// transformers_version. Imports always describe what transformers 5.17 runs.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model_spec.h"

namespace archscope {

struct CompatMode {
  std::string name;       // "scaled-input"
  std::string versions;   // "transformers 4.25 to 4.51"
  std::string behaviour;  // one line: what the mode computes
  std::string source;     // where that behaviour lives in the library
};

// Every mode, in the order `--help` lists them.
const std::vector<CompatMode>& compat_modes();

// "scaled-input, zero": for messages.
std::string compat_mode_names();
// One line per mode with its versions and behaviour, for `--help`.
std::string compat_mode_help();

// Puts `spec` in the named mode. InputError when the name is unknown or the
// model is not one the mode applies to (both modes are Switch Transformers').
void apply_compat_mode(ModelSpec& spec, const std::string& name);

}  // namespace archscope
