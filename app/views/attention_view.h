// Attention view: every layer and head as a small heatmap, heads that share a
// KV head (GQA, MQA) grouped, and the focused head enlarged with token labels.
// Hovering a cell gives the query, the key and the exact probability; masked
// cells are hatched, so they never pass for probabilities near zero.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class AttentionView final : public View {
 public:
  const char* id() const override { return "attention"; }
  const char* title() const override { return "Attention"; }
  void draw(ViewContext& ctx) override;
  void toolbar(const Scene& scene, const Actions& actions, const Theme& theme) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;

 private:
  void draw_grid(ViewContext& ctx, Rect area);
  void draw_focus(ViewContext& ctx, Rect area);
  bool sqrt_scale_ = false;  // stretch small probabilities so faint attention shows
};

// The attention records of the focused stack (self or cross), in layer order.
const std::vector<AttentionRecord>* attention_records(const Scene& scene, Stack stack, bool cross);
// "GQA: 8 query heads share 2 KV heads (4 per group)"
std::string kv_sharing(const ModelSpec& spec);

}  // namespace archscope::views
