// Resolves the <preset | config.json | model folder> argument of the
// subcommands to a ModelSpec and, for folders, where the weights are.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/io/checkpoint_reader.h"
#include "engine/model/model_spec.h"

namespace archscope {

struct ModelSource {
  ModelSpec spec;
  bool is_preset = false;
  std::string folder;  // a model folder, when the argument named one
  LoadReport report;   // what checking or loading the folder's checkpoint found
};

// `classroom`: for presets, the classroom size instead of the published one.
ModelSource resolve_model(const std::string& arg, bool classroom);

// The folder's model.safetensors, or "" when there is none.
std::string checkpoint_path(const ModelSource& source);

// Checks the folder's checkpoint against the spec from its header alone
// (names, shapes, unused tensors), settling what the config leaves to it;
// nothing when there is no checkpoint. Refusals are InputErrors.
void check_checkpoint(ModelSource& source);

// "warning: ..." lines on `out`, one per entry of the report.
void print_load_warnings(const LoadReport& report, std::ostream& out);
nlohmann::json load_warnings_json(const LoadReport& report);

}  // namespace archscope
