// The "Model" dock: the preset picker, opening a model folder, and the
// input: a sentence in the presets' vocabulary, or token ids for a folder.
#pragma once

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QWidget>

namespace archscope::window {

class Controller;

class ModelDock : public QWidget {
  Q_OBJECT

 public:
  ModelDock(Controller& controller, QWidget* parent = nullptr);
  // Shows the controller's document (after a change made elsewhere).
  void refresh();

 signals:
  void open_folder_requested();

 private:
  Controller& controller_;
  QComboBox* preset_;
  QCheckBox* full_size_;
  QLabel* source_;
  QLabel* input_label_;
  QLineEdit* input_;
  QLabel* decoder_label_;
  QLineEdit* decoder_;
  QLabel* notes_;
  QComboBox* backend_;
};

}  // namespace archscope::window
