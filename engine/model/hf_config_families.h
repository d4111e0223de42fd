// The per-family importers behind import_hf_config, shared between the dense
// families (hf_config.cpp) and the mixture-of-experts ones (hf_config_moe.cpp).
// Defaults are those of each configuration_*.py in transformers 5.17.
#pragma once

#include <string>

#include "engine/model/config_reader.h"
#include "engine/model/model_spec.h"

namespace archscope::hf {

void require_silu(const ConfigReader& c);
// rope_theta (older files) or rope_parameters{rope_theta, rope_type, ...} (transformers 5).
RopeSpec read_rope(const ConfigReader& c, double default_theta);
// A count up to `max` (limits.h) whose absence means `fallback`. null is refused: the modules
// transformers builds from these keys multiply by them, so None fails there.
int count_or(const ConfigReader& c, const std::string& key, int fallback, int64_t max);

// The fields llama, mistral, mixtral and qwen2_moe share. No mask window and no
// biases: each model type reads those keys (or not) itself.
ModelSpec import_llama_family(const ConfigReader& c, WeightLayout layout, double default_theta);
// The fields t5 and switch_transformers share.
ModelSpec import_t5_family(const ConfigReader& c, WeightLayout layout);

ModelSpec import_mixtral(const ConfigReader& c);
ModelSpec import_qwen2_moe(const ConfigReader& c);
ModelSpec import_deepseek(const ConfigReader& c, bool v3);
ModelSpec import_switch(const ConfigReader& c);

}  // namespace archscope::hf
