// Document: what the user has set up in the explorer. The model (a preset or
// a Hugging Face folder) and its spec as edited, the input, and the choices of
// the views. The spec is the one source of truth for routing knobs too: the
// capacity slider edits spec.moe like the builder does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/views/scene.h"
#include "engine/model/ledger.h"
#include "engine/model/model_spec.h"

namespace archscope::explorer {

// The backend runs use until the user picks another: the fast CPU backend
// (the reference is the oracle, many times slower).
constexpr const char* kDefaultBackend = "cpu";

struct Document {
  // Where the model comes from: a preset name, or a model folder.
  std::string model;
  bool full_size = false;  // presets: the published size instead of the classroom size
  std::string folder;      // set for model folders
  ModelSpec loaded;        // as the preset or config.json gave it
  ModelSpec spec;          // as edited; always valid
  uint64_t seed = 1234;    // presets' (and edited checkpoints') weights
  std::vector<std::string> load_warnings;  // tensors of the checkpoint the spec does not use
  std::string backend = kDefaultBackend;  // a name backend_names() lists

  // Input: text in the presets' word vocabulary, or token ids for folders.
  std::string text;
  std::string input_ids;     // "3,17,5"
  std::string decoder_text;  // encoder-decoder presets
  std::string decoder_ids;   // encoder-decoder folders

  // View choices.
  views::Focus focus;
  Stack selected_stack = Stack::Decoder;
  int selected_token = -1;
  std::vector<views::MaskPanel> masks;
  views::Objective objective = views::Objective::CausalLM;
  int64_t ledger_context = 4096;
  DType ledger_dtype = DType::BF16;

  bool is_preset() const { return folder.empty(); }
  // "mixtral (classroom size)", "~/models/tiny-gpt2"
  std::string display_name() const;
};

// A document on a preset, at its classroom size unless `full_size`, with the
// demo sentence and the views' defaults for its family.
Document preset_document(const std::string& preset, bool full_size = false);
// A document on a model folder (config.json + model.safetensors); throws
// InputError naming the file and problem. Input ids start empty.
Document folder_document(const std::string& folder);

// The mask comparison a spec opens with: its own mask beside the contrasting ones.
std::vector<views::MaskPanel> default_mask_panels(const ModelSpec& spec);
// The training objective of a spec's family.
views::Objective default_objective(const ModelSpec& spec);
// The default FLOPs context: 4096, or the position table when it is smaller.
int64_t default_ledger_context(const ModelSpec& spec);

// Does changing `a` into `b` keep every weight shape (routing, masks and
// knobs only)? Then the same weights serve both.
bool same_weights(const ModelSpec& a, const ModelSpec& b);
// Does it change only the MoE routing (capacity, drop policy, top-k, router
// function)? Then a run can restart at the first MoE layer's routing.
bool routing_only_change(const ModelSpec& a, const ModelSpec& b);

}  // namespace archscope::explorer
