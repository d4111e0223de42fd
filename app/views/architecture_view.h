// Architecture view: the spec as a diagram. Embeddings, one block drawn in
// full with its norm placement (pre, post, parallel) and residuals, the
// attention with its query heads grouped onto KV heads (or MLA's latents),
// the FFN or the MoE layer with its router, experts, shared experts and
// groups, cross-attention for encoder-decoders, and the head. Beside it the
// plan of which layers are dense and which are MoE.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class ArchitectureView final : public View {
 public:
  const char* id() const override { return "architecture"; }
  const char* title() const override { return "Architecture"; }
  void draw(ViewContext& ctx) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }
};

}  // namespace archscope::views
