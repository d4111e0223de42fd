// What the MoE views share: finding a stack's MoE records, and describing
// the router and the capacity rule in words.
#pragma once

#include <string>
#include <vector>

#include "app/views/scene.h"

namespace archscope::views {

// The MoE records of a stack, in layer order (empty for dense models).
const std::vector<MoeRecord>& moe_records(const Scene& scene, Stack stack);
// The stack whose MoE layers the views show: the focused one if it has any.
Stack moe_stack(const Scene& scene);
// The record of the focused layer, or of the first MoE layer after it (or the
// last); null when the stack has none.
const MoeRecord* focused_moe(const Scene& scene);

// "softmax, top-2, renormalised" / "sigmoid + correction bias, 8 groups keep 4, top-8, ×2.5"
std::string describe_router(const MoeSpec& moe);
// "capacity 5 = ⌈1.25 × 16 × 2 / 8⌉ (k-aware)" / "dropless"
std::string describe_capacity(const MoeSpec& moe, const Routing& routing);

// Index of expert e among token t's choices, or -1.
int choice_rank(const Routing& r, int t, int e);

}  // namespace archscope::views
