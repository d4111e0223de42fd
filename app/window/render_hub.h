// The window's rendering: the Vulkan context, the shared fonts, and the pump
// that draws every view surface that needs a new frame. Frames are submitted
// and then polled, so the UI thread never waits on the device. Without any
// Vulkan device the hub says why and the surfaces draw with QPainter instead.
#pragma once

#include <memory>
#include <vector>

#include <QObject>
#include <QString>
#include <QTimer>

#include "app/render/fonts.h"
#include "app/render/render_device.h"
#include "compute/context.h"

namespace archscope::window {

class ViewSurface;

class RenderHub : public QObject {
  Q_OBJECT

 public:
  explicit RenderHub(QObject* parent = nullptr);
  ~RenderHub() override;

  bool has_device() const { return device_ != nullptr; }
  // "llvmpipe (LLVM 15, 256 bits), Vulkan 1.3.230", or why there is no device.
  const QString& description() const { return description_; }
  const gpu::Context* context() const { return context_.get(); }
  const render::RenderDevice* device() const { return device_.get(); }
  render::Fonts* fonts() const { return fonts_.get(); }

  void add(ViewSurface* surface);
  void remove(ViewSurface* surface);
  // A surface wants a frame: make sure the pump runs.
  void wake();
  // Draws until every visible surface is up to date (tests, screenshots, exports).
  void flush(int timeout_ms = 5000);

 private:
  void pump();

  std::unique_ptr<gpu::Context> context_;
  std::unique_ptr<render::RenderDevice> device_;
  std::unique_ptr<render::Fonts> fonts_;
  QString description_;
  std::vector<ViewSurface*> surfaces_;
  QTimer timer_;
};

}  // namespace archscope::window
