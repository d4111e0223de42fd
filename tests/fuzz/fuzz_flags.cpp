// Fuzz target: numbers and token ids as typed, and `archscope run`'s flags
// through CLI11 and plan_run (everything up to the weights). The input is
// one argument per line; standard input is /dev/null, so '-' reads nothing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/run_plan.h"
#include "engine/errors.h"
#include "engine/io/text_input.h"
#include "engine/model/limits.h"
#include "engine/model/run_memory.h"

using namespace archscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!std::freopen("/dev/null", "r", stdin)) return 1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto quietly = [](auto&& f) {
    try {
      f();
    } catch (const InputError&) {
    }
  };
  quietly([&] { parse_token_ids(text, "--input-ids"); });
  quietly([&] { parse_integer(text, "--context", 1, limits::kPositions); });
  quietly([&] { parse_integer(text, "--capacity", -5, 5); });
  quietly([&] { parse_positive_number(text, "--capacity-factor", limits::kCapacityFactor); });
  quietly([&] { parse_unsigned(text, "--seed"); });

  std::vector<std::string> args = {"archscope"};
  size_t start = 0;
  while (start <= text.size() && args.size() < 40) {
    const size_t end = std::min(text.find('\n', start), text.size());
    args.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  CLI::App app{"fuzz"};
  RunOptions o;
  auto* run = app.add_subcommand("run");
  add_run_options(*run, o);
  run->callback([&o] {
    const RunPlan plan = plan_run(o);
    const int64_t t = static_cast<int64_t>(plan.inputs.input_ids.size());
    const int64_t td = static_cast<int64_t>(plan.inputs.decoder_input_ids.size());
    check_run_fits(plan.source.spec, t, td, estimate_run_memory(plan.source.spec, t, td, TraceRequest::everything()), uint64_t{1} << 30);
  });
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
  } catch (const InputError&) {
  } catch (const ResourceError&) {
  }
  return 0;
}
