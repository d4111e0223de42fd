// The main window: the views in docks the user can arrange, the model, focus
// and builder docks, menus and shortcuts, a banner for errors and for a
// missing Vulkan device, presentation mode, exports, and the settings kept
// between runs. Its public methods are the API the GUI tests drive.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <QElapsedTimer>
#include <QLabel>
#include <QMainWindow>
#include <QProgressBar>
#include <QPushButton>

#include "app/window/controller.h"
#include "app/window/render_hub.h"
#include "app/window/view_surface.h"

class QDockWidget;
class QMenu;

namespace archscope::window {

class BuilderDock;
class ModelDock;
class RoutingDock;
class ShortcutsOverlay;

struct WindowOptions {
  bool use_settings = true;   // restore and save QSettings (off for screenshots and tests)
  std::string model;          // a preset or folder to open instead of the last one
  bool presentation = false;
};

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(const WindowOptions& options = {});
  ~MainWindow() override;

  Controller& controller() { return *controller_; }
  RenderHub& hub() { return *hub_; }
  RoutingDock& routing_dock() { return *routing_dock_; }
  BuilderDock& builder_dock() { return *builder_dock_; }
  ViewSurface* surface(const std::string& view_id);
  std::vector<ViewSurface*> surfaces();
  // The banner's text: the last error, or the missing-device notice; empty when hidden.
  QString banner_text() const;

  // Runs what is pending and draws every visible view of the current scene.
  bool settle(int timeout_ms = 20000);
  void set_presentation(bool on);
  bool presentation() const { return theme_.presentation; }
  void set_colour_map(views::ColourMap map);
  // "Teaching" (views tabbed in four groups) or all nine side by side.
  void layout_teaching();
  void layout_all_views();

  // Exports of a view: PNG and SVG pictures, CSV and JSON numbers. Return the
  // error message, or empty on success.
  QString export_view(const std::string& view_id, const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  void make_docks();
  void size_docks();
  void make_menus();
  void make_shortcuts();
  void update_scene();
  void show_banner(const QString& text, bool error);
  void open_folder_dialog();
  void open_path(const QString& path);
  void export_dialog(const QString& kind);
  void remember_recent(const QString& path);
  void rebuild_recent_menu();
  void restore_settings(const WindowOptions& options);
  void save_settings();
  void step_capacity(int steps);
  void step_focus(int layers, int heads);
  void step_preset(int delta);
  void update_status();

  std::unique_ptr<RenderHub> hub_;
  std::unique_ptr<Controller> controller_;
  SurfaceInputs inputs_;
  views::Theme theme_;
  views::ColourMap colour_map_ = views::ColourMap::Viridis;
  std::map<std::string, QDockWidget*> view_docks_;
  std::map<std::string, ViewSurface*> surfaces_;
  ViewSurface* active_ = nullptr;
  ModelDock* model_dock_ = nullptr;
  RoutingDock* routing_dock_ = nullptr;
  BuilderDock* builder_dock_ = nullptr;
  QDockWidget* model_dock_widget_ = nullptr;
  QDockWidget* routing_dock_widget_ = nullptr;
  QDockWidget* builder_dock_widget_ = nullptr;
  QWidget* banner_ = nullptr;
  QLabel* banner_label_ = nullptr;
  QLabel* status_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  ShortcutsOverlay* overlay_ = nullptr;
  QElapsedTimer running_for_;  // since the current run started
  bool timing_ = false;
  bool use_settings_ = true;
  bool device_banner_ = false;
  bool sized_once_ = false;
  bool layout_restored_ = false;
};

}  // namespace archscope::window
