// `archscope devices`: the Vulkan devices this machine has, and which one the
// window and the Vulkan backend would use.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "compute/context.h"
#include "engine/io/trace_export.h"
#include "engine/model/ledger_report.h"

namespace archscope {

void add_devices_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "List the Vulkan devices and the one Archscope picks");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print the list as JSON");
  cmd->callback([json] {
    const std::vector<gpu::DeviceInfo> devices = gpu::Context::list_devices();
    // The pick follows the same rules as the window: --device or ARCHSCOPE_DEVICE, else the best.
    gpu::Context context({std::nullopt, gpu::Validation::Off});
    const int chosen = context.info().index;
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& d : devices)
        out.push_back({{"index", d.index}, {"name", d.name}, {"type", d.type},
                       {"api_version", d.api_version}, {"driver", d.driver},
                       {"memory_bytes", d.memory_bytes}, {"usable", d.usable},
                       {"chosen", d.index == chosen}});
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("%-3s %-5s %-10s %-8s %-10s %s\n", "", "index", "type", "vulkan", "memory", "name (driver)");
    for (const auto& d : devices)
      std::printf("%-3s %-5d %-10s %-8s %-10s %s (%s)%s\n", d.index == chosen ? "*" : "", d.index,
                  d.type.c_str(), d.api_version.c_str(), human_bytes(static_cast<double>(d.memory_bytes)).c_str(),
                  d.name.c_str(), d.driver.c_str(), d.usable ? "" : "  [no graphics+compute queue]");
    std::printf("\n* the device in use. Pick another with --device N or ARCHSCOPE_DEVICE=N.\n");
  });
}

}  // namespace archscope
