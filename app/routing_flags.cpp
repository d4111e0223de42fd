// Routing flags to MoeSpec fields.
#include "app/routing_flags.h"

#include "engine/errors.h"

namespace archscope {

void RoutingFlags::add_to(CLI::App* cmd) {
  auto* cf = cmd->add_option("--capacity-factor", capacity_factor, "Capacity factor (slots from factor x tokens / experts)")
                 ->check(CLI::PositiveNumber);
  auto* cap = cmd->add_option("--capacity", capacity, "Fixed slots per expert")->check(CLI::PositiveNumber);
  auto* dl = cmd->add_flag("--dropless", dropless, "No capacity limit");
  cf->excludes(cap)->excludes(dl);
  cap->excludes(dl);
  cmd->add_option("--capacity-formula", capacity_formula, "per-token: ceil(cf T/E); megatron: ceil(cf T k/E)")
      ->check(CLI::IsMember({"per-token", "megatron"}));
  cmd->add_option("--drop-policy", drop_policy, "Who is dropped first: position or priority")
      ->check(CLI::IsMember({"position", "priority"}));
  cmd->add_option("--drop-output", drop_output, "zero (papers) or scaled-input (transformers 4.x Switch)")
      ->check(CLI::IsMember({"zero", "scaled-input"}));
  cmd->add_option("--top-k", top_k, "Experts per token")->check(CLI::PositiveNumber);
  cmd->add_option("--router", router, "Router function: softmax or sigmoid")->check(CLI::IsMember({"softmax", "sigmoid"}));
}

bool RoutingFlags::any() const {
  return capacity_factor > 0 || capacity > 0 || dropless || !capacity_formula.empty() || !drop_policy.empty() ||
         !drop_output.empty() || top_k > 0 || !router.empty();
}

void RoutingFlags::apply(ModelSpec& s) const {
  if (!any()) return;
  if (!s.is_moe()) throw InputError(s.name + " has no experts, so routing flags do not apply to it");
  MoeSpec& m = s.moe;
  if (capacity_factor > 0) {
    m.capacity_mode = CapacityMode::Factor;
    m.capacity_factor = capacity_factor;
  }
  if (capacity > 0) {
    m.capacity_mode = CapacityMode::Fixed;
    m.capacity = capacity;
  }
  if (dropless) m.capacity_mode = CapacityMode::Dropless;
  if (m.capacity_mode != CapacityMode::Dropless) m.library_compat.clear();
  if (!capacity_formula.empty())
    m.capacity_formula = capacity_formula == "megatron" ? CapacityFormula::Megatron : CapacityFormula::PerToken;
  if (!drop_policy.empty()) m.drop_policy = drop_policy == "priority" ? DropPolicy::Priority : DropPolicy::Position;
  if (!drop_output.empty()) m.drop_output = drop_output == "scaled-input" ? DropOutput::ScaledInput : DropOutput::Zero;
  if (top_k > 0) m.top_k = top_k;
  if (!router.empty()) m.router = router == "sigmoid" ? RouterFunction::Sigmoid : RouterFunction::Softmax;
  validate_or_throw(s, "routing flags");
}

}  // namespace archscope
