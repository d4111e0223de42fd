// Document changes, runs and scenes.
#include "app/window/controller.h"

#include <algorithm>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMetaObject>
#include <QThread>

#include "app/explorer/scene_builder.h"
#include "engine/backends/backend.h"
#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/model/presets.h"

namespace archscope::window {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// Did the run keep the focused map at full size?
bool has_map(const Trace& t, const views::Focus& f) {
  const StackTrace& st = f.stack == Stack::Encoder ? t.encoder : t.decoder;
  const auto& list = f.cross ? st.cross_attention : st.self_attention;
  if (f.layer < 0 || f.layer >= static_cast<int>(list.size())) return true;  // nothing to fetch
  return list[f.layer].map(f.head) != nullptr;
}

}  // namespace

Controller::Controller(QObject* parent) : QObject(parent) {
  actions_.select_token = [this](Stack s, int t) { select_token(s, t); };
  actions_.set_focus = [this](const views::Focus& f) { set_focus(f); };
  actions_.set_mask_panel = [this](int i, const views::MaskPanel& p) { set_mask_panel(i, p); };
  actions_.set_objective = [this](views::Objective o) { set_objective(o); };
  actions_.set_ledger_context = [this](int64_t c) { set_ledger_context(c); };
  actions_.set_ledger_dtype = [this](DType d) { set_ledger_dtype(d); };
  worker_ = std::make_unique<explorer::Worker>([this](std::shared_ptr<const explorer::RunOutcome> outcome) {
    // Finished on the worker thread; shown on the UI thread.
    QMetaObject::invokeMethod(this, [this, outcome] { on_outcome(outcome); }, Qt::QueuedConnection);
  });
  doc_ = explorer::preset_document(default_preset().name);
  shown_doc_ = doc_;
  rebuild_scene();
  run();
}

Controller::~Controller() { worker_.reset(); }

bool Controller::open_preset(const std::string& name, bool full_size) {
  try {
    explorer::Document d = explorer::preset_document(name, full_size);
    if (full_size) check_fits_in_memory(d.spec, available_memory_bytes());
    d.text = doc_.text.empty() ? d.text : doc_.text;  // the sentence stays when the model changes
    if (d.spec.family == Family::EncoderDecoder && !doc_.decoder_text.empty()) d.decoder_text = doc_.decoder_text;
    d.backend = doc_.backend;
    doc_ = std::move(d);
  } catch (const std::exception& e) {
    last_error_ = q(e.what());
    emit error(last_error_);
    return false;
  }
  emit document_changed();
  run();
  return true;
}

bool Controller::open_folder(const std::string& path) {
  try {
    explorer::Document d = explorer::folder_document(path);
    check_fits_in_memory(d.spec, available_memory_bytes());
    if (!d.is_preset()) {
      // A checkpoint has its own vocabulary: start with a few ids every model has.
      d.input_ids = "1,2,3,4,5,6,7,8";
      if (d.spec.family == Family::EncoderDecoder) d.decoder_ids = "0,4,5";
    }
    d.backend = doc_.backend;
    doc_ = std::move(d);
  } catch (const std::exception& e) {
    last_error_ = q(path + ": " + e.what());
    emit error(last_error_);
    return false;
  }
  emit document_changed();
  run();
  return true;
}

void Controller::reset_spec() { apply_spec(doc_.loaded, "reset"); }

void Controller::set_text(const std::string& text) {
  doc_.text = text;
  run();
}

bool Controller::set_backend(const std::string& name) {
  const std::vector<std::string> known = backend_names();
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    last_error_ = q("backend '" + name + "': expected one of " + list);
    emit error(last_error_);
    return false;
  }
  doc_.backend = name;
  emit document_changed();
  run();
  return true;
}

void Controller::set_input_ids(const std::string& ids) {
  doc_.input_ids = ids;
  run();
}

void Controller::set_decoder_text(const std::string& text) {
  if (doc_.is_preset()) doc_.decoder_text = text;
  else doc_.decoder_ids = text;
  run();
}

bool Controller::apply_spec(const ModelSpec& spec, const char* what) {
  const std::vector<std::string> problems = validate(spec);
  if (!problems.empty()) {
    std::string message = std::string(what) + ": ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    last_error_ = q(message);
    emit error(last_error_);
    return false;
  }
  if (!doc_.is_preset() || doc_.full_size) {
    try {
      check_fits_in_memory(spec, available_memory_bytes());
    } catch (const std::exception& e) {
      last_error_ = q(e.what());
      emit error(last_error_);
      return false;
    }
  }
  const bool structure_changed = !explorer::same_weights(doc_.spec, spec) || spec.family != doc_.spec.family ||
                                 spec.mask.kind != doc_.spec.mask.kind;
  doc_.spec = spec;
  if (structure_changed) {
    doc_.masks = explorer::default_mask_panels(spec);
    doc_.focus = explorer::clamp_focus(spec, doc_.focus);
  }
  emit document_changed();
  run();
  return true;
}

bool Controller::set_spec(const ModelSpec& spec) { return apply_spec(spec, "builder"); }

bool Controller::set_capacity_factor(double factor) {
  ModelSpec s = doc_.spec;
  s.moe.capacity_mode = CapacityMode::Factor;
  s.moe.capacity_factor = factor;
  // A capacity the user sets follows the chosen formula, not a library's compatibility mode.
  s.moe.library_compat.clear();
  s.moe.compat_mode.clear();
  return apply_spec(s, "capacity factor");
}

bool Controller::set_dropless() {
  ModelSpec s = doc_.spec;
  s.moe.capacity_mode = CapacityMode::Dropless;
  return apply_spec(s, "dropless");
}

bool Controller::set_capacity_formula(CapacityFormula f) {
  ModelSpec s = doc_.spec;
  s.moe.capacity_formula = f;
  return apply_spec(s, "capacity formula");
}

bool Controller::set_drop_policy(DropPolicy p) {
  ModelSpec s = doc_.spec;
  s.moe.drop_policy = p;
  return apply_spec(s, "drop policy");
}

bool Controller::set_top_k(int k) {
  ModelSpec s = doc_.spec;
  s.moe.top_k = k;
  return apply_spec(s, "top-k");
}

bool Controller::set_router(RouterFunction r) {
  ModelSpec s = doc_.spec;
  s.moe.router = r;
  return apply_spec(s, "router function");
}

void Controller::set_focus(const views::Focus& f) {
  doc_.focus = explorer::clamp_focus(doc_.spec, f);
  rebuild_scene();
  emit document_changed();
  // A long input keeps only the focused map whole: a new focus may need a run that keeps it.
  if (shown_ && shown_->result && !has_map(*shown_->result->trace, doc_.focus)) run();
}

void Controller::select_token(Stack stack, int token) {
  // Clicking the selected token again clears the selection.
  const bool same = doc_.selected_token == token && doc_.selected_stack == stack;
  doc_.selected_token = same ? -1 : token;
  doc_.selected_stack = stack;
  rebuild_scene();
}

void Controller::set_mask_panel(int panel, const views::MaskPanel& mask) {
  if (panel < 0 || panel >= static_cast<int>(doc_.masks.size())) return;
  doc_.masks[panel] = mask;
  rebuild_scene();
}

void Controller::set_objective(views::Objective o) {
  doc_.objective = o;
  rebuild_scene();
}

void Controller::set_ledger_context(int64_t c) {
  doc_.ledger_context = std::max<int64_t>(1, c);
  rebuild_scene();
}

void Controller::set_ledger_dtype(DType d) {
  doc_.ledger_dtype = d;
  rebuild_scene();
}

void Controller::run() {
  awaited_ = worker_->post(doc_);
  emit running_changed(true);
  rebuild_scene();
}

void Controller::rebuild_scene() {
  // The views show the document's choices over the last run that succeeded.
  explorer::Document view_doc = doc_;
  const explorer::RunResult* run = shown_ && shown_->result ? &*shown_->result : nullptr;
  if (run && !explorer::same_weights(run->trace->spec, doc_.spec)) view_doc.masks = shown_doc_.masks;
  auto scene = std::make_shared<views::Scene>(explorer::make_scene(view_doc, run, ++version_));
  scene->running = running();
  scene_ = std::move(scene);
  emit scene_changed();
}

void Controller::on_outcome(std::shared_ptr<const explorer::RunOutcome> outcome) {
  last_run_ms_ = outcome->milliseconds;
  delivered_ = std::max(delivered_, outcome->id);
  if (outcome->result) {
    shown_ = outcome;
    shown_doc_ = doc_;
    last_error_.clear();
    notes_.clear();
    for (const auto& n : outcome->result->tokens.notes) notes_ << q(n);
  } else if (outcome->id == awaited_) {
    last_error_ = q(outcome->error);
    // A model that cannot run does not replace the one on screen.
    if (doc_.model != shown_doc_.model || !explorer::same_weights(doc_.spec, shown_doc_.spec)) {
      doc_ = shown_doc_;
      emit document_changed();
    }
    emit error(last_error_);
  }
  rebuild_scene();
  if (outcome->id == awaited_) emit running_changed(false);
}

void Controller::cancel() {
  worker_->cancel();
  awaited_ = 0;
  rebuild_scene();
  emit running_changed(false);
}

bool Controller::wait_until_idle(int timeout_ms) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < timeout_ms) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    if (!running()) return true;
    QThread::msleep(1);
  }
  return false;
}

}  // namespace archscope::window
