// Metrics view: per MoE layer, the balance losses with their normalisation
// named, the z-loss, router entropy against its maximum, the load's
// coefficient of variation and max/mean, and the drop rates, each with a bar.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class MetricsView final : public View {
 public:
  const char* id() const override { return "metrics"; }
  const char* title() const override { return "Routing metrics"; }
  void draw(ViewContext& ctx) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }
};

}  // namespace archscope::views
