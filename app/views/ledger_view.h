// Ledger view: what the architecture costs. Parameters total and active per
// token with their breakdown, the KV cache per token and at the chosen
// context, FLOPs per token; and MHA, GQA, MQA and MLA side by side at the
// model's own width, so the cache each saves is one picture.
#pragma once

#include "app/views/view.h"

namespace archscope::views {

class LedgerView final : public View {
 public:
  const char* id() const override { return "ledger"; }
  const char* title() const override { return "Ledger"; }
  void draw(ViewContext& ctx) override;
  void toolbar(const Scene& scene, const Actions& actions, const Theme& theme) override;
  nlohmann::json data(const Scene& scene) const override;
  std::vector<std::vector<std::string>> table(const Scene& scene) const override;
  bool vector_export() const override { return true; }
};

// The spec the ledger describes: a preset's published size when the scene
// runs its classroom size, else the spec itself.
const ModelSpec& ledger_spec(const Scene& scene);

// The ledger at `context`, held to a learned position table's length: a
// classroom BERT has 128 positions while its published size has 512, and the
// context slider is shared by both.
Ledger ledger_at(const ModelSpec& spec, DType dtype, int64_t context);

struct AttentionVariant {
  std::string name;  // "GQA (8 KV heads)"
  ModelSpec spec;
  Ledger ledger;
};
// The same model with MHA, GQA, MQA and MLA attention at the same width and
// heads (variants whose spec would be invalid are left out).
std::vector<AttentionVariant> attention_variants(const ModelSpec& spec, DType dtype, int64_t context);

}  // namespace archscope::views
