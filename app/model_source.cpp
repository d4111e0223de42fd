// Preset names first, then paths; and the checkpoint report of a folder.
#include "app/model_source.h"

#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/io/hf_weights.h"
#include "engine/io/json_input.h"
#include "engine/model/hf_config.h"
#include "engine/model/presets.h"

namespace archscope {

namespace fs = std::filesystem;

ModelSource resolve_model(const std::string& arg, bool classroom) {
  if (const Preset* p = find_preset(arg)) return {classroom ? p->classroom : p->full, true, "", {}};
  std::error_code ec;
  if (!fs::exists(arg, ec))
    throw InputError(quote_text(arg, 120, '\'') + " is neither a preset (" + preset_names() +
                     ") nor an existing config.json or model folder");
  ModelSource source;
  source.spec = import_hf_config(arg);
  fs::path folder = fs::is_directory(arg, ec) ? fs::path(arg) : fs::path(arg).parent_path();
  source.folder = folder.empty() ? std::string(".") : folder.string();
  return source;
}

std::string checkpoint_path(const ModelSource& source) {
  if (source.is_preset) return "";
  fs::path path = fs::path(source.folder) / "model.safetensors";
  std::error_code ec;
  return fs::exists(path, ec) ? path.string() : "";
}

void check_checkpoint(ModelSource& source) {
  const std::string path = checkpoint_path(source);
  if (path.empty()) return;
  SafetensorsFile file(path);
  source.report = check_hf_weights(source.spec, file);
}

void print_load_warnings(const LoadReport& report, std::ostream& out) {
  for (const std::string& w : report.warnings) out << "warning: " << w << "\n";
}

nlohmann::json load_warnings_json(const LoadReport& report) { return report.warnings; }

}  // namespace archscope
