// ModelSpec -> a Hugging Face config.json, the inverse of hf_config.h for the
// model types both sides know. The result is checked by importing it again:
// a spec the config cannot express exactly (Falcon's parallel block, GShard's
// sinusoidal positions) is refused, naming what would change.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model/model_spec.h"

namespace archscope {

struct ExportedConfig {
  nlohmann::ordered_json config;
  // What a config cannot hold and the folder will therefore run differently
  // unless told (a capacity factor, a drop policy), each with the flag to give.
  std::vector<std::string> notes;
};

// Throws InputError when no supported model type describes `spec` exactly.
ExportedConfig export_hf_config(const ModelSpec& spec, const std::string& name);

// Differences in everything that changes the forward pass except routing
// capacity, each as "field: a vs b"; empty when the two compute the same.
std::vector<std::string> structural_differences(const ModelSpec& a, const ModelSpec& b);

}  // namespace archscope
