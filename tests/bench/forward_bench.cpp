// Time of one forward pass of every preset's classroom size on the CPU
// reference backend, and of the routing + capacity cut the capacity slider re-runs.
//   build/tests/bench/forward_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include "engine/run/forward.h"
#include "engine/model/presets.h"
#include "engine/io/random_weights.h"
#include "engine/run/routing.h"
#include "engine/io/vocabulary.h"

namespace {

using namespace archscope;

void forward_preset(benchmark::State& state, const Preset* preset) {
  const ModelSpec& s = preset->classroom;
  ModelWeights w = make_random_weights(s);
  auto backend = make_reference_backend();
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(demo_sentence());
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = in.input_ids;
  for (auto _ : state) benchmark::DoNotOptimize(forward(s, w, *backend, in));
  state.counters["tokens"] = static_cast<double>(in.input_ids.size());
}

void route_and_cut(benchmark::State& state) {
  // DeepSeek-V3's router shape: 256 experts in 8 groups, top-8, at 512 tokens.
  MoeSpec spec = find_preset("deepseek-v3")->full.moe;
  spec.capacity_mode = CapacityMode::Factor;
  spec.capacity_factor = 1.0;
  const int T = static_cast<int>(state.range(0));
  Tensor logits({T, spec.experts});
  for (int64_t i = 0; i < logits.numel(); ++i) logits.data[i] = static_cast<float>((i * 7919 % 1000) / 250.0 - 2);
  Tensor bias({spec.experts});
  auto backend = make_reference_backend();
  for (auto _ : state) benchmark::DoNotOptimize(route_logits(*backend, logits, spec, &bias));
}

const bool registered = [] {
  for (const Preset& p : presets())
    benchmark::RegisterBenchmark(("forward/" + p.name).c_str(), forward_preset, &p)
        ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("route_and_capacity/deepseek-v3", route_and_cut)
      ->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
