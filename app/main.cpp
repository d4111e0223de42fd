// archscope: with no subcommand the window (on the last model, or the default
// classroom MoE); subcommands run headless and need no display.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "engine/errors.h"
#ifdef ARCHSCOPE_HAVE_VULKAN
#include "compute/context.h"
#include "compute/vulkan_backend.h"
#endif
#include "engine/model/ledger.h"
#include "engine/model/ledger_report.h"
#include "engine/model/presets.h"
#ifdef ARCHSCOPE_HAVE_GUI
#include "app/window/launch.h"
#endif

int main(int argc, char** argv) {
  using namespace archscope;
#ifdef ARCHSCOPE_HAVE_VULKAN
  // Before the commands are made: `run --backend` lists the names it accepts.
  gpu::register_vulkan_backend();
#endif
  CLI::App app{"Archscope: explore how transformer architectures differ, by running them"};
  app.require_subcommand(0, 1);
  add_presets_command(app);
  add_info_command(app);
  add_run_command(app);
  add_export_command(app);
#ifdef ARCHSCOPE_HAVE_VULKAN
  add_devices_command(app);
  int device = -1;
  app.add_option("--device", device, "Vulkan device to use (see `archscope devices`); or ARCHSCOPE_DEVICE")
      ->check(CLI::NonNegativeNumber);
  // Every Vulkan context of the process reads the choice from the environment.
  app.parse_complete_callback([&device] {
    if (device >= 0) setenv("ARCHSCOPE_DEVICE", std::to_string(device).c_str(), 1);
  });
#endif
#ifdef ARCHSCOPE_HAVE_GUI
  add_render_command(app);
  window::LaunchOptions launch;
  app.add_option("model", launch.model, "A preset or Hugging Face model folder to open in the window");
  app.add_option("--preset", launch.model, "The preset to open in the window");
  app.add_option("--screenshot", launch.screenshot,
                 "Open the window, wait for its first complete frame, save it as this PNG and quit");
  app.add_flag("--presentation", launch.presentation, "Start in presentation mode (large type, high contrast)");
#endif
  try {
    app.parse(argc, argv);
#ifdef ARCHSCOPE_HAVE_GUI
    if (app.get_subcommands().empty()) return window::run_window(argc, argv, launch);
#endif
    if (app.get_subcommands().empty()) {
      const Preset& p = default_preset();
      std::cout << "This build has no window (ARCHSCOPE_WITH_GUI=OFF); here is the ledger of the "
                   "default model ("
                << p.name << ") instead.\n"
                << "Run `archscope --help` for the headless commands.\n\n"
                << ledger_to_text(p.full, compute_ledger(p.full));
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const InputError& e) {
    std::cerr << "archscope: " << e.what() << "\n";
    return 2;
#ifdef ARCHSCOPE_HAVE_VULKAN
  } catch (const gpu::DeviceError& e) {
    std::cerr << "archscope: " << e.what() << "\n";
    return 5;
#endif
  } catch (const ResourceError& e) {
    std::cerr << "archscope: " << e.what() << "\n";
    return 3;
  } catch (const OutputError& e) {
    std::cerr << "archscope: " << e.what() << "\n";
    return 4;
  } catch (const std::exception& e) {
    std::cerr << "archscope: internal error: " << e.what() << "\n";
    return 1;
  }
  // Output to a full disk or a closed pipe must not end in exit status 0.
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::cerr << "archscope: writing to standard output failed (" << std::strerror(errno) << ")\n";
    return 4;
  }
  return 0;
}
