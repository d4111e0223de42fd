// The explorer's controller: owns the document and the worker, turns every
// change (a preset, a folder, text, a knob, a builder edit, a click in a view)
// into a new run or a new scene, and keeps the last good model on screen when
// a change fails. The docks, the views' actions and the GUI tests all drive
// the app through this one API.
#pragma once

#include <memory>
#include <string>

#include <QObject>
#include <QString>
#include <QStringList>

#include "app/explorer/document.h"
#include "app/explorer/worker.h"
#include "app/views/view.h"

namespace archscope::window {

class Controller : public QObject {
  Q_OBJECT

 public:
  explicit Controller(QObject* parent = nullptr);
  ~Controller() override;

  const explorer::Document& document() const { return doc_; }
  std::shared_ptr<const views::Scene> scene() const { return scene_; }
  // A run is in progress, or its result has not reached the UI thread yet.
  bool running() const { return worker_->busy() || delivered_ < awaited_; }
  double last_run_ms() const { return last_run_ms_; }
  const QString& last_error() const { return last_error_; }
  // What the last run said out loud (unknown words, seeded weights, ...).
  const QStringList& notes() const { return notes_; }

  // Model changes. Each returns false (and emits error) when the model cannot
  // be opened, leaving the current model as it was.
  bool open_preset(const std::string& name, bool full_size = false);
  bool open_folder(const std::string& path);
  void reset_spec();  // back to the model as it was loaded

  // The compute backend runs use (backend_names()); the model and input stay.
  bool set_backend(const std::string& name);
  // Input.
  void set_text(const std::string& text);
  void set_input_ids(const std::string& ids);
  void set_decoder_text(const std::string& text);

  // The spec, from the builder: refused (false, error) when invalid, so an
  // invalid spec never runs and the last valid model stays.
  bool set_spec(const ModelSpec& spec);
  // Routing knobs: edits of the spec's MoE settings, validated the same way.
  bool set_capacity_factor(double factor);  // switches to factor mode
  bool set_dropless();
  bool set_capacity_formula(CapacityFormula formula);
  bool set_drop_policy(DropPolicy policy);
  bool set_top_k(int k);
  bool set_router(RouterFunction router);

  // View state: rebuilds the scene, runs nothing.
  void set_focus(const views::Focus& focus);
  void select_token(Stack stack, int token);
  void set_mask_panel(int panel, const views::MaskPanel& mask);
  void set_objective(views::Objective objective);
  void set_ledger_context(int64_t context);
  void set_ledger_dtype(DType dtype);

  // The actions views call, bound to this controller.
  const views::Actions& actions() const { return actions_; }

  // Drops the run in progress (its result will not be shown); the scene on
  // screen stays.
  void cancel();

  // For tests and --screenshot: processes Qt events until no run is pending
  // and its result is on screen, or the timeout passes. True when idle.
  bool wait_until_idle(int timeout_ms);

 signals:
  void scene_changed();
  void document_changed();  // the document changed in a way the controls show
  void error(const QString& message);
  void running_changed(bool running);

 private:
  void run();
  void rebuild_scene();
  bool apply_spec(const ModelSpec& spec, const char* what);
  void on_outcome(std::shared_ptr<const explorer::RunOutcome> outcome);

  explorer::Document doc_;
  explorer::Document shown_doc_;  // the document of the run on screen
  std::shared_ptr<const explorer::RunOutcome> shown_;
  std::shared_ptr<const views::Scene> scene_;
  uint64_t version_ = 0;
  uint64_t awaited_ = 0;    // the id of the newest run asked for
  uint64_t delivered_ = 0;  // the id of the newest result handled
  double last_run_ms_ = 0;
  QString last_error_;
  QStringList notes_;
  views::Actions actions_;
  std::unique_ptr<explorer::Worker> worker_;
};

}  // namespace archscope::window
