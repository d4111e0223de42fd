// The compatibility modes of Switch Transformers in Hugging Face transformers.
//
// SwitchTransformersTop1Router counts each expert's tokens with
// cumsum(one_hot(expert), dim=-2) and keeps those with count <= expert_capacity.
// Up to 4.57 the router saw hidden states of shape (batch, seq, D), so the
// count ran along the sequence and the capacity bound. From 5.0 the sparse MLP
// flattens them to (batch*seq, D) first; the one-hot is then (tokens, 1, E) and
// the cumsum runs over a length-1 axis, so no token is ever dropped. What a
// dropped token outputs changed too: SwitchTransformersSparseMLP.forward began
// with `next_states = hidden_states.clone()` and ended with
// `hidden_states = router_probs * next_states`, so a dropped token came out as
// p·x; from 4.52 `next_states` starts as zeros, so it comes out as 0.
#include "engine/model/compat.h"

#include "engine/errors.h"

namespace archscope {

const std::vector<CompatMode>& compat_modes() {
  static const std::vector<CompatMode> modes = {
      {"scaled-input", "transformers 4.25 to 4.51",
       "expert_capacity tokens per expert and sequence, first come first served; a dropped token "
       "outputs p·x (the router probability times its input)",
       "SwitchTransformersSparseMLP.forward: next_states = hidden_states.clone(); "
       "hidden_states = router_probs * next_states"},
      {"zero", "transformers 4.52 to 4.57",
       "expert_capacity tokens per expert and sequence, first come first served; a dropped token "
       "outputs 0, so the residual carries it",
       "SwitchTransformersSparseMLP.forward: next_states = torch.zeros(hidden_states.shape, ...)"},
  };
  return modes;
}

std::string compat_mode_names() {
  std::string out;
  for (const CompatMode& m : compat_modes()) out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

std::string compat_mode_help() {
  std::string out = "Reproduce Switch Transformers as an older transformers ran it, with the config's "
                    "expert_capacity (default: as transformers 5 runs it, dropless):";
  for (const CompatMode& m : compat_modes())
    out += "\n  " + m.name + ": " + m.versions + ", " + m.behaviour + "\n    (" + m.source + ")";
  return out;
}

void apply_compat_mode(ModelSpec& s, const std::string& name) {
  const CompatMode* mode = nullptr;
  for (const CompatMode& m : compat_modes())
    if (m.name == name) mode = &m;
  if (!mode)
    throw InputError("--compat: expected one of " + compat_mode_names() + "; found '" + name + "'");
  if (s.layout != WeightLayout::Switch || !s.is_moe())
    throw InputError("--compat " + name + ": the compatibility modes reproduce Switch Transformers in "
                     "older transformers versions; " + s.name + " is not a Switch model");
  MoeSpec& m = s.moe;
  if (m.capacity <= 0)
    throw InputError("--compat " + name + ": " + s.name + " has no expert_capacity to apply");
  m.capacity_mode = CapacityMode::Fixed;  // m.capacity holds the config's expert_capacity
  m.drop_policy = DropPolicy::Position;
  m.drop_output = name == "scaled-input" ? DropOutput::ScaledInput : DropOutput::Zero;
  m.compat_mode = name;
  m.library_compat = "compatibility mode '" + name + "' (" + mode->versions + ", expert_capacity " +
                     std::to_string(m.capacity) + "): " + mode->behaviour;
}

}  // namespace archscope
