// The keyboard help: a translucent layer over the window listing every
// shortcut, opened with F1 or ?, closed with Esc or a click.
#pragma once

#include <QWidget>

namespace archscope::window {

class ShortcutsOverlay : public QWidget {
  Q_OBJECT

 public:
  explicit ShortcutsOverlay(QWidget* parent);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
};

}  // namespace archscope::window
