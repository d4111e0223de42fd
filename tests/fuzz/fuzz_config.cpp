// Fuzz target: config.json import, then everything a valid spec feeds (the
// ledger as text and JSON, export back to a config, the memory estimate).
// Any exception other than the engine's typed errors is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/errors.h"
#include "engine/model/hf_config.h"
#include "engine/model/hf_config_export.h"
#include "engine/model/ledger.h"
#include "engine/model/ledger_report.h"
#include "engine/model/run_memory.h"

using namespace archscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ModelSpec spec = import_hf_config_text(text, "fuzz/config.json");
    const Ledger ledger = compute_ledger(spec, DType::FP8, 1 + static_cast<int64_t>(size));
    ledger_to_json(spec, ledger).dump();
    ledger_to_text(spec, ledger);
    estimate_run_memory(spec, 1 + static_cast<int64_t>(size) % 4096, 3, TraceRequest::everything());
    export_hf_config(spec, "fuzz");
  } catch (const InputError&) {
  } catch (const ResourceError&) {
  }
  return 0;
}
