// A widget that shows one view: its own ImGui context drawn offscreen on the
// app's device, painted as an image. Qt's mouse events are queued and fed to
// ImGui one button change per frame (ImGui 1.86 has no input queue). Frames
// are drawn only when something changed: a new scene, the theme, the size,
// or the pointer. Without a device it paints the view with QPainter.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QImage>
#include <QWidget>

#include "app/render/imgui_renderer.h"
#include "app/views/view.h"

namespace archscope::window {

class RenderHub;

// What every surface reads when it draws: the scene, the theme, the actions.
struct SurfaceInputs {
  std::shared_ptr<const views::Scene> scene;
  views::Theme theme;
  const views::Actions* actions = nullptr;
};

class ViewSurface : public QWidget {
  Q_OBJECT

 public:
  ViewSurface(std::unique_ptr<views::View> view, RenderHub& hub, const SurfaceInputs& inputs, QWidget* parent = nullptr);
  ~ViewSurface() override;

  views::View& view() { return *view_; }
  const views::View& view() const { return *view_; }
  // The scene or theme changed: draw again.
  void invalidate();
  // The last finished frame (the software path paints one on demand).
  QImage image();
  uint64_t frames_done() const { return frames_done_; }
  // The scene version of the last finished frame.
  uint64_t drawn_version() const { return drawn_version_; }

  // Where the last frame's named click targets are, in widget coordinates.
  std::optional<QRectF> hotspot(const std::string& name) const;

  // The pump's hooks.
  bool wants_frame() const;
  bool busy() const { return in_flight_; }
  void start_frame();
  bool poll_frame();  // true when a frame finished now

 signals:
  void activated(ViewSurface* surface);  // clicked: the target of "export view"

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct ButtonEvent {
    bool down;
    float x, y;
  };
  views::Theme scaled_theme() const;
  void paint_software(QPainter& painter);

  std::unique_ptr<views::View> view_;
  RenderHub& hub_;
  const SurfaceInputs& inputs_;
  std::unique_ptr<render::ImGuiRenderer> renderer_;  // null without a device
  std::deque<ButtonEvent> buttons_;
  float mouse_x_ = -1e6f, mouse_y_ = -1e6f, wheel_ = 0;
  int frames_wanted_ = 2;
  bool in_flight_ = false;
  uint64_t frames_done_ = 0;
  uint64_t drawn_version_ = 0, frame_version_ = 0;
  QImage image_;
  std::vector<std::pair<std::string, views::Rect>> hotspots_, frame_hotspots_;
  double last_frame_seconds_ = 0;
};

}  // namespace archscope::window
