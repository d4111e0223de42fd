// Documents on presets and folders, and the defaults of the views per family.
#include "app/explorer/document.h"

#include <algorithm>
#include <filesystem>

#include "app/model_source.h"
#include "engine/errors.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"

namespace archscope::explorer {

namespace {

views::MaskPanel panel(const std::string& title, MaskKind kind, int prefix = 0, int window = 0, int chunk = 0) {
  views::MaskPanel p;
  p.title = title;
  p.mask.kind = kind;
  p.mask.prefix_length = prefix;
  p.mask.window = window;
  p.mask.chunk_size = chunk;
  return p;
}

// Fields that change no weight shape: masks, positions' constants, routing knobs, labels.
void copy_weightless_fields(const ModelSpec& from, ModelSpec& to) {
  to.name = from.name;
  to.description = from.description;
  to.mask = from.mask;
  to.rope = from.rope;
  to.buckets.max_distance = from.buckets.max_distance;
  to.scale_attention = from.scale_attention;
  to.norm_eps = from.norm_eps;
  to.lora = from.lora;
  to.scale_decoder_outputs = from.scale_decoder_outputs;
  const MoeSpec& m = from.moe;
  MoeSpec& n = to.moe;
  n.top_k = m.top_k;
  n.router = m.router;
  n.normalize_top_k = m.normalize_top_k;
  n.top_groups = m.top_groups;
  n.group_score = m.group_score;
  n.routed_scaling = m.routed_scaling;
  n.capacity_mode = m.capacity_mode;
  n.capacity = m.capacity;
  n.capacity_factor = m.capacity_factor;
  n.capacity_formula = m.capacity_formula;
  n.drop_policy = m.drop_policy;
  n.drop_output = m.drop_output;
  n.aux_loss_coef = m.aux_loss_coef;
  n.z_loss_coef = m.z_loss_coef;
  n.library_compat = m.library_compat;
  n.compat_mode = m.compat_mode;
}

}  // namespace

std::string Document::display_name() const {
  if (!is_preset()) return folder;
  return model + (full_size ? " (published size)" : " (classroom size)");
}

std::vector<views::MaskPanel> default_mask_panels(const ModelSpec& s) {
  const int prefix = s.mask.kind == MaskKind::Prefix && s.mask.prefix_length > 0 ? s.mask.prefix_length : 5;
  views::MaskPanel own = panel(s.name + " (this model)", s.mask.kind);
  own.mask = s.mask;
  switch (s.family) {
    case Family::EncoderOnly:
      return {panel(s.name + " (this model)", MaskKind::Bidirectional), panel("causal (GPT)", MaskKind::Causal),
              panel("prefix LM", MaskKind::Prefix, prefix)};
    case Family::EncoderDecoder: {
      views::MaskPanel cross = panel("decoder → encoder (cross)", MaskKind::Bidirectional);
      cross.cross = true;
      views::MaskPanel decoder = own;
      decoder.title = "decoder self-attention";
      return {panel("encoder self-attention", MaskKind::Bidirectional), decoder, cross};
    }
    case Family::PrefixLM:
      return {own, panel("causal (GPT)", MaskKind::Causal), panel("bidirectional (BERT)", MaskKind::Bidirectional)};
    case Family::DecoderOnly:
      if (s.mask.kind == MaskKind::SlidingWindow || s.mask.kind == MaskKind::Chunked)
        return {own, panel("causal (full)", MaskKind::Causal), panel("chunked", MaskKind::Chunked, 0, 0, 4)};
      return {own, panel("bidirectional (BERT)", MaskKind::Bidirectional), panel("prefix LM", MaskKind::Prefix, prefix)};
  }
  return {own};
}

views::Objective default_objective(const ModelSpec& s) {
  switch (s.family) {
    case Family::EncoderOnly: return views::Objective::MaskedLM;
    case Family::DecoderOnly: return views::Objective::CausalLM;
    case Family::PrefixLM: return views::Objective::PrefixLM;
    case Family::EncoderDecoder: return views::Objective::SpanCorruption;
  }
  return views::Objective::CausalLM;
}

int64_t default_ledger_context(const ModelSpec& s) {
  if (s.position == PositionKind::Learned && s.max_positions > 0) return std::min<int64_t>(4096, s.max_positions);
  return 4096;
}

bool same_weights(const ModelSpec& a, const ModelSpec& b) {
  ModelSpec x = a;
  copy_weightless_fields(b, x);
  return x == b;
}

bool routing_only_change(const ModelSpec& a, const ModelSpec& b) {
  ModelSpec x = a;
  const MoeSpec& m = b.moe;
  x.moe.top_k = m.top_k;
  x.moe.router = m.router;
  x.moe.capacity_mode = m.capacity_mode;
  x.moe.capacity = m.capacity;
  x.moe.capacity_factor = m.capacity_factor;
  x.moe.capacity_formula = m.capacity_formula;
  x.moe.drop_policy = m.drop_policy;
  x.moe.drop_output = m.drop_output;
  x.moe.library_compat = m.library_compat;
  x.moe.compat_mode = m.compat_mode;
  return x == b && a.is_moe();
}

Document preset_document(const std::string& name, bool full_size) {
  const Preset* p = find_preset(name);
  if (!p) throw InputError("'" + name + "' is not a preset (" + preset_names() + ")");
  Document d;
  d.model = p->name;
  d.full_size = full_size;
  d.loaded = d.spec = full_size ? p->full : p->classroom;
  d.text = demo_sentence();
  if (d.spec.family == Family::EncoderDecoder) d.decoder_text = "the cat sat on the mat .";
  d.masks = default_mask_panels(d.spec);
  d.objective = default_objective(d.spec);
  d.ledger_context = default_ledger_context(p->full);
  d.focus.stack = d.spec.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder;
  d.selected_stack = d.focus.stack;
  return d;
}

Document folder_document(const std::string& folder) {
  ModelSource source = resolve_model(folder, false);
  if (source.is_preset) return preset_document(folder);
  // The checkpoint's header settles what the config leaves open and is checked
  // against the spec now, so a broken folder is refused before anything runs.
  check_checkpoint(source);
  Document d;
  d.model = folder;
  d.folder = source.folder;
  d.loaded = d.spec = source.spec;
  d.load_warnings = source.report.warnings;
  d.masks = default_mask_panels(d.spec);
  d.objective = default_objective(d.spec);
  d.ledger_context = default_ledger_context(d.spec);
  d.focus.stack = d.spec.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder;
  d.selected_stack = d.focus.stack;
  return d;
}

}  // namespace archscope::explorer
