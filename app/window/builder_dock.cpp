// The form, built from the field table.
#include "app/window/builder_dock.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "app/window/controller.h"
#include "app/window/spec_fields.h"

namespace archscope::window {

namespace {

QString number_text(double v) { return QString::number(v, 'g', 10); }

}  // namespace

BuilderDock::BuilderDock(Controller& controller, QWidget* parent) : QScrollArea(parent), controller_(controller) {
  auto* body = new QWidget;
  auto* layout = new QVBoxLayout(body);
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  layout->addWidget(summary_);
  auto* reset = new QPushButton("Reset to the model as loaded");
  connect(reset, &QPushButton::clicked, this, [this] { controller_.reset_spec(); });
  layout->addWidget(reset);

  std::map<std::string, QFormLayout*> groups;
  for (const SpecField& f : spec_fields()) {
    QFormLayout*& form = groups[f.group];
    if (!form) {
      auto* box = new QGroupBox(QString::fromStdString(f.group));
      form = new QFormLayout(box);
      layout->addWidget(box);
    }
    auto* row = new QWidget;
    auto* col = new QVBoxLayout(row);
    col->setContentsMargins(0, 0, 0, 0);
    col->setSpacing(2);
    QWidget* editor = nullptr;
    const std::string path = f.path;
    switch (f.kind) {
      case SpecField::Kind::Int: {
        auto* spin = new QSpinBox;
        spin->setRange(static_cast<int>(f.min), static_cast<int>(f.max));
        spin->setKeyboardTracking(false);
        connect(spin, &QSpinBox::valueChanged, this, [this, path](int v) { changed(path, v); });
        editor = spin;
        break;
      }
      case SpecField::Kind::Double: {
        auto* edit = new QLineEdit;
        connect(edit, &QLineEdit::editingFinished, this, [this, path, edit, f] {
          bool ok = false;
          const double v = edit->text().toDouble(&ok);
          if (!ok || !std::isfinite(v) || v < f.min || v > f.max) {
            messages_[path]->setText(QString("expected a number from %1 to %2, found '%3'")
                                         .arg(number_text(f.min), number_text(f.max), edit->text()));
            messages_[path]->show();
            return;
          }
          changed(path, v);
        });
        editor = edit;
        break;
      }
      case SpecField::Kind::Bool: {
        auto* check = new QCheckBox;
        connect(check, &QCheckBox::toggled, this, [this, path](bool on) { changed(path, on ? 1 : 0); });
        editor = check;
        break;
      }
      case SpecField::Kind::Choice: {
        auto* combo = new QComboBox;
        for (const auto& c : f.choices) combo->addItem(QString::fromStdString(c));
        connect(combo, &QComboBox::activated, this, [this, path](int i) { changed(path, i); });
        editor = combo;
        break;
      }
    }
    editor->setToolTip(QString::fromStdString(f.path));
    auto* message = new QLabel;
    message->setWordWrap(true);
    message->setStyleSheet("color: #b00020;");
    message->hide();
    col->addWidget(editor);
    col->addWidget(message);
    form->addRow(QString::fromStdString(f.label), row);
    editors_[path] = editor;
    rows_[path] = row;
    messages_[path] = message;
  }
  layout->addStretch(1);
  setWidget(body);
  setWidgetResizable(true);
  connect(&controller_, &Controller::document_changed, this, [this] {
    if (!applying_) refresh();
  });
  refresh();
}

void BuilderDock::refresh() {
  draft_ = controller_.document().spec;
  for (const SpecField& f : spec_fields()) {
    QWidget* e = editors_[f.path];
    const QSignalBlocker block(e);
    const double v = f.get(draft_);
    if (auto* spin = qobject_cast<QSpinBox*>(e)) spin->setValue(static_cast<int>(v));
    if (auto* edit = qobject_cast<QLineEdit*>(e)) edit->setText(number_text(v));
    if (auto* check = qobject_cast<QCheckBox*>(e)) check->setChecked(v != 0);
    if (auto* combo = qobject_cast<QComboBox*>(e)) combo->setCurrentIndex(static_cast<int>(v));
  }
  show_problems();
}

bool BuilderDock::edit(const std::string& path, double value) {
  if (!editors_.count(path)) return false;
  changed(path, value);
  return true;
}

void BuilderDock::changed(const std::string& path, double value) {
  for (const SpecField& f : spec_fields())
    if (f.path == path) f.set(draft_, value);
  if (path == "heads" || path == "kv_heads") {
    // MHA, GQA and MQA follow from the head counts; MLA is chosen explicitly.
    if (draft_.attention != AttentionKind::MLA) draft_.attention = attention_kind_for(draft_.heads, draft_.kv_heads);
  }
  show_problems();
  if (validate(draft_).empty()) {
    applying_ = true;
    controller_.set_spec(draft_);
    applying_ = false;
  }
}

void BuilderDock::show_problems() {
  for (auto& [path, label] : messages_) label->hide();
  const std::vector<std::string> problems = validate(draft_);
  QStringList general;
  for (const std::string& p : problems) {
    auto it = messages_.find(message_field(p));
    if (it != messages_.end()) {
      it->second->setText(QString::fromStdString(p));
      it->second->show();
    } else {
      general << QString::fromStdString(p);
    }
  }
  for (const SpecField& f : spec_fields()) rows_[f.path]->setEnabled(f.applies(draft_) || !messages_[f.path]->isHidden());
  if (problems.empty()) {
    summary_->setStyleSheet("");
    summary_->setText("Every change runs at once. Fields that do not apply to this model are greyed out.");
  } else {
    summary_->setStyleSheet("color: #b00020;");
    summary_->setText(QString("Not run: %1 problem(s). The last valid model stays on screen.%2")
                          .arg(problems.size())
                          .arg(general.isEmpty() ? "" : "\n" + general.join("\n")));
  }
}

}  // namespace archscope::window
