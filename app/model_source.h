// Resolves the <preset | config.json | model folder> argument of the
// subcommands to a ModelSpec and, for folders, where the weights are.
#pragma once

#include <string>

#include "engine/model/model_spec.h"

namespace archscope {

struct ModelSource {
  ModelSpec spec;
  bool is_preset = false;
  std::string folder;  // a model folder, when the argument named one
};

// `classroom`: for presets, the classroom size instead of the published one.
ModelSource resolve_model(const std::string& arg, bool classroom);

}  // namespace archscope
