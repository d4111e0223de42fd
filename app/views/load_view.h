// Expert load view: per expert, the choices routed to it before the capacity
// cut and those kept after it, the capacity line, the overflow that was
// dropped in a colour (and hatch) of its own, and the perfectly balanced
// level T·k/E. The focused MoE layer large, every MoE layer small below it.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class LoadView final : public View {
 public:
  const char* id() const override { return "load"; }
  const char* title() const override { return "Expert load"; }
  void draw(ViewContext& ctx) override;
  void toolbar(const Scene& scene, const Actions& actions, const Theme& theme) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }
};

}  // namespace archscope::views
