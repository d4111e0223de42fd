// Hugging Face weight names -> the engine's ModelWeights, for every layout of
// ModelSpec. A missing or mis-shaped tensor is an InputError naming it.
#pragma once

#include <string>

#include "engine/model/model_spec.h"
#include "engine/io/safetensors.h"
#include "engine/model/weights.h"

namespace archscope {

ModelWeights load_hf_weights(const ModelSpec& spec, const SafetensorsFile& file);

// A model folder: config.json + model.safetensors.
struct LoadedModel {
  ModelSpec spec;
  ModelWeights weights;
};
LoadedModel load_hf_model(const std::string& folder);

}  // namespace archscope
