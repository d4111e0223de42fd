// Device set-up and the frame pump.
#include "app/window/render_hub.h"

#include <algorithm>
#include <string>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include "app/window/view_surface.h"
#include "compute/vulkan_backend.h"

namespace archscope::window {

RenderHub::RenderHub(QObject* parent) : QObject(parent) {
  try {
    context_ = std::make_unique<gpu::Context>();
    device_ = std::make_unique<render::RenderDevice>(*context_);
    fonts_ = std::make_unique<render::Fonts>();
    const gpu::DeviceInfo& info = context_->info();
    description_ = QString::fromStdString(info.name + " (" + info.type + "), Vulkan " + info.api_version);
    // The Vulkan compute backend the model dock offers runs on this device:
    // one device for drawing and computing, not a second context.
    gpu::register_vulkan_backend(context_.get());
  } catch (const std::exception& e) {
    device_.reset();
    context_.reset();
    description_ = QString::fromStdString(std::string("No Vulkan device: ") + e.what() +
                                          ". The views are drawn by Qt's software path.");
  }
  timer_.setInterval(1);
  connect(&timer_, &QTimer::timeout, this, [this] { pump(); });
}

RenderHub::~RenderHub() {
  if (!context_) return;
  // Backends made from here on get a context of their own again (the
  // window's backends, owned by its controller, are gone by now).
  gpu::register_vulkan_backend();
  context_->wait_idle();
}

namespace {

// The order frames are submitted in, and so finished in: the views the
// capacity slider changes most visibly first, so the load view is on screen
// before the views that only move a little.
int draw_order(const ViewSurface* s) {
  static const std::vector<std::string> order = {"load", "tokens", "router", "metrics", "attention",
                                                 "mask", "architecture", "ledger", "objective"};
  const auto it = std::find(order.begin(), order.end(), s->view().id());
  return static_cast<int>(it - order.begin());
}

}  // namespace

void RenderHub::add(ViewSurface* s) {
  const auto at = std::find_if(surfaces_.begin(), surfaces_.end(),
                               [&](const ViewSurface* o) { return draw_order(o) > draw_order(s); });
  surfaces_.insert(at, s);
}

void RenderHub::remove(ViewSurface* s) { std::erase(surfaces_, s); }

void RenderHub::wake() {
  if (!timer_.isActive()) timer_.start();
}

void RenderHub::pump() {
  bool active = false;
  for (ViewSurface* s : surfaces_)
    if (s->busy()) s->poll_frame();
  for (ViewSurface* s : surfaces_) {
    if (!s->busy() && s->wants_frame()) s->start_frame();
    active = active || s->busy() || s->wants_frame();
  }
  if (!active) timer_.stop();
}

void RenderHub::flush(int timeout_ms) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < timeout_ms) {
    pump();
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    bool active = false;
    for (ViewSurface* s : surfaces_) active = active || s->busy() || s->wants_frame();
    if (!active) return;
    QThread::usleep(200);
  }
}

}  // namespace archscope::window
