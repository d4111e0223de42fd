// Every tensor of a checkpoint is either used or reported: transformers warns
// about unexpected keys, and Archscope must not be quieter than it.
#pragma once

#include "engine/io/checkpoint_reader.h"
#include "engine/model/model_spec.h"

namespace archscope {

// Looks at the tensors `reader` has not read. Harmless ones (buffers, BERT's
// pooler and NSP head, layers past the config's count, stale copies of tied
// tables) become one warning each in `report`. Any that would change the
// numbers under another reading of config.json (an output head of its own,
// shared experts, biases, expert or layer weights with no place in the spec)
// make it throw an InputError that names every one of them and why.
void audit_unused_tensors(const ModelSpec& spec, const CheckpointReader& reader, LoadReport& report);

}  // namespace archscope
