// The help layer.
#include "app/window/shortcuts_overlay.h"

#include <QPainter>

namespace archscope::window {

namespace {

const std::pair<const char*, const char*> kShortcuts[] = {
    {"Ctrl+O", "open a Hugging Face model folder (or drop one on the window)"},
    {"Ctrl+PgUp / Ctrl+PgDown", "previous / next preset"},
    {"[  /  ]", "capacity factor down / up by 0.05"},
    {"Alt+Up / Alt+Down", "previous / next layer"},
    {"Alt+Left / Alt+Right", "previous / next head"},
    {"Ctrl+1 … Ctrl+9", "show a view: architecture, mask, attention, router, load, tokens, metrics, ledger, objective"},
    {"click a token", "select it: its path is highlighted in every view (click again or Esc to clear)"},
    {"click a small map", "enlarge that layer and head in the attention view"},
    {"Ctrl+E / Ctrl+Shift+E", "export the view last clicked as PNG / SVG"},
    {"Ctrl+R", "reset builder edits to the model as loaded"},
    {"F5", "presentation mode: large type, high contrast, no builder"},
    {"Ctrl+Shift+T / Ctrl+Shift+A", "teaching layout / all views side by side"},
    {"F1 or ?", "this help; Esc closes it"},
};

}  // namespace

ShortcutsOverlay::ShortcutsOverlay(QWidget* parent) : QWidget(parent) { setAttribute(Qt::WA_NoSystemBackground); }

void ShortcutsOverlay::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(0, 0, 0, 190));
  QFont title = font();
  title.setPointSizeF(20);
  title.setBold(true);
  QFont keys = font();
  keys.setPointSizeF(14);
  keys.setBold(true);
  QFont text = font();
  text.setPointSizeF(14);
  const int x = width() / 8, key_w = width() / 4;
  int y = height() / 8;
  p.setPen(Qt::white);
  p.setFont(title);
  p.drawText(x, y, "Keyboard shortcuts");
  y += 50;
  for (const auto& [k, what] : kShortcuts) {
    p.setFont(keys);
    p.setPen(QColor(0xFF, 0xD2, 0x7F));
    p.drawText(x, y, k);
    p.setFont(text);
    p.setPen(Qt::white);
    p.drawText(QRect(x + key_w, y - 22, width() - x * 2 - key_w, 60), Qt::TextWordWrap, what);
    y += 40;
  }
}

void ShortcutsOverlay::mousePressEvent(QMouseEvent*) { hide(); }

}  // namespace archscope::window
