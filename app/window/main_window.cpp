// Construction, docks, layouts, the banner and the status line.
#include "app/window/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QMimeData>
#include <QShowEvent>
#include <QStatusBar>
#include <QThread>
#include <QTimer>
#include <QToolBar>

#include "app/window/builder_dock.h"
#include "app/window/model_dock.h"
#include "app/window/routing_dock.h"
#include "app/window/shortcuts_overlay.h"

namespace archscope::window {

MainWindow::MainWindow(const WindowOptions& options)
    : hub_(std::make_unique<RenderHub>()), controller_(std::make_unique<Controller>()), use_settings_(options.use_settings) {
  setWindowTitle("Archscope");
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);
  theme_ = views::Theme::classroom(colour_map_);
  inputs_.theme = theme_;
  inputs_.actions = &controller_->actions();
  inputs_.scene = controller_->scene();

  // The banner: errors, and the notice when there is no Vulkan device.
  banner_ = new QWidget;
  auto* row = new QHBoxLayout(banner_);
  row->setContentsMargins(10, 6, 10, 6);
  banner_label_ = new QLabel;
  banner_label_->setWordWrap(true);
  banner_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* dismiss = new QPushButton("Dismiss");
  row->addWidget(banner_label_, 1);
  row->addWidget(dismiss);
  auto* bar = addToolBar("Messages");
  bar->setObjectName("banner");
  bar->setMovable(false);
  bar->setFloatable(false);
  bar->toggleViewAction()->setVisible(false);
  bar->addWidget(banner_);
  bar->hide();
  connect(dismiss, &QPushButton::clicked, this, [this, bar] {
    bar->hide();
    banner_label_->clear();
  });

  status_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setRange(0, 0);
  progress_->setMaximumWidth(120);
  progress_->hide();
  cancel_ = new QPushButton("Cancel run");
  cancel_->hide();
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_);
  connect(cancel_, &QPushButton::clicked, this, [this] { controller_->cancel(); });
  // A run longer than a few hundred milliseconds shows progress and can be cancelled.
  auto* watch = new QTimer(this);
  watch->setInterval(100);
  connect(watch, &QTimer::timeout, this, &MainWindow::update_status);
  watch->start();

  make_docks();
  make_menus();
  make_shortcuts();
  overlay_ = new ShortcutsOverlay(this);
  overlay_->hide();

  connect(controller_.get(), &Controller::scene_changed, this, &MainWindow::update_scene);
  connect(controller_.get(), &Controller::error, this, [this](const QString& m) { show_banner(m, true); });
  connect(controller_.get(), &Controller::running_changed, this, [this](bool) { update_status(); });

  if (!hub_->has_device()) {
    device_banner_ = true;
    show_banner(hub_->description(), false);
  }
  restore_settings(options);
  if (options.presentation) set_presentation(true);
  update_scene();
}

MainWindow::~MainWindow() {
  // Surfaces hold renderers on the hub's device: they go first.
  for (auto& [id, dock] : view_docks_) delete dock;
  view_docks_.clear();
  surfaces_.clear();
}

void MainWindow::make_docks() {
  model_dock_ = new ModelDock(*controller_);
  model_dock_widget_ = new QDockWidget("Model and input", this);
  model_dock_widget_->setObjectName("dock.model");
  model_dock_widget_->setWidget(model_dock_);
  addDockWidget(Qt::LeftDockWidgetArea, model_dock_widget_);
  connect(model_dock_, &ModelDock::open_folder_requested, this, &MainWindow::open_folder_dialog);

  routing_dock_ = new RoutingDock(*controller_);
  routing_dock_widget_ = new QDockWidget("Focus and routing", this);
  routing_dock_widget_->setObjectName("dock.routing");
  routing_dock_widget_->setWidget(routing_dock_);
  addDockWidget(Qt::LeftDockWidgetArea, routing_dock_widget_);

  builder_dock_ = new BuilderDock(*controller_);
  builder_dock_widget_ = new QDockWidget("Builder", this);
  builder_dock_widget_->setObjectName("dock.builder");
  builder_dock_widget_->setWidget(builder_dock_);
  tabifyDockWidget(model_dock_widget_, builder_dock_widget_);
  model_dock_widget_->raise();

  for (auto& view : views::make_all_views()) {
    const std::string id = view->id();
    auto* dock = new QDockWidget(QString::fromUtf8(view->title()), this);
    dock->setObjectName(QString::fromStdString("view." + id));
    auto* surface = new ViewSurface(std::move(view), *hub_, inputs_, dock);
    dock->setWidget(surface);
    connect(surface, &ViewSurface::activated, this, [this](ViewSurface* s) { active_ = s; });
    view_docks_[id] = dock;
    surfaces_[id] = surface;
  }
  active_ = surfaces_["attention"];
  layout_teaching();
}

void MainWindow::layout_teaching() {
  auto d = [this](const char* id) { return view_docks_.at(id); };
  for (auto& [id, dock] : view_docks_) {
    removeDockWidget(dock);
    dock->setFloating(false);
  }
  addDockWidget(Qt::RightDockWidgetArea, d("attention"));
  splitDockWidget(d("attention"), d("architecture"), Qt::Horizontal);
  splitDockWidget(d("attention"), d("router"), Qt::Vertical);
  splitDockWidget(d("architecture"), d("load"), Qt::Vertical);
  tabifyDockWidget(d("attention"), d("mask"));
  tabifyDockWidget(d("attention"), d("objective"));
  tabifyDockWidget(d("architecture"), d("ledger"));
  tabifyDockWidget(d("router"), d("tokens"));
  tabifyDockWidget(d("load"), d("metrics"));
  for (auto& [id, dock] : view_docks_) dock->show();
  for (const char* front : {"attention", "architecture", "router", "load"}) d(front)->raise();
  size_docks();
}

void MainWindow::size_docks() {
  // Controls narrow on the left; the views share the rest, the left view column wider.
  const int views = std::max(600, width() - 380);
  resizeDocks({model_dock_widget_}, {360}, Qt::Horizontal);
  if (view_docks_.at("attention")->isVisible() && view_docks_.at("architecture")->isVisible() &&
      !tabifiedDockWidgets(view_docks_.at("attention")).contains(view_docks_.at("architecture")))
    resizeDocks({view_docks_.at("attention"), view_docks_.at("architecture")}, {views * 58 / 100, views * 42 / 100},
                Qt::Horizontal);
}

void MainWindow::layout_all_views() {
  auto d = [this](const char* id) { return view_docks_.at(id); };
  for (auto& [id, dock] : view_docks_) {
    removeDockWidget(dock);
    dock->setFloating(false);
  }
  const char* grid[3][3] = {{"architecture", "attention", "mask"}, {"router", "load", "tokens"}, {"metrics", "ledger", "objective"}};
  addDockWidget(Qt::RightDockWidgetArea, d(grid[0][0]));
  splitDockWidget(d(grid[0][0]), d(grid[1][0]), Qt::Vertical);
  splitDockWidget(d(grid[1][0]), d(grid[2][0]), Qt::Vertical);
  for (int r = 0; r < 3; ++r) {
    splitDockWidget(d(grid[r][0]), d(grid[r][1]), Qt::Horizontal);
    splitDockWidget(d(grid[r][1]), d(grid[r][2]), Qt::Horizontal);
  }
  for (auto& [id, dock] : view_docks_) dock->show();
  // Equal shares: three columns in each row, three rows.
  const int w = std::max(900, width() - 380) / 3, h = std::max(600, height() - 80) / 3;
  for (int r = 0; r < 3; ++r) resizeDocks({d(grid[r][0]), d(grid[r][1]), d(grid[r][2])}, {w, w, w}, Qt::Horizontal);
  resizeDocks({d(grid[0][0]), d(grid[1][0]), d(grid[2][0])}, {h, h, h}, Qt::Vertical);
}

ViewSurface* MainWindow::surface(const std::string& id) {
  auto it = surfaces_.find(id);
  return it == surfaces_.end() ? nullptr : it->second;
}

std::vector<ViewSurface*> MainWindow::surfaces() {
  std::vector<ViewSurface*> out;
  for (auto& [id, s] : surfaces_) out.push_back(s);
  return out;
}

QString MainWindow::banner_text() const {
  return banner_->parentWidget() && banner_->parentWidget()->isVisible() ? banner_label_->text() : QString();
}

void MainWindow::show_banner(const QString& text, bool error) {
  banner_label_->setText(text);
  banner_->setStyleSheet(error ? "background: #fde2e1; color: #7a0010;" : "background: #fff4cc; color: #5a4300;");
  banner_->parentWidget()->show();
}

void MainWindow::update_scene() {
  inputs_.scene = controller_->scene();
  if (controller_->last_error().isEmpty() && !device_banner_ && banner_->parentWidget()->isVisible() &&
      !controller_->running())
    banner_->parentWidget()->hide();  // a good run clears the last error
  for (auto& [id, s] : surfaces_) s->invalidate();
  update_status();
}

void MainWindow::update_status() {
  const auto& scene = controller_->scene();
  QString text = QString::fromStdString(scene->model_name);
  if (scene->trace) {
    text += QString(" · %1 tokens").arg(scene->trace->input_ids.size());
    text += QString(" · forward %1 ms on the %2 backend").arg(scene->trace->elapsed_ms, 0, 'f', 1).arg(QString::fromStdString(scene->trace->backend));
  }
  text += " · " + hub_->description();
  status_->setText(text);
  // Progress and cancel only once a run has taken a while.
  const bool running = controller_->running();
  if (running && !timing_) running_for_.start();
  timing_ = running;
  const bool slow = running && running_for_.elapsed() > 300;
  progress_->setVisible(slow);
  cancel_->setVisible(slow);
}

bool MainWindow::settle(int timeout_ms) {
  QElapsedTimer timer;
  timer.start();
  if (!controller_->wait_until_idle(timeout_ms)) return false;
  while (timer.elapsed() < timeout_ms) {
    hub_->flush(std::max<int>(1, timeout_ms - static_cast<int>(timer.elapsed())));
    // A click drawn during the flush may have made a newer scene: compare with the latest.
    const uint64_t version = controller_->scene()->version;
    bool done = !controller_->running();
    for (auto& [id, s] : surfaces_)
      if (s->isVisible() && s->width() > 0 && s->drawn_version() != version && hub_->has_device()) done = false;
    if (done) return true;
    QCoreApplication::processEvents();
    QThread::msleep(1);
  }
  return false;
}

void MainWindow::set_presentation(bool on) {
  theme_ = on ? views::Theme::presentation_mode(colour_map_) : views::Theme::classroom(colour_map_);
  inputs_.theme = theme_;
  builder_dock_widget_->setVisible(!on);
  QFont f = QApplication::font();
  f.setPointSizeF(on ? 14 : 10);
  for (QWidget* w : {static_cast<QWidget*>(model_dock_), static_cast<QWidget*>(routing_dock_)}) w->setFont(f);
  for (auto& [id, s] : surfaces_) s->invalidate();
}

void MainWindow::set_colour_map(views::ColourMap map) {
  colour_map_ = map;
  theme_.heat = map;
  inputs_.theme = theme_;
  for (auto& [id, s] : surfaces_) s->invalidate();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  save_settings();
  e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const QUrl& url : e->mimeData()->urls())
    if (url.isLocalFile()) {
      open_path(url.toLocalFile());
      return;
    }
}

void MainWindow::resizeEvent(QResizeEvent* e) {
  QMainWindow::resizeEvent(e);
  if (overlay_) overlay_->setGeometry(rect());
}

void MainWindow::showEvent(QShowEvent* e) {
  QMainWindow::showEvent(e);
  // Dock sizes need the window's final size; a restored layout keeps its own.
  if (!sized_once_ && !layout_restored_) size_docks();
  sized_once_ = true;
}

}  // namespace archscope::window
