// The "Builder" dock: every field of the spec, grouped, with the validation
// messages next to the field they name. A valid edit runs at once; an invalid
// one is kept in the form with its messages and never runs, and the last
// valid model stays on screen.
#pragma once

#include <map>
#include <string>

#include <QLabel>
#include <QScrollArea>
#include <QWidget>

#include "engine/model/model_spec.h"

namespace archscope::window {

class Controller;

class BuilderDock : public QScrollArea {
  Q_OBJECT

 public:
  BuilderDock(Controller& controller, QWidget* parent = nullptr);
  void refresh();  // from the controller's spec
  // The messages under each field path, as the form shows them now.
  const std::map<std::string, QLabel*>& messages() const { return messages_; }
  // Tests: edit one field by path as a user would.
  bool edit(const std::string& path, double value);

 private:
  void changed(const std::string& path, double value);
  void show_problems();

  Controller& controller_;
  ModelSpec draft_;
  QLabel* summary_;
  std::map<std::string, QWidget*> editors_;
  std::map<std::string, QWidget*> rows_;
  std::map<std::string, QLabel*> messages_;
  bool applying_ = false;
};

}  // namespace archscope::window
