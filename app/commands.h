// The headless subcommands of `archscope`; each needs no display.
#pragma once

#include <CLI/CLI.hpp>

namespace archscope {

// Registers `presets` on the app; the returned callback runs it.
void add_presets_command(CLI::App& app);
void add_info_command(CLI::App& app);

}  // namespace archscope
