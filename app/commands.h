// The subcommands of `archscope`; each runs headless, with no display.
#pragma once

#include <CLI/CLI.hpp>

namespace archscope {

// Each registers one subcommand and its callback on the app.
void add_presets_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_run_command(CLI::App& app);
// Built with Vulkan: the device list.
void add_devices_command(CLI::App& app);
// Built with the window: views drawn headless.
void add_render_command(CLI::App& app);
void add_export_command(CLI::App& app);

}  // namespace archscope
