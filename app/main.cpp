// archscope: with no arguments the GUI (not built yet: it prints the ledger of
// the default model); subcommands run headless and need no display.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "engine/errors.h"
#include "engine/model/ledger.h"
#include "engine/model/ledger_report.h"
#include "engine/model/presets.h"

int main(int argc, char** argv) {
  using namespace archscope;
  CLI::App app{"Archscope: explore how transformer architectures differ, by running them"};
  app.require_subcommand(0, 1);
  add_presets_command(app);
  add_info_command(app);
  add_run_command(app);
  add_export_command(app);
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      const Preset& p = default_preset();
      std::cout << "The Archscope window is not part of this build yet; here is the ledger of the "
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
