// Menus, keyboard shortcuts, opening models, exports and settings.
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QMenuBar>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>

#include "app/render/headless.h"
#include "app/window/builder_dock.h"
#include "app/window/main_window.h"
#include "app/window/routing_dock.h"
#include "app/window/shortcuts_overlay.h"
#include "app/window/svg_export.h"
#include "engine/model/presets.h"

namespace archscope::window {

namespace {

constexpr int kMaxRecent = 8;

}  // namespace

void MainWindow::make_menus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&Open model folder…", QKeySequence::Open, this, &MainWindow::open_folder_dialog);
  recent_menu_ = file->addMenu("Open &recent");
  rebuild_recent_menu();
  file->addSeparator();
  file->addAction("Export view as &PNG…", QKeySequence("Ctrl+E"), this, [this] { export_dialog("png"); });
  file->addAction("Export view as &SVG…", QKeySequence("Ctrl+Shift+E"), this, [this] { export_dialog("svg"); });
  file->addAction("Export view's numbers as &CSV…", this, [this] { export_dialog("csv"); });
  file->addAction("Export view's numbers as &JSON…", this, [this] { export_dialog("json"); });
  file->addAction("Save a picture of the &window…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Save window picture", "archscope.png", "PNG (*.png)");
    if (!path.isEmpty() && !grab().save(path, "PNG")) show_banner(path + ": could not be written", true);
  });
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* model = menuBar()->addMenu("&Model");
  QMenu* preset_menu = model->addMenu("&Presets");
  for (const Preset& p : presets()) {
    QAction* a = preset_menu->addAction(QString::fromStdString(p.name + "  —  " + p.full.description));
    connect(a, &QAction::triggered, this, [this, name = p.name] { controller_->open_preset(name); });
  }
  model->addAction("&Reset edits to the model as loaded", QKeySequence("Ctrl+R"), this, [this] { controller_->reset_spec(); });
  model->addAction("Previous preset", QKeySequence("Ctrl+PgUp"), this, [this] { step_preset(-1); });
  model->addAction("Next preset", QKeySequence("Ctrl+PgDown"), this, [this] { step_preset(1); });

  QMenu* view = menuBar()->addMenu("&View");
  for (auto& [id, dock] : view_docks_) view->addAction(dock->toggleViewAction());
  view->addSeparator();
  for (QDockWidget* d : {model_dock_widget_, routing_dock_widget_, builder_dock_widget_}) view->addAction(d->toggleViewAction());
  view->addSeparator();
  view->addAction("&Teaching layout", QKeySequence("Ctrl+Shift+T"), this, &MainWindow::layout_teaching);
  view->addAction("&All views side by side", QKeySequence("Ctrl+Shift+A"), this, &MainWindow::layout_all_views);
  QAction* presentation = view->addAction("&Presentation mode");
  presentation->setCheckable(true);
  presentation->setShortcut(QKeySequence("F5"));
  connect(presentation, &QAction::toggled, this, &MainWindow::set_presentation);
  QMenu* maps = view->addMenu("&Colour map");
  auto* group = new QActionGroup(this);
  for (views::ColourMap m : views::kColourMaps) {
    QAction* a = maps->addAction(views::to_string(m));
    a->setCheckable(true);
    a->setChecked(m == colour_map_);
    group->addAction(a);
    connect(a, &QAction::triggered, this, [this, m] { set_colour_map(m); });
  }

  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("&Keyboard shortcuts", QKeySequence("F1"), this, [this] {
    overlay_->setGeometry(rect());
    overlay_->setVisible(!overlay_->isVisible());
    overlay_->raise();
  });
}

void MainWindow::make_shortcuts() {
  auto add = [this](const QKeySequence& keys, auto fn) {
    auto* s = new QShortcut(keys, this);
    connect(s, &QShortcut::activated, this, fn);
  };
  add(QKeySequence("?"), [this] {
    overlay_->setGeometry(rect());
    overlay_->setVisible(!overlay_->isVisible());
    overlay_->raise();
  });
  add(QKeySequence("Esc"), [this] {
    if (overlay_->isVisible()) overlay_->hide();
    else controller_->select_token(controller_->document().selected_stack, controller_->document().selected_token);
  });
  add(QKeySequence("]"), [this] { step_capacity(1); });
  add(QKeySequence("["), [this] { step_capacity(-1); });
  add(QKeySequence("Alt+Up"), [this] { step_focus(-1, 0); });
  add(QKeySequence("Alt+Down"), [this] { step_focus(1, 0); });
  add(QKeySequence("Alt+Left"), [this] { step_focus(0, -1); });
  add(QKeySequence("Alt+Right"), [this] { step_focus(0, 1); });
  const char* order[] = {"architecture", "mask", "attention", "router", "load", "tokens", "metrics", "ledger", "objective"};
  for (int i = 0; i < 9; ++i)
    add(QKeySequence(QString("Ctrl+%1").arg(i + 1)), [this, id = std::string(order[i])] {
      QDockWidget* d = view_docks_.at(id);
      d->show();
      d->raise();
      active_ = surfaces_.at(id);
    });
}

void MainWindow::step_capacity(int steps) {
  const ModelSpec& s = controller_->document().spec;
  if (!s.is_moe()) return;
  const double current = s.moe.capacity_mode == CapacityMode::Factor ? s.moe.capacity_factor : 1.0;
  const double next = std::clamp(current + steps * (1.0 / kCapacityStepsPerUnit), kCapacityMin, kCapacityMax);
  controller_->set_capacity_factor(next);
}

void MainWindow::step_focus(int layers, int heads) {
  views::Focus f = controller_->document().focus;
  f.layer = std::max(0, f.layer + layers);
  f.head = std::max(0, f.head + heads);
  controller_->set_focus(f);
}

void MainWindow::step_preset(int delta) {
  const auto& list = presets();
  const std::string& current = controller_->document().model;
  int i = 0;
  for (int j = 0; j < static_cast<int>(list.size()); ++j)
    if (list[j].name == current) i = j;
  const int n = static_cast<int>(list.size());
  controller_->open_preset(list[((i + delta) % n + n) % n].name);
}

void MainWindow::open_folder_dialog() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Open a Hugging Face model folder (config.json + model.safetensors)");
  if (!dir.isEmpty()) open_path(dir);
}

void MainWindow::open_path(const QString& path) {
  QFileInfo info(path);
  const QString folder = info.isDir() ? path : info.absolutePath();
  if (controller_->open_folder(folder.toStdString())) remember_recent(folder);
}

QString MainWindow::export_view(const std::string& id, const QString& path) {
  ViewSurface* s = surface(id);
  if (!s) return QString::fromStdString("no view named '" + id + "'");
  const QString ext = QFileInfo(path).suffix().toLower();
  try {
    const views::Scene& scene = *controller_->scene();
    if (ext == "png") {
      settle(10000);
      QImage img = s->image().convertToFormat(QImage::Format_RGBA8888);
      render::Pixels px{img.width(), img.height(), {}};
      px.rgba.resize(static_cast<size_t>(img.width()) * img.height() * 4);
      for (int y = 0; y < img.height(); ++y)
        std::copy(img.constScanLine(y), img.constScanLine(y) + img.width() * 4, px.rgba.data() + static_cast<size_t>(y) * img.width() * 4);
      render::write_png(path.toStdString(), px);
    } else if (ext == "svg") {
      if (!s->view().vector_export())
        return QString("the %1 view is a heatmap view: export it as PNG, or its numbers as CSV or JSON").arg(s->view().title());
      write_svg(path.toStdString(), s->view(), scene, theme_, s->width(), s->height());
    } else if (ext == "csv") {
      render::write_text_file(path.toStdString(), views::to_csv(s->view().table(scene)));
    } else if (ext == "json") {
      render::write_text_file(path.toStdString(), s->view().data(scene).dump(2) + "\n");
    } else {
      return path + ": expected a .png, .svg, .csv or .json file";
    }
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

void MainWindow::export_dialog(const QString& kind) {
  if (!active_) return;
  const std::string id = active_->view().id();
  const QString filter = kind.toUpper() + " (*." + kind + ")";
  const QString path = QFileDialog::getSaveFileName(this, "Export " + QString(active_->view().title()),
                                                    QString::fromStdString(id) + "." + kind, filter);
  if (path.isEmpty()) return;
  const QString error = export_view(id, path);
  if (!error.isEmpty()) show_banner(error, true);
  else statusBar()->showMessage("Exported " + path, 4000);
}

void MainWindow::remember_recent(const QString& path) {
  if (!use_settings_) return;
  QSettings settings;
  QStringList recent = settings.value("recent").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue("recent", recent);
  rebuild_recent_menu();
}

void MainWindow::rebuild_recent_menu() {
  recent_menu_->clear();
  const QStringList recent = use_settings_ ? QSettings().value("recent").toStringList() : QStringList();
  for (const QString& path : recent) recent_menu_->addAction(path, this, [this, path] { open_path(path); });
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::restore_settings(const WindowOptions& options) {
  QSettings settings;
  if (use_settings_) {
    restoreGeometry(settings.value("geometry").toByteArray());
    layout_restored_ = restoreState(settings.value("layout").toByteArray());
    const QString map = settings.value("colour_map", "viridis").toString();
    try {
      set_colour_map(views::parse_colour_map(map.toStdString()));
    } catch (const std::exception&) {
      // An unknown name in the settings file: keep the default map.
    }
  }
  std::string model = options.model;
  if (model.empty() && use_settings_) model = settings.value("model").toString().toStdString();
  if (!model.empty() && model != controller_->document().model) {
    const bool ok = find_preset(model) ? controller_->open_preset(model) : controller_->open_folder(model);
    if (!ok && !options.model.empty()) show_banner(controller_->last_error(), true);
  }
  if (use_settings_ && settings.contains("text") && controller_->document().is_preset())
    controller_->set_text(settings.value("text").toString().toStdString());
}

void MainWindow::save_settings() {
  if (!use_settings_) return;
  QSettings settings;
  settings.setValue("geometry", saveGeometry());
  settings.setValue("layout", saveState());
  settings.setValue("colour_map", views::to_string(colour_map_));
  const auto& d = controller_->document();
  settings.setValue("model", QString::fromStdString(d.is_preset() ? d.model : d.folder));
  if (d.is_preset()) settings.setValue("text", QString::fromStdString(d.text));
}

}  // namespace archscope::window
