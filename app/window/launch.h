// Starting the window from main(): with a display, or offscreen for
// --screenshot, which waits for the first complete frame, saves the whole
// window and quits.
#pragma once

#include <string>

namespace archscope::window {

struct LaunchOptions {
  std::string model;       // a preset or model folder to open (else the last one, else the default)
  std::string screenshot;  // save the window here and quit
  bool presentation = false;
  int width = 1680, height = 1050;
};

// The process's exit code.
int run_window(int argc, char** argv, const LaunchOptions& options);

// Is there a display to open a window on (X, Wayland, or a platform set by hand)?
bool display_available();

}  // namespace archscope::window
