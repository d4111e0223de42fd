// Import of a Hugging Face config.json into a ModelSpec, for the model types
// bert, gpt2, llama, mistral, mixtral, qwen2_moe, deepseek_v2, deepseek_v3, t5
// and switch_transformers. Every problem is an InputError naming file and key.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/model/model_spec.h"

namespace archscope {

// `path` is a config.json or a folder holding one.
ModelSpec import_hf_config(const std::string& path);
// `where` names the source in messages ("models/x/config.json").
ModelSpec import_hf_config(const nlohmann::json& config, const std::string& where);
// Parses the text of a config.json; malformed JSON is an InputError naming `where`.
ModelSpec import_hf_config_text(const std::string& text, const std::string& where);

}  // namespace archscope
