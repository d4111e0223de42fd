// Tokens view: the sentence once per MoE layer, each token split into its
// chosen experts' colours (and numbers), dropped choices crossed out, tokens
// that lost every choice outlined and struck through, the drop rate of each
// layer beside its strip. Clicking a token selects it everywhere.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class TokensView final : public View {
 public:
  const char* id() const override { return "tokens"; }
  const char* title() const override { return "Tokens and experts"; }
  void draw(ViewContext& ctx) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }
};

}  // namespace archscope::views
