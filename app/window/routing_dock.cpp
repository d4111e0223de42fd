// Focus and routing controls.
#include "app/window/routing_dock.h"

#include <cmath>

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include "app/window/controller.h"
#include "engine/model/ledger_report.h"

namespace archscope::window {

RoutingDock::RoutingDock(Controller& controller, QWidget* parent) : QWidget(parent), controller_(controller) {
  auto* layout = new QVBoxLayout(this);
  auto* focus = new QGroupBox("Focus");
  auto* f = new QFormLayout(focus);
  stack_ = new QComboBox;
  stack_->addItems({"encoder self-attention", "decoder self-attention", "decoder cross-attention"});
  f->addRow("Stack", stack_);
  layer_ = new QSpinBox;
  layer_->setToolTip("Layer shown by the attention, mask, router and load views (Up/Down)");
  f->addRow("Layer", layer_);
  head_ = new QSpinBox;
  head_->setToolTip("Head enlarged by the attention view (Left/Right)");
  f->addRow("Head", head_);
  layout->addWidget(focus);

  auto* moe = new QGroupBox("Routing");
  moe_box_ = moe;
  auto* m = new QFormLayout(moe);
  moe_note_ = new QLabel;
  moe_note_->setWordWrap(true);
  m->addRow(moe_note_);
  auto* row = new QHBoxLayout;
  capacity_ = new QSlider(Qt::Horizontal);
  capacity_->setRange(static_cast<int>(kCapacityMin * kCapacityStepsPerUnit), static_cast<int>(kCapacityMax * kCapacityStepsPerUnit));
  capacity_->setToolTip("Capacity factor cf: slots per expert C follow from it by the capacity formula below ([ and ])");
  capacity_value_ = new QLabel;
  capacity_value_->setMinimumWidth(40);
  row->addWidget(capacity_, 1);
  row->addWidget(capacity_value_);
  m->addRow("Capacity factor", row);
  dropless_ = new QCheckBox("dropless (no capacity limit)");
  m->addRow("", dropless_);
  formula_ = new QComboBox;
  // One entry per formula, its source in the tooltip (model_spec.h).
  for (auto [f, label] : {std::pair{CapacityFormula::KAware, "k-aware: ⌈cf·T·k/E⌉"},
                          std::pair{CapacityFormula::PerToken, "per token: ⌈cf·T/E⌉"},
                          std::pair{CapacityFormula::Flaxformer, "flaxformer: max(round(cf·T/E), 4)"}}) {
    formula_->addItem(label, static_cast<int>(f));
    formula_->setItemData(formula_->count() - 1, QString(capacity_formula_source(f)), Qt::ToolTipRole);
  }
  m->addRow("Capacity formula", formula_);
  policy_ = new QComboBox;
  policy_->addItem("by position", static_cast<int>(DropPolicy::Position));
  policy_->addItem("by priority (BPR)", static_cast<int>(DropPolicy::Priority));
  policy_->setItemData(0, "Earlier tokens first; every first choice before any second choice", Qt::ToolTipRole);
  policy_->setItemData(1, "Batch Prioritized Routing (V-MoE, Riquelme et al. 2021): tokens by their top-1 router "
                          "probability, one order for every rank, first choices before second choices",
                       Qt::ToolTipRole);
  m->addRow("Drop first", policy_);
  top_k_ = new QSpinBox;
  top_k_->setRange(1, 1);
  m->addRow("Top-k", top_k_);
  router_ = new QComboBox;
  router_->addItem("softmax", static_cast<int>(RouterFunction::Softmax));
  router_->addItem("sigmoid", static_cast<int>(RouterFunction::Sigmoid));
  m->addRow("Router", router_);
  layout->addWidget(moe);
  layout->addStretch(1);

  auto focus_changed = [this] {
    views::Focus f = controller_.document().focus;
    const int s = stack_->currentIndex();
    f.stack = s == 0 ? Stack::Encoder : Stack::Decoder;
    f.cross = s == 2;
    f.layer = layer_->value();
    f.head = head_->value();
    controller_.set_focus(f);
  };
  connect(stack_, &QComboBox::activated, this, focus_changed);
  connect(layer_, &QSpinBox::valueChanged, this, focus_changed);
  connect(head_, &QSpinBox::valueChanged, this, focus_changed);
  connect(capacity_, &QSlider::valueChanged, this, [this](int v) {
    const double factor = static_cast<double>(v) / kCapacityStepsPerUnit;
    capacity_value_->setText(QString::number(factor, 'f', 2));
    controller_.set_capacity_factor(factor);
  });
  connect(dropless_, &QCheckBox::toggled, this, [this](bool on) {
    if (on) controller_.set_dropless();
    else controller_.set_capacity_factor(static_cast<double>(capacity_->value()) / kCapacityStepsPerUnit);
  });
  connect(formula_, &QComboBox::activated, this, [this] {
    controller_.set_capacity_formula(static_cast<CapacityFormula>(formula_->currentData().toInt()));
  });
  connect(policy_, &QComboBox::activated, this,
          [this] { controller_.set_drop_policy(static_cast<DropPolicy>(policy_->currentData().toInt())); });
  connect(top_k_, &QSpinBox::valueChanged, this, [this](int k) {
    if (k != controller_.document().spec.moe.top_k && !controller_.set_top_k(k)) refresh();
  });
  connect(router_, &QComboBox::activated, this,
          [this] { controller_.set_router(static_cast<RouterFunction>(router_->currentData().toInt())); });
  connect(&controller_, &Controller::document_changed, this, &RoutingDock::refresh);
  refresh();
}

void RoutingDock::refresh() {
  const auto& d = controller_.document();
  const ModelSpec& s = d.spec;
  const QSignalBlocker b1(stack_), b2(layer_), b3(head_), b4(capacity_), b5(dropless_), b6(formula_), b7(policy_),
      b8(top_k_), b9(router_);
  const bool enc_dec = s.family == Family::EncoderDecoder;
  stack_->setEnabled(enc_dec);
  stack_->setCurrentIndex(d.focus.stack == Stack::Encoder ? 0 : d.focus.cross ? 2 : 1);
  const int layers = d.focus.stack == Stack::Decoder && enc_dec ? s.decoder_layers : s.layers;
  layer_->setRange(0, std::max(0, layers - 1));
  layer_->setValue(d.focus.layer);
  head_->setRange(0, std::max(0, s.heads - 1));
  head_->setValue(d.focus.head);

  const bool moe = s.is_moe();
  for (QWidget* w : {static_cast<QWidget*>(capacity_), static_cast<QWidget*>(dropless_), static_cast<QWidget*>(formula_),
                     static_cast<QWidget*>(policy_), static_cast<QWidget*>(top_k_), static_cast<QWidget*>(router_)})
    w->setEnabled(moe);
  // The rule in force with its numbers ("factor 1.25: C = ceil(1.25 T 2 / 8) (k-aware), from 1 to T").
  QString note = QString("%1 experts, top-%2; capacity %3")
                     .arg(s.moe.experts)
                     .arg(s.moe.top_k)
                     .arg(QString::fromStdString(describe_capacity(s.moe)));
  if (!s.moe.library_compat.empty()) note += "\n" + QString::fromStdString(s.moe.library_compat);
  moe_note_->setText(moe ? note : "This model is dense: no experts to route to.");
  const double factor = std::clamp(s.moe.capacity_factor, kCapacityMin, kCapacityMax);
  capacity_->setValue(static_cast<int>(std::lround(factor * kCapacityStepsPerUnit)));
  capacity_value_->setText(s.moe.capacity_mode == CapacityMode::Fixed ? QString("%1 slots").arg(s.moe.capacity)
                                                                        : QString::number(factor, 'f', 2));
  dropless_->setChecked(s.moe.capacity_mode == CapacityMode::Dropless);
  capacity_->setEnabled(moe && s.moe.capacity_mode != CapacityMode::Dropless);
  formula_->setCurrentIndex(formula_->findData(static_cast<int>(s.moe.capacity_formula)));
  policy_->setCurrentIndex(policy_->findData(static_cast<int>(s.moe.drop_policy)));
  top_k_->setRange(1, std::max(1, s.moe.experts));
  top_k_->setValue(s.moe.top_k);
  router_->setCurrentIndex(router_->findData(static_cast<int>(s.moe.router)));
}

}  // namespace archscope::window
