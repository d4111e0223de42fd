// Mask view: which keys each query may see, as T x T grids with token labels,
// two or three mask kinds side by side on the same sentence. The prefix
// boundary can be dragged; the toolbar picks kinds, windows and chunk sizes.
#pragma once

#include "app/views/view.h"
#include "engine/run/mask.h"

namespace archscope::views {

class MaskView final : public View {
 public:
  const char* id() const override { return "mask"; }
  const char* title() const override { return "Attention masks"; }
  void draw(ViewContext& ctx) override;
  void toolbar(const Scene& scene, const Actions& actions, const Theme& theme) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }

 private:
  int dragging_prefix_ = -1;  // the panel whose prefix boundary is being dragged
};

// The mask of a panel on the scene's sentence: the traced mask of the focused
// layer for the model's own panels (it carries key padding), else the spec's.
AttentionMask panel_mask(const Scene& scene, const MaskPanel& panel, int panel_index);
// Query and key counts of a panel (cross panels: decoder x encoder tokens).
std::pair<int, int> panel_shape(const Scene& scene, const MaskPanel& panel);
// Why a query may or may not see a key, in words a class understands.
std::string mask_reason(const AttentionMask& mask, int q, int kv);
// "causal", "prefix 5", "sliding window 4", "chunks of 4", "cross"
std::string describe_mask(const MaskSpec& mask, bool cross);

}  // namespace archscope::views
