// Assembling a Scene.
#include "app/explorer/scene_builder.h"

#include <algorithm>

#include "app/views/ledger_view.h"
#include "engine/model/presets.h"

namespace archscope::explorer {

views::Focus clamp_focus(const ModelSpec& s, views::Focus f) {
  if (s.family == Family::EncoderOnly) f.stack = Stack::Encoder;
  if (s.family == Family::DecoderOnly || s.family == Family::PrefixLM) f.stack = Stack::Decoder;
  if (f.stack == Stack::Encoder) f.cross = false;
  const int layers = f.stack == Stack::Decoder && s.family == Family::EncoderDecoder ? s.decoder_layers : s.layers;
  f.layer = std::clamp(f.layer, 0, std::max(layers - 1, 0));
  f.head = std::clamp(f.head, 0, std::max(s.heads - 1, 0));
  if (s.family != Family::EncoderDecoder) f.cross = false;
  return f;
}

views::Scene make_scene(const Document& doc, const RunResult* run, uint64_t version) {
  views::Scene scene;
  scene.version = version;
  scene.model_name = doc.display_name();
  scene.focus = clamp_focus(doc.spec, doc.focus);
  scene.selected_stack = doc.selected_stack;
  scene.selected_token = doc.selected_token;
  scene.masks = doc.masks;
  scene.objective = doc.objective;
  scene.ledger_context = doc.ledger_context;
  scene.ledger_dtype = doc.ledger_dtype;
  if (run && run->trace) {
    // The views show the model that ran; the document may already be ahead of it.
    scene.spec = run->trace->spec;
    scene.trace = run->trace;
    scene.tokens = run->tokens.labels;
    scene.decoder_tokens = run->tokens.decoder_labels;
    scene.focus = clamp_focus(scene.spec, scene.focus);
  } else {
    scene.spec = doc.spec;
    try {
      Tokens t = tokens_of(doc);
      scene.tokens = t.labels;
      scene.decoder_tokens = t.decoder_labels;
    } catch (const std::exception&) {
      // No valid input yet: the views show the model without tokens.
    }
  }
  scene.ledger = views::ledger_at(doc.spec, doc.ledger_dtype, doc.ledger_context);
  if (doc.is_preset() && !doc.full_size)
    if (const Preset* p = find_preset(doc.model)) scene.published = p->full;
  return scene;
}

}  // namespace archscope::explorer
