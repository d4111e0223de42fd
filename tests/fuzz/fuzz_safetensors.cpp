// Fuzz target: the safetensors header parser and the tensor loader, then the
// weight checker and loader of every family against the tiny models' specs.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/errors.h"
#include "engine/io/hf_weights.h"
#include "engine/io/safetensors.h"
#include "tests/fuzz/tiny_models.h"

using namespace archscope;

namespace {

// The input as a file: one memfd, rewritten for every input.
std::string as_file(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("fuzz.safetensors", 0);
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) ::abort();
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<fuzz::TinyModel> models = fuzz::tiny_models();
  try {
    SafetensorsFile file(as_file(data, size));
    for (const auto& name : file.names()) {
      const StDType d = file.entry(name).dtype;
      if (d == StDType::I64 || d == StDType::I32)
        file.load_ints(name);
      else
        file.load(name);
    }
    for (const auto& m : models) {
      try {
        ModelSpec spec = m.spec;
        LoadReport report;
        check_hf_weights(spec, file);
        load_hf_weights(spec, file, report);
      } catch (const InputError&) {
      }
    }
  } catch (const InputError&) {
  }
  return 0;
}
