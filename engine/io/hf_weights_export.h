// ModelWeights -> the tensor names and layouts Hugging Face transformers
// loads for each model type: the inverse of hf_weights.h, so that a preset
// written as a model folder runs to identical logits.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/model/model_spec.h"
#include "engine/model/weights.h"

namespace archscope {

// Named float32 tensors in checkpoint order (GPT-2's Conv1D weights
// transposed and its q, k, v fused, as the library stores them).
std::vector<std::pair<std::string, Tensor>> hf_tensors(const ModelSpec& spec, const ModelWeights& weights);

// Writes `folder`/config.json and `folder`/model.safetensors (creating the
// folder). Refuses to replace an existing config.json or model.safetensors
// unless `overwrite`. Returns the notes of export_hf_config.
std::vector<std::string> export_hf_model(const ModelSpec& spec, const ModelWeights& weights,
                                         const std::string& folder, const std::string& name, bool overwrite);

}  // namespace archscope
