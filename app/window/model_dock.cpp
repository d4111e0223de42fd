// Preset, folder and input controls.
#include "app/window/model_dock.h"

#include <QFormLayout>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include "app/window/controller.h"
#include "engine/model/presets.h"

namespace archscope::window {

ModelDock::ModelDock(Controller& controller, QWidget* parent) : QWidget(parent), controller_(controller) {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  preset_ = new QComboBox;
  for (const Preset& p : presets()) {
    preset_->addItem(QString::fromStdString(p.name), QString::fromStdString(p.name));
    preset_->setItemData(preset_->count() - 1, QString::fromStdString(p.full.description), Qt::ToolTipRole);
  }
  preset_->addItem("(model folder)", QString());
  preset_->setToolTip("Architecture presets run at a classroom size with the same structure");
  form->addRow("Preset", preset_);
  full_size_ = new QCheckBox("published size (if memory allows)");
  form->addRow("", full_size_);
  auto* open = new QPushButton("Open model folder…");
  open->setToolTip("A Hugging Face folder: config.json and model.safetensors (Ctrl+O)");
  form->addRow("", open);
  source_ = new QLabel;
  source_->setWordWrap(true);
  source_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow("Model", source_);
  input_label_ = new QLabel("Text");
  input_ = new QLineEdit;
  input_->setClearButtonEnabled(true);
  form->addRow(input_label_, input_);
  decoder_label_ = new QLabel("Decoder text");
  decoder_ = new QLineEdit;
  form->addRow(decoder_label_, decoder_);
  backend_ = new QComboBox;
  for (const std::string& name : backend_names()) backend_->addItem(QString::fromStdString(name));
  backend_->setToolTip("The compute backend: cpu is the fast one (OpenBLAS, every core); reference is the "
                       "plain-loop oracle every other backend is tested against, many times slower; the "
                       "status bar shows which one ran and how long it took");
  form->addRow("Backend", backend_);
  layout->addLayout(form);
  notes_ = new QLabel;
  notes_->setWordWrap(true);
  notes_->setStyleSheet("color: #8a4b00;");
  layout->addWidget(notes_);
  layout->addStretch(1);

  connect(preset_, &QComboBox::activated, this, [this](int i) {
    const QString name = preset_->itemData(i).toString();
    if (name.isEmpty()) {
      emit open_folder_requested();
      refresh();
      return;
    }
    controller_.open_preset(name.toStdString(), full_size_->isChecked());
  });
  connect(full_size_, &QCheckBox::toggled, this, [this](bool on) {
    const QString name = preset_->currentData().toString();
    if (!name.isEmpty() && !controller_.open_preset(name.toStdString(), on)) refresh();
  });
  connect(backend_, &QComboBox::activated, this, [this](int i) {
    if (!controller_.set_backend(backend_->itemText(i).toStdString())) refresh();
  });
  connect(open, &QPushButton::clicked, this, &ModelDock::open_folder_requested);
  connect(input_, &QLineEdit::textEdited, this, [this](const QString& t) {
    if (controller_.document().is_preset()) controller_.set_text(t.toStdString());
    else controller_.set_input_ids(t.toStdString());
  });
  connect(decoder_, &QLineEdit::textEdited, this, [this](const QString& t) { controller_.set_decoder_text(t.toStdString()); });
  connect(&controller_, &Controller::document_changed, this, &ModelDock::refresh);
  connect(&controller_, &Controller::scene_changed, this, [this] {
    notes_->setText(controller_.notes().join("\n"));
    notes_->setVisible(!controller_.notes().isEmpty());
  });
  refresh();
}

void ModelDock::refresh() {
  const auto& d = controller_.document();
  const QSignalBlocker b1(preset_), b2(full_size_), b3(input_), b4(decoder_);
  const int index = d.is_preset() ? preset_->findData(QString::fromStdString(d.model)) : preset_->count() - 1;
  preset_->setCurrentIndex(index);
  full_size_->setChecked(d.full_size);
  full_size_->setEnabled(d.is_preset());
  const QSignalBlocker b5(backend_);
  backend_->setCurrentText(QString::fromStdString(d.backend));
  source_->setText(QString::fromStdString(d.display_name() + "\n" + d.spec.description));
  const bool enc_dec = d.spec.family == Family::EncoderDecoder;
  if (d.is_preset()) {
    input_label_->setText("Text");
    input_->setPlaceholderText("a sentence in the built-in vocabulary");
    if (input_->text().toStdString() != d.text) input_->setText(QString::fromStdString(d.text));
    decoder_label_->setText("Decoder text");
    if (decoder_->text().toStdString() != d.decoder_text) decoder_->setText(QString::fromStdString(d.decoder_text));
  } else {
    input_label_->setText("Token ids");
    input_->setPlaceholderText("comma-separated ids, e.g. 3,17,5 (no tokenizer is read yet)");
    if (input_->text().toStdString() != d.input_ids) input_->setText(QString::fromStdString(d.input_ids));
    decoder_label_->setText("Decoder ids");
    if (decoder_->text().toStdString() != d.decoder_ids) decoder_->setText(QString::fromStdString(d.decoder_ids));
  }
  decoder_label_->setVisible(enc_dec);
  decoder_->setVisible(enc_dec);
}

}  // namespace archscope::window
