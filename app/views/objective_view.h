// Objective view: what the model is trained to predict on the current
// sentence, token by token: masked LM, causal LM, prefix LM, T5 span
// corruption or BART-style denoising. The input it reads above, the targets
// its loss uses below, and for the decoder-style objectives the mask that
// goes with them on the same columns.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class ObjectiveView final : public View {
 public:
  const char* id() const override { return "objective"; }
  const char* title() const override { return "Training objective"; }
  void draw(ViewContext& ctx) override;
  void toolbar(const Scene& scene, const Actions& actions, const Theme& theme) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }
};

}  // namespace archscope::views
