// Fuzz target: a whole `run` of a model from a fuzzed config.json and
// model.safetensors (see pack_run_input): import, memory check, load, forward
// pass on both CPU backends, and the trace as the CLI reports and dumps it.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/backends/backend.h"
#include "engine/errors.h"
#include "engine/io/hf_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/trace_export.h"
#include "engine/model/hf_config.h"
#include "engine/model/run_memory.h"
#include "engine/run/forward.h"

using namespace archscope;

namespace {

std::string as_file(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("fuzz-run.safetensors", 0);
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) ::abort();
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  size_t config_size = 0;
  for (int i = 3; i >= 0; --i) config_size = (config_size << 8) | data[i];
  config_size = std::min(config_size, size - 4);
  const std::string config(reinterpret_cast<const char*>(data) + 4, config_size);
  try {
    ModelSpec spec = import_hf_config_text(config, "fuzz/config.json");
    ForwardInputs in;
    for (int t = 0; t < 5; ++t) in.input_ids.push_back((t * 7 + 3) % spec.vocab_size);
    if (spec.family == Family::EncoderDecoder) in.decoder_input_ids = {0, 1 % spec.vocab_size};
    // A budget of 256 MiB (80% of 320) keeps one input from taking the machine.
    check_run_fits(spec, 5, 2, estimate_run_memory(spec, 5, 2, TraceRequest::everything()), uint64_t{320} << 20);
    SafetensorsFile file(as_file(data + 4 + config_size, size - 4 - config_size));
    LoadReport report;
    const ModelWeights weights = load_hf_weights(spec, file, report);
    // The oracle, and the fast backend users run by default.
    for (const char* name : {"reference", "cpu"}) {
      auto backend = make_backend(name);
      auto trace = forward(spec, weights, *backend, in);
      trace_summary_json(*trace).dump();
      trace_tensors(*trace);
    }
  } catch (const InputError&) {
  } catch (const ResourceError&) {
  }
  return 0;
}
