// QApplication, the window, and screenshot mode.
#include "app/window/launch.h"

#include <cstdlib>
#include <iostream>

#include <QApplication>

#include "app/window/main_window.h"

namespace archscope::window {

bool display_available() {
  return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || std::getenv("QT_QPA_PLATFORM");
}

int run_window(int argc, char** argv, const LaunchOptions& o) {
  const bool screenshot = !o.screenshot.empty();
  if (screenshot && !display_available()) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  if (!display_available()) {
    std::cerr << "archscope: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                 "  Draw views headless:   archscope render mixtral --view load --out load.png\n"
                 "  Picture of the window: archscope --screenshot window.png [--preset NAME]\n"
                 "  Or start a virtual display: xvfb-run -a archscope\n";
    return 2;
  }
  QApplication::setOrganizationName("Archscope");
  QApplication::setApplicationName("Archscope");
  QApplication app(argc, argv);
  WindowOptions options;
  options.use_settings = !screenshot;
  options.model = o.model;
  options.presentation = o.presentation;
  MainWindow window(options);
  window.resize(o.width, o.height);
  window.show();
  if (!screenshot) return app.exec();

  if (!window.settle(120000)) {
    std::cerr << "archscope: the window did not finish its first frame within two minutes\n";
    return 1;
  }
  if (!window.banner_text().isEmpty()) std::cerr << "archscope: " << window.banner_text().toStdString() << "\n";
  if (!window.grab().save(QString::fromStdString(o.screenshot), "PNG")) {
    std::cerr << "archscope: " << o.screenshot << ": could not be written\n";
    return 1;
  }
  std::cout << "wrote " << o.screenshot << "\n";
  return 0;
}

}  // namespace archscope::window
