// Device set-up and the frame pump.
#include "app/window/render_hub.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include "app/window/view_surface.h"

namespace archscope::window {

RenderHub::RenderHub(QObject* parent) : QObject(parent) {
  try {
    context_ = std::make_unique<gpu::Context>();
    device_ = std::make_unique<render::RenderDevice>(*context_);
    fonts_ = std::make_unique<render::Fonts>();
    const gpu::DeviceInfo& info = context_->info();
    description_ = QString::fromStdString(info.name + " (" + info.type + "), Vulkan " + info.api_version);
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
  if (context_) context_->wait_idle();
}

void RenderHub::add(ViewSurface* s) { surfaces_.push_back(s); }

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
