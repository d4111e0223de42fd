// The snapshot the views draw: the document's choices, the latest finished
// run and the ledger of the spec.
#pragma once

#include "app/explorer/document.h"
#include "app/explorer/runner.h"
#include "app/views/scene.h"

namespace archscope::explorer {

// `run` may be null (nothing has finished yet). The focus is clamped to what
// the spec has, so a view never indexes past the model.
views::Scene make_scene(const Document& doc, const RunResult* run, uint64_t version);

// The focus moved into range for `spec` (layers, heads, the stacks it has).
views::Focus clamp_focus(const ModelSpec& spec, views::Focus focus);

}  // namespace archscope::explorer
