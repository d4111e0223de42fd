// Time of one forward pass of every preset's classroom size on the reference
// backend; of a capacity-factor change re-run by a Session (what the capacity
// slider does) beside a full forward at the same length; and of one layer's
// routing and capacity cut.
//   build/tests/bench/forward_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include "engine/run/forward.h"
#include "engine/run/session.h"
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

ForwardInputs tokens_of(int T) {
  ForwardInputs in;
  const int V = WordVocabulary::builtin().size();
  for (int t = 0; t < T; ++t) in.input_ids.push_back(4 + (t * 37) % (V - 4));
  return in;
}

TraceRequest request_of(int64_t arg) { return arg ? TraceRequest::everything() : TraceRequest::summary(); }

// Classroom Mixtral: alternate the capacity factor and re-run from the first
// MoE layer's capacity cut. Args: tokens, request (1 everything, 0 summary).
void rerun_capacity_factor(benchmark::State& state) {
  const ModelSpec& s = find_preset("mixtral")->classroom;
  auto w = std::make_shared<const ModelWeights>(make_random_weights(s));
  auto backend = make_reference_backend();
  Session session(s, w, *backend, tokens_of(static_cast<int>(state.range(0))), request_of(state.range(1)));
  session.run();
  MoeSpec moe = s.moe;
  moe.capacity_mode = CapacityMode::Factor;
  bool low = false;
  for (auto _ : state) {
    moe.capacity_factor = (low = !low) ? 1.0 : 1.25;
    session.set_moe(moe);
    benchmark::DoNotOptimize(session.run());
  }
  state.counters["tokens"] = static_cast<double>(state.range(0));
}

// The same model and lengths from scratch, for comparison with the re-run.
void forward_mixtral(benchmark::State& state) {
  const ModelSpec& s = find_preset("mixtral")->classroom;
  ModelWeights w = make_random_weights(s);
  auto backend = make_reference_backend();
  const ForwardInputs in = tokens_of(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(forward(s, w, *backend, in, request_of(state.range(1))));
  state.counters["tokens"] = static_cast<double>(state.range(0));
}

const bool registered = [] {
  for (const Preset& p : presets())
    benchmark::RegisterBenchmark(("forward/" + p.name).c_str(), forward_preset, &p)
        ->Unit(benchmark::kMillisecond);
  using Fn = void (*)(benchmark::State&);
  for (auto [name, fn] : {std::pair<const char*, Fn>{"rerun_capacity_factor/mixtral", rerun_capacity_factor},
                          std::pair<const char*, Fn>{"forward_tokens/mixtral", forward_mixtral}})
    benchmark::RegisterBenchmark(name, fn)
        ->ArgNames({"tokens", "everything"})
        ->Args({16, 1})
        ->Args({16, 0})
        ->Args({512, 1})
        ->Args({512, 0})
        ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("route_and_capacity/deepseek-v3", route_and_cut)
      ->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
