// `archscope export`: a preset written as a Hugging Face model folder
// (config.json + model.safetensors) that `run` and `info` open like any
// downloaded checkpoint, so examples need nothing beside the checkout.
#include <iostream>

#include "app/commands.h"
#include "engine/errors.h"
#include "engine/io/hf_weights_export.h"
#include "engine/io/random_weights.h"
#include "engine/io/text_input.h"
#include "engine/model/presets.h"

namespace archscope {

void add_export_command(CLI::App& app) {
  struct Options {
    std::string preset, folder, seed;
    bool full_size = false;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("export", "Write a preset as a Hugging Face model folder with seeded weights");
  cmd->add_option("preset", o->preset, "A preset name")->required();
  cmd->add_option("folder", o->folder, "The folder to write config.json and model.safetensors into")->required();
  cmd->add_flag("--full-size", o->full_size, "The published size instead of the classroom size (if memory allows)");
  cmd->add_option("--seed", o->seed, "Seed of the weights (default 1234, as `run` uses)")->type_name("UINT");
  cmd->add_flag("--force", o->force, "Replace a config.json or model.safetensors already in the folder");
  cmd->callback([o] {
    const Preset* p = find_preset(o->preset);
    if (!p) throw InputError("'" + o->preset + "' is not a preset (" + preset_names() + ")");
    const ModelSpec& spec = o->full_size ? p->full : p->classroom;
    const uint64_t seed = o->seed.empty() ? 1234 : parse_unsigned(o->seed, "--seed");
    const std::string name = p->name + (o->full_size ? "" : "-classroom");
    const ModelWeights weights = make_random_weights(spec, seed);
    for (const auto& note : export_hf_model(spec, weights, o->folder, name, o->force))
      std::cerr << "archscope: note: " << note << "\n";
    std::cout << "wrote " << name << " to " << o->folder << " (config.json, model.safetensors)\n";
  });
}

}  // namespace archscope
