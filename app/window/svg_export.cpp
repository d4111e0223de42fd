// SVG through QSvgGenerator.
#include "app/window/svg_export.h"

#include <cstdlib>

#include <QBuffer>
#include <QGuiApplication>
#include <QSvgGenerator>

#include "app/render/headless.h"
#include "app/views/plot.h"
#include "app/window/painter_canvas.h"

namespace archscope::window {

void ensure_gui_application() {
  if (QGuiApplication::instance()) return;
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") && !std::getenv("QT_QPA_PLATFORM"))
    setenv("QT_QPA_PLATFORM", "offscreen", 1);
  static int argc = 1;
  static char name[] = "archscope";
  static char* argv[] = {name, nullptr};
  // Lives until the process ends: destroying it during static destruction would
  // race Qt's own teardown.
  static QGuiApplication* app = new QGuiApplication(argc, argv);
  (void)app;
}

void write_svg(const std::string& path, views::View& view, const views::Scene& scene, const views::Theme& theme,
               int width, int height) {
  ensure_gui_application();
  QBuffer buffer;
  buffer.open(QIODevice::WriteOnly);
  QSvgGenerator svg;
  svg.setOutputDevice(&buffer);
  svg.setSize(QSize(width, height));
  svg.setViewBox(QRect(0, 0, width, height));
  svg.setTitle(QString::fromUtf8(view.title()));
  svg.setDescription(QString::fromStdString("Archscope: " + scene.model_name));
  {
    QPainter painter(&svg);
    PainterCanvas canvas(painter);
    canvas.fill_rect({{0, 0}, {static_cast<float>(width), static_cast<float>(height)}}, theme.background, 0);
    views::ViewContext ctx{canvas, theme, scene, views::Rect{{0, 0}, {static_cast<float>(width), static_cast<float>(height)}}.inset(theme.pad),
                           nullptr, nullptr, {}};
    view.draw(ctx);
  }
  render::write_text_file(path, buffer.data().toStdString());
}

}  // namespace archscope::window
