// Preset names first, then paths.
#include "app/model_source.h"

#include <filesystem>

#include "engine/errors.h"
#include "engine/model/hf_config.h"
#include "engine/model/presets.h"

namespace archscope {

ModelSource resolve_model(const std::string& arg, bool classroom) {
  if (const Preset* p = find_preset(arg)) return {classroom ? p->classroom : p->full, true, ""};
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(arg, ec))
    throw InputError("'" + arg + "' is neither a preset (" + preset_names() +
                     ") nor an existing config.json or model folder");
  ModelSource source;
  source.spec = import_hf_config(arg);
  fs::path folder = fs::is_directory(arg, ec) ? fs::path(arg) : fs::path(arg).parent_path();
  source.folder = folder.empty() ? std::string(".") : folder.string();
  return source;
}

}  // namespace archscope
