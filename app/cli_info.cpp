// `archscope presets` and `archscope info`: the preset table and the ledger.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/model_source.h"
#include "engine/errors.h"
#include "engine/model/compat.h"
#include "engine/io/json_input.h"
#include "engine/io/text_input.h"
#include "engine/model/ledger.h"
#include "engine/model/ledger_report.h"
#include "engine/model/limits.h"
#include "engine/model/presets.h"

namespace archscope {

void add_presets_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("presets", "List every architecture preset");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print the table as JSON");
  cmd->callback([json] {
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& p : presets()) {
        Ledger l = compute_ledger(p.full);
        out.push_back({{"name", p.name},
                       {"description", p.full.description},
                       {"params_total", l.params_total},
                       {"params_active", l.params_active},
                       {"model", spec_to_json(p.full)},
                       {"classroom", spec_to_json(p.classroom)}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("%-14s %-16s %-5s %-22s %9s %9s  %s\n", "preset", "family", "attn", "mask", "params",
                "active", "description");
    for (const auto& p : presets()) {
      Ledger l = compute_ledger(p.full);
      std::printf("%-14s %-16s %-5s %-22s %9s %9s  %s\n", p.name.c_str(), to_string(p.full.family),
                  to_string(p.full.attention), describe_mask(p.full, true).c_str(),
                  short_count(l.params_total).c_str(), short_count(l.params_active).c_str(),
                  p.full.description.c_str());
    }
    std::printf("\nEach preset also has a classroom size (same structure, small widths) that "
                "`archscope run` uses.\n");
  });
}

namespace {

// "q,k,v,o,gate,up,down" -> LoraTarget bits.
unsigned parse_lora_targets(const std::string& list) {
  static const std::pair<const char*, LoraTarget> names[] = {
      {"q", kLoraQ},       {"k", kLoraK},   {"v", kLoraV},      {"o", kLoraO},
      {"gate", kLoraGate}, {"up", kLoraUp}, {"down", kLoraDown}};
  unsigned bits = 0;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    bool known = false;
    for (auto [name, bit] : names)
      if (item == name) {
        bits |= bit;
        known = true;
      }
    if (!known)
      throw InputError("--lora-targets: expected names from q, k, v, o, gate, up, down; found " +
                       quote_text(item, 40, '\''));
  }
  return bits;
}

}  // namespace

void add_info_command(CLI::App& app) {
  struct Options {
    std::string model;
    bool json = false;
    bool classroom = false;
    std::string dtype = "bf16";
    std::string compat;
    std::string context, lora_rank, lora_targets;  // parsed below, so errors say what is wanted
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("info", "Print the ledger of a preset, config.json or model folder");
  cmd->add_option("model", o->model, "A preset name, a config.json, or a model folder")->required();
  cmd->add_flag("--json", o->json, "Print the ledger as JSON");
  cmd->add_option("--dtype", o->dtype, "KV-cache and weight dtype: fp32, bf16, fp16, fp8");
  cmd->add_option("--context", o->context,
                  "Context length for FLOPs per token (default 4096, or the position table when shorter)")
      ->type_name("INT");
  cmd->add_option("--compat", o->compat, compat_mode_help());
  cmd->add_flag("--classroom", o->classroom, "Use the preset's classroom size");
  cmd->add_option("--lora-rank", o->lora_rank, "Count the trainable parameters of LoRA adapters of this rank")
      ->type_name("INT");
  cmd->add_option("--lora-targets", o->lora_targets,
                  "Projections the adapters wrap (with --lora-rank; default q,v): q,k,v,o,gate,up,down");
  cmd->callback([o] {
    // 0: the model's default (ledger.h)
    const int64_t context = o->context.empty() ? 0 : parse_integer(o->context, "--context", 1, limits::kPositions);
    ModelSource source = resolve_model(o->model, o->classroom);
    if (o->classroom && !source.is_preset)
      throw InputError("--classroom chooses a preset's small size; " + o->model + " is not a preset");
    if (!o->lora_targets.empty() && o->lora_rank.empty())
      throw InputError("--lora-targets needs --lora-rank: without a rank there are no adapters to count");
    check_checkpoint(source);
    if (!o->compat.empty()) apply_compat_mode(source.spec, o->compat);
    if (!o->lora_rank.empty()) {
      source.spec.lora.rank = static_cast<int>(parse_integer(o->lora_rank, "--lora-rank", 1, limits::kLoraRank));
      source.spec.lora.targets = parse_lora_targets(o->lora_targets.empty() ? "q,v" : o->lora_targets);
    }
    Ledger l = compute_ledger(source.spec, parse_dtype(o->dtype), context);
    if (o->json) {
      nlohmann::json j = ledger_to_json(source.spec, l);
      if (!checkpoint_path(source).empty()) j["load_warnings"] = load_warnings_json(source.report);
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << ledger_to_text(source.spec, l);
    }
    print_load_warnings(source.report, std::cerr);
  });
}

}  // namespace archscope
