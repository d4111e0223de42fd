// The smallest models of every exportable family (d_model 8, two layers, a
// 32-word vocabulary): seeds for the fuzz targets that run whole models, small
// enough that one execution takes microseconds.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model_spec.h"

namespace archscope::fuzz {

struct TinyModel {
  std::string name;  // "mixtral-tiny"
  ModelSpec spec;
};

std::vector<TinyModel> tiny_models();

// The run target's input: 4-byte little-endian length of the config text,
// the config text, then the safetensors bytes.
std::string pack_run_input(const std::string& config, const std::string& safetensors);

}  // namespace archscope::fuzz
