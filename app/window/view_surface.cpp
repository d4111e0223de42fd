// Feeding ImGui, drawing frames, painting them.
#include "app/window/view_surface.h"

#include <chrono>

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include "app/render/view_frame.h"
#include "app/views/plot.h"
#include "app/window/painter_canvas.h"
#include "app/window/render_hub.h"

namespace archscope::window {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ViewSurface::ViewSurface(std::unique_ptr<views::View> view, RenderHub& hub, const SurfaceInputs& inputs, QWidget* parent)
    : QWidget(parent), view_(std::move(view)), hub_(hub), inputs_(inputs) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMinimumSize(240, 160);
  if (hub.has_device()) renderer_ = std::make_unique<render::ImGuiRenderer>(*hub.device(), hub.fonts()->atlas());
  hub_.add(this);
}

ViewSurface::~ViewSurface() {
  hub_.remove(this);
  if (renderer_) renderer_->wait();
}

views::Theme ViewSurface::scaled_theme() const {
  views::Theme t = inputs_.theme;
  const float s = static_cast<float>(devicePixelRatioF());
  if (s == 1.0f) return t;
  t.small *= s;
  t.normal *= s;
  t.large *= s;
  t.title *= s;
  t.line *= s;
  t.pad *= s;
  return t;
}

void ViewSurface::invalidate() {
  frames_wanted_ = std::max(frames_wanted_, 2);  // ImGui settles window sizes on the second
  if (!renderer_) update();
  hub_.wake();
}

bool ViewSurface::wants_frame() const {
  return renderer_ && isVisible() && width() > 0 && height() > 0 && inputs_.scene &&
         (frames_wanted_ > 0 || !buttons_.empty());
}

void ViewSurface::start_frame() {
  const auto scene = inputs_.scene;  // held for the frame: an action may replace the window's
  const float dpr = static_cast<float>(devicePixelRatioF());
  ImGui::SetCurrentContext(renderer_->context());
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(mouse_x_ * dpr, mouse_y_ * dpr);
  if (!buttons_.empty()) {
    // One button change per frame, so a quick click is never lost.
    const ButtonEvent b = buttons_.front();
    buttons_.pop_front();
    io.MouseDown[0] = b.down;
    io.MousePos = ImVec2(b.x * dpr, b.y * dpr);
  }
  io.MouseWheel = wheel_;
  wheel_ = 0;
  const double t = now_seconds();
  const float dt = last_frame_seconds_ > 0 ? static_cast<float>(t - last_frame_seconds_) : 1.0f / 60;
  last_frame_seconds_ = t;
  renderer_->begin_frame(static_cast<int>(width() * dpr), static_cast<int>(height() * dpr), dt);

  render::FrameInput input;
  input.interactive = true;
  input.pointer.pos = {io.MousePos.x, io.MousePos.y};
  input.pointer.down = io.MouseDown[0];
  input.pointer.clicked = ImGui::IsMouseClicked(0);
  input.pointer.released = ImGui::IsMouseReleased(0);
  input.pointer.wheel = io.MouseWheel;
  const views::Theme theme = scaled_theme();
  frame_hotspots_.clear();
  input.hotspots = &frame_hotspots_;
  render::draw_view_frame(*view_, *scene, theme, *inputs_.actions, *hub_.fonts(), *renderer_, input);
  renderer_->submit(ImVec4(theme.background.r, theme.background.g, theme.background.b, 1));
  frame_version_ = scene->version;
  in_flight_ = true;
  if (frames_wanted_ > 0) --frames_wanted_;
}

bool ViewSurface::poll_frame() {
  if (!in_flight_ || renderer_->busy()) return false;
  in_flight_ = false;
  const auto& px = renderer_->pixels();
  image_ = QImage(px.data(), renderer_->width(), renderer_->height(), renderer_->width() * 4, QImage::Format_RGBA8888)
               .copy();
  image_.setDevicePixelRatio(devicePixelRatioF());
  drawn_version_ = frame_version_;
  hotspots_ = frame_hotspots_;
  ++frames_done_;
  update();
  return true;
}

std::optional<QRectF> ViewSurface::hotspot(const std::string& name) const {
  const double dpr = devicePixelRatioF();
  for (const auto& [n, r] : hotspots_)
    if (n == name) return QRectF(r.min.x / dpr, r.min.y / dpr, r.width() / dpr, r.height() / dpr);
  return std::nullopt;
}

QImage ViewSurface::image() {
  if (renderer_) return image_;
  QImage img(size() * devicePixelRatioF(), QImage::Format_RGBA8888);
  img.setDevicePixelRatio(devicePixelRatioF());
  QPainter p(&img);
  paint_software(p);
  return img;
}

void ViewSurface::paint_software(QPainter& painter) {
  const views::Theme& theme = inputs_.theme;
  PainterCanvas canvas(painter);
  const views::Rect full{{0, 0}, {static_cast<float>(width()), static_cast<float>(height())}};
  canvas.fill_rect(full, theme.background, 0);
  if (!inputs_.scene) return;
  views::Pointer pointer;
  pointer.pos = {mouse_x_, mouse_y_};
  frame_hotspots_.clear();
  views::ViewContext ctx{canvas, theme, *inputs_.scene, full.inset(theme.pad), &pointer, inputs_.actions, {}, &frame_hotspots_};
  view_->draw(ctx);
  // Hotspots are kept in device pixels, as the ImGui path records them.
  const float dpr = static_cast<float>(devicePixelRatioF());
  hotspots_ = frame_hotspots_;
  for (auto& [name, r] : hotspots_) r = {r.min * dpr, r.max * dpr};
  if (!ctx.tooltip.empty()) views::draw_tooltip(canvas, theme, pointer.pos, ctx.tooltip, full);
  drawn_version_ = inputs_.scene->version;
  ++frames_done_;
}

void ViewSurface::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  if (!renderer_) {
    paint_software(painter);
    return;
  }
  if (image_.isNull()) {
    const views::Colour bg = inputs_.theme.background;
    painter.fillRect(rect(), QColor::fromRgbF(bg.r, bg.g, bg.b));
    return;
  }
  painter.drawImage(QPointF(0, 0), image_);
}

void ViewSurface::mouseMoveEvent(QMouseEvent* e) {
  mouse_x_ = static_cast<float>(e->position().x());
  mouse_y_ = static_cast<float>(e->position().y());
  frames_wanted_ = std::max(frames_wanted_, 1);
  if (!renderer_) update();
  hub_.wake();
}

void ViewSurface::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return;
  emit activated(this);
  const float x = static_cast<float>(e->position().x()), y = static_cast<float>(e->position().y());
  if (!renderer_) {
    // The software path has no ImGui: a click goes straight to the view.
    if (!inputs_.scene) return;
    QImage scratch(1, 1, QImage::Format_RGBA8888);
    QPainter p(&scratch);
    PainterCanvas canvas(p);
    views::Pointer pointer;
    pointer.pos = {x, y};
    pointer.down = pointer.clicked = true;
    const views::Rect full{{0, 0}, {static_cast<float>(width()), static_cast<float>(height())}};
    views::ViewContext ctx{canvas, inputs_.theme, *inputs_.scene, full.inset(inputs_.theme.pad), &pointer, inputs_.actions, {}};
    view_->draw(ctx);
    update();
    return;
  }
  buttons_.push_back({true, x, y});
  hub_.wake();
}

void ViewSurface::mouseReleaseEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton || !renderer_) return;
  buttons_.push_back({false, static_cast<float>(e->position().x()), static_cast<float>(e->position().y())});
  hub_.wake();
}

void ViewSurface::wheelEvent(QWheelEvent* e) {
  wheel_ += static_cast<float>(e->angleDelta().y()) / 120.0f;
  frames_wanted_ = std::max(frames_wanted_, 1);
  hub_.wake();
}

void ViewSurface::leaveEvent(QEvent*) {
  mouse_x_ = mouse_y_ = -1e6f;
  frames_wanted_ = std::max(frames_wanted_, 1);
  if (!renderer_) update();
  hub_.wake();
}

void ViewSurface::resizeEvent(QResizeEvent*) { invalidate(); }

}  // namespace archscope::window
