// Router view: tokens x experts, coloured by the router's probability
// (softmax) or score (sigmoid), the chosen experts outlined with their
// combine weights, dropped choices crossed out, and for group-limited routing
// the expert groups with the groups each token kept. A selected token's
// choices in every MoE layer are listed beside the grid.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class RouterView final : public View {
 public:
  const char* id() const override { return "router"; }
  const char* title() const override { return "Router"; }
  void draw(ViewContext& ctx) override;
  void toolbar(const Scene& scene, const Actions& actions, const Theme& theme) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;

 private:
  void draw_path(ViewContext& ctx, Rect area);
};

// The MoE-layer picker shared by the router and load toolbars.
void moe_layer_picker(const Scene& scene, const Actions& actions);

}  // namespace archscope::views
