// The "Focus and routing" dock: which stack, layer and head the views show,
// and the MoE knobs: the capacity-factor slider (0.25 to 4, or dropless), the
// capacity formula, the drop policy, top-k and the router function.
#pragma once

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QWidget>

namespace archscope::window {

class Controller;

class RoutingDock : public QWidget {
  Q_OBJECT

 public:
  RoutingDock(Controller& controller, QWidget* parent = nullptr);
  void refresh();
  // The capacity slider as a user moves it: factor in [0.25, 4].
  QSlider* capacity_slider() const { return capacity_; }

 private:
  Controller& controller_;
  QComboBox* stack_;
  QSpinBox* layer_;
  QSpinBox* head_;
  QLabel* moe_note_;
  QSlider* capacity_;
  QLabel* capacity_value_;
  QCheckBox* dropless_;
  QComboBox* formula_;
  QComboBox* policy_;
  QSpinBox* top_k_;
  QComboBox* router_;
  QWidget* moe_box_;
};

// Slider steps of 0.05 from 0.25 to 4.
constexpr int kCapacityStepsPerUnit = 20;
constexpr double kCapacityMin = 0.25, kCapacityMax = 4.0;

}  // namespace archscope::window
