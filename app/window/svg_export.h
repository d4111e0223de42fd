// A view as SVG, drawn by the same view code through QPainter and Qt SVG.
#pragma once

#include <string>

#include "app/views/view.h"

namespace archscope::window {

// Needs a QGuiApplication (the command line makes an offscreen one). Throws
// InputError naming the file when it cannot be written.
void write_svg(const std::string& path, views::View& view, const views::Scene& scene, const views::Theme& theme,
               int width, int height);

// Makes sure a QGuiApplication exists for headless drawing (fonts need one),
// using the offscreen platform when there is no display.
void ensure_gui_application();

}  // namespace archscope::window
