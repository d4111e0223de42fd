// Names of the scene's enums.
#include "app/views/scene.h"

namespace archscope::views {

const char* to_string(Objective o) {
  switch (o) {
    case Objective::MaskedLM: return "masked LM";
    case Objective::CausalLM: return "causal LM";
    case Objective::PrefixLM: return "prefix LM";
    case Objective::SpanCorruption: return "span corruption";
    case Objective::Denoising: return "denoising";
  }
  return "?";
}

}  // namespace archscope::views
