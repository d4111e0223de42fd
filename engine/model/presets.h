// The preset table: every architecture of the mission at its published size
// (for the ledger) and at a classroom size with the same structure (same head
// ratios, experts, top-k and routing) that runs instantly on a laptop CPU.
// One exception: GShard's 2048 experts become 32 in the classroom, where a
// sentence's capacity would otherwise be 1 at every factor.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model_spec.h"

namespace archscope {

struct Preset {
  std::string name;  // short lowercase key: "llama3-8b"
  ModelSpec full;
  ModelSpec classroom;
};

const std::vector<Preset>& presets();
// nullptr when no preset has that name.
const Preset* find_preset(const std::string& name);
// The model the app opens on: a small MoE decoder.
const Preset& default_preset();
// "bert, gpt2, ..." for error messages.
std::string preset_names();

}  // namespace archscope
