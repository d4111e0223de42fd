// Hugging Face weight names -> the engine's ModelWeights, for every layout of
// ModelSpec. A missing or mis-shaped tensor is an InputError naming it; a
// tensor the model does not use is reported, or refused when it would change
// the numbers under another reading of the config (checkpoint_audit.h).
#pragma once

#include <string>

#include "engine/io/checkpoint_reader.h"
#include "engine/io/safetensors.h"
#include "engine/model/model_spec.h"
#include "engine/model/weights.h"

namespace archscope {

// Reads every tensor `spec` needs. First settles what config.json leaves to the
// checkpoint, which may change `spec`: a T5 head is the file's lm_head.weight
// whenever it has one. Warnings go to `report`; nothing is printed.
ModelWeights load_hf_weights(ModelSpec& spec, const SafetensorsFile& file, LoadReport& report);

// The same settling and checks of names and shapes, from the header alone:
// no tensor data is read and no weights are made.
LoadReport check_hf_weights(ModelSpec& spec, const SafetensorsFile& file);

// A model folder: config.json + model.safetensors.
struct LoadedModel {
  ModelSpec spec;
  ModelWeights weights;  // empty from inspect_hf_model
  LoadReport report;
};
LoadedModel load_hf_model(const std::string& folder);
// What load_hf_model would say about a folder, without reading tensor data.
LoadedModel inspect_hf_model(const std::string& folder);

}  // namespace archscope
