// Writes the seed corpora of the fuzz targets from the project's test data:
// the Hugging Face fixtures and hub configs, the tiny models of every family
// written as config + checkpoint, and typical command lines.
// Usage: fuzz_seeds OUT_DIR FIXTURES_DIR ASSETS_DIR
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/hf_weights_export.h"
#include "engine/io/random_weights.h"
#include "tests/fuzz/tiny_models.h"

namespace fs = std::filesystem;
using namespace archscope;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Command lines, one argument per line, as the flags target reads them.
const char* kCommandLines[] = {
    "run\nmixtral\n--capacity-factor\n1.25\n--drop-policy\npriority",
    "run\nswitch-base-8\n--capacity\n2\n--text\nthe cat sat on the mat",
    "run\nt5-base\n--input-ids\n5,6,7\n--decoder-input-ids\n0,4",
    "run\ndeepseek-v3\n--top-k\n4\n--capacity-factor\n0.5\n--capacity-formula\nmegatron",
    "run\ngshard\n--dropless\n--seed\n7",
    "run\ngshard\n--capacity-factor\n0.25\n--capacity-formula\nflaxformer\n--drop-policy\npriority",
    "run\nqwen-moe\n--text\nhello world .\n--drop-output\nscaled-input\n--capacity\n3",
    "run\nbert\n--input-ids\n3 17 5\n12\n",
    "run\nmistral-7b\n--full-size\n--input-ids\n-",
    "3,17,5,22,9",
    "1.25",
    "8192",
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: fuzz_seeds OUT_DIR FIXTURES_DIR ASSETS_DIR\n";
    return 2;
  }
  const fs::path out = argv[1], fixtures = argv[2], assets = argv[3];
  try {
    int n = 0;
    for (const auto& m : fuzz::tiny_models()) {
      const fs::path dir = out / "models" / m.name;
      export_hf_model(m.spec, make_random_weights(m.spec, 7), dir.string(), m.name, true);
      const std::string config = read(dir / "config.json"), weights = read(dir / "model.safetensors");
      write(out / "config" / (m.name + ".json"), config);
      write(out / "safetensors" / (m.name + ".safetensors"), weights);
      write(out / "run" / m.name, fuzz::pack_run_input(config, weights));
      ++n;
    }
    std::error_code ec;
    for (const fs::path& root : {fixtures, assets / "hf_configs"})
      for (const auto& e : fs::recursive_directory_iterator(root, ec))
        if (e.path().filename() == "config.json")
          write(out / "config" / (e.path().parent_path().filename().string() + ".json"), read(e.path()));
    for (const char* line : kCommandLines) write(out / "flags" / std::to_string(n++), line);
    std::cout << "seed corpora written to " << out.string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "fuzz_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
