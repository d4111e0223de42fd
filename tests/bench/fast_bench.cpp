// The fast CPU kernels at the shapes of issue 10, next to the reference where
// it finishes in reasonable time:
//   forward/gpt2/T{128,512,1024}/fast   GPT-2 124M, full size, the engine's
//       forward pass on the fast kernels, every attention map and hidden state kept
//   moe_layer/mixtral/T{512,4096}/fast  the engine's MoE sublayer: router, top-2,
//       each of 8 SwiGLU experts (1024 -> 2816 -> 1024) once on its rows, combine
//   attention/gpt2/T*/{probs,fused}     one layer's attention (12 heads of 64, causal)
//   classroom/<preset>/fast             every preset's classroom size, 16 tokens
//   dispatch/{pool,openmp}              handing one ~20 us task to each thread
//   .../reference                       the same on the reference backend
//   build/tests/bench/fast_bench --benchmark_format=json --benchmark_filter=/fast
// scripts/bench_cpu_vs_torch.py runs this and PyTorch and prints the ratios.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <map>
#include <memory>

#include "engine/backends/fast/attention.h"
#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/process_pool.h"
#include "engine/backends/reference/reference_backend.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "engine/run/moe.h"
#include "engine/run/resident_weights.h"
#include "tests/fast/random_tensor.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;

fast::ThreadPool& pool() { return fast::process_pool(); }

Backend& cpu_backend() {
  static std::unique_ptr<Backend> b = make_backend("cpu");
  return *b;
}

// ---- GPT-2 124M, full size ----

const ModelWeights& gpt2_weights() {
  static const ModelWeights w = make_random_weights(find_preset("gpt2")->full);
  return w;
}

ForwardInputs gpt2_inputs(int T) {
  ForwardInputs in;
  for (int t = 0; t < T; ++t) in.input_ids.push_back((t * 7919 + 11) % 50257);
  return in;
}

void gpt2_forward(benchmark::State& state, int T, bool fast) {
  const ModelSpec& s = find_preset("gpt2")->full;
  const ForwardInputs in = gpt2_inputs(T);
  const ModelWeights& w = gpt2_weights();
  for (auto _ : state)
    benchmark::DoNotOptimize(fast ? forward(s, w, cpu_backend(), in) : oracle::forward(s, w, in));
  state.counters["tokens"] = static_cast<double>(in.input_ids.size());
}

// ---- A Mixtral-shaped MoE layer: 8 experts, top-2, D 1024, F 2816 ----
// The engine's own MoE sublayer (router, scores, top-2, capacity, dispatch,
// experts, combine, counts) on weights made resident once.

struct MoeLayer {
  ModelSpec spec;
  std::shared_ptr<const ModelWeights> weights;
  const MoeWeights* moe = nullptr;
};

const MoeLayer& mixtral_layer() {
  static const MoeLayer layer = [] {
    MoeLayer l;
    l.spec = find_preset("mixtral")->classroom;
    l.spec.d_model = 1024;
    l.spec.moe.expert_intermediate = 2816;
    l.spec.layers = 1;
    l.weights = std::make_shared<const ModelWeights>(make_random_weights(l.spec));
    for (const LayerWeights& lw : l.weights->decoder.layers)
      if (lw.moe) l.moe = &*lw.moe;
    return l;
  }();
  return layer;
}

void moe_layer(benchmark::State& state, int T, bool fast) {
  const MoeLayer& l = mixtral_layer();
  std::unique_ptr<Backend> reference = make_reference_backend();
  Backend& b = fast ? cpu_backend() : *reference;
  const ResidentWeights resident(b, l.weights);
  const DeviceTensor h = b.upload(archscope::testing::random_tensor({T, l.spec.d_model}, 7));  // (T, D)
  for (auto _ : state) benchmark::DoNotOptimize(mixture_of_experts(b, l.spec, resident, *l.moe, h, {nullptr, T}));
  state.counters["tokens"] = T;
}

// ---- One GPT-2 attention layer ----

void attention(benchmark::State& state, int T, int form) {  // 0 probs, 1 fused, 2 reference
  const int H = 12, Dh = 64;
  const Tensor q = archscope::testing::random_tensor({T, H, Dh}, 1), k = archscope::testing::random_tensor({T, H, Dh}, 2),
               v = archscope::testing::random_tensor({T, H, Dh}, 3);
  AttentionMask mask;  // causal
  const fast::AttentionProblem p{q.data.data(), k.data.data(), v.data.data(), nullptr, &mask, 0.125f, T, T, H, H, Dh, Dh};
  std::vector<float> out(static_cast<size_t>(T) * H * Dh), probs(static_cast<size_t>(H) * T * T);
  for (auto _ : state) {
    if (form == 0) fast::attention_with_probs(pool(), p, out.data(), probs.data());
    if (form == 1) fast::attention_fused(pool(), p, out.data());
    if (form == 2) benchmark::DoNotOptimize(oracle::attention(q, k, v, nullptr, mask, 0.125f));
    benchmark::ClobberMemory();
  }
}

// ---- Classroom presets at 16 tokens ----

void classroom(benchmark::State& state, const Preset* preset, bool fast) {
  const ModelSpec& s = preset->classroom;
  const ModelWeights w = make_random_weights(s);
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(demo_sentence());  // 16 tokens
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = in.input_ids;
  for (auto _ : state)
    benchmark::DoNotOptimize(fast ? forward(s, w, cpu_backend(), in) : oracle::forward(s, w, in));
  state.counters["tokens"] = static_cast<double>(in.input_ids.size());
}

// ---- What waking the threads costs: the pool against OpenMP ----
// One task per thread, each a fixed ~20 us of arithmetic: the wall time over
// 20 us is what handing out the work costs (and, on a busy machine, waiting).

double busy_work(int64_t seed) {
  double x = static_cast<double>(seed);
  for (int i = 0; i < 20000; ++i) x = x * 0.999999 + 1e-9 * i;
  return x;
}

void dispatch_pool(benchmark::State& state) {
  std::vector<double> sink(64);
  const int n = pool().size();
  for (auto _ : state) pool().run(n, [&](int64_t i) { sink[i * 8] += busy_work(i); });
  benchmark::DoNotOptimize(sink.data());
}

void dispatch_openmp(benchmark::State& state) {
  std::vector<double> sink(64);
  const int n = pool().size();
  for (auto _ : state) {
#pragma omp parallel for num_threads(n) schedule(dynamic, 1)
    for (int i = 0; i < n; ++i) sink[i * 8] += busy_work(i);
  }
  benchmark::DoNotOptimize(sink.data());
}

void dispatch_serial(benchmark::State& state) {
  std::vector<double> sink(64);
  for (auto _ : state) sink[0] += busy_work(0);
  benchmark::DoNotOptimize(sink.data());
}

const bool registered = [] {
  using benchmark::RegisterBenchmark;
  const auto ms = benchmark::kMillisecond;
  // At least one untimed run first, as scripts/bench_torch_cpu.py gives
  // PyTorch: the first run of a process also pays for the heap's growth, the
  // threads' start and OpenBLAS's buffers.
  const double kWarmUp = 0.01;
  for (int T : {128, 512, 1024})
    RegisterBenchmark(("forward/gpt2/T" + std::to_string(T) + "/fast").c_str(), gpt2_forward, T, true)
        ->Unit(ms)->UseRealTime()->MinWarmUpTime(kWarmUp);
  RegisterBenchmark("forward/gpt2/T128/reference", gpt2_forward, 128, false)->Unit(ms)->Iterations(1)->UseRealTime();
  for (int T : {512, 4096})
    RegisterBenchmark(("moe_layer/mixtral/T" + std::to_string(T) + "/fast").c_str(), moe_layer, T, true)
        ->Unit(ms)->UseRealTime()->MinWarmUpTime(kWarmUp);
  RegisterBenchmark("moe_layer/mixtral/T512/reference", moe_layer, 512, false)->Unit(ms)->Iterations(1)->UseRealTime();
  for (int T : {128, 512, 1024}) {
    const std::string t = "attention/gpt2/T" + std::to_string(T);
    RegisterBenchmark((t + "/probs/fast").c_str(), attention, T, 0)->Unit(ms)->UseRealTime();
    RegisterBenchmark((t + "/fused/fast").c_str(), attention, T, 1)->Unit(ms)->UseRealTime();
    RegisterBenchmark((t + "/probs/reference").c_str(), attention, T, 2)->Unit(ms)->Iterations(1)->UseRealTime();
  }
  for (const Preset& p : presets()) {
    RegisterBenchmark(("classroom/" + p.name + "/fast").c_str(), classroom, &p, true)->Unit(ms)->UseRealTime();
    RegisterBenchmark(("classroom/" + p.name + "/reference").c_str(), classroom, &p, false)->Unit(ms)->UseRealTime();
  }
  RegisterBenchmark("dispatch/pool", dispatch_pool)->Unit(benchmark::kMicrosecond)->UseRealTime();
  RegisterBenchmark("dispatch/openmp", dispatch_openmp)->Unit(benchmark::kMicrosecond)->UseRealTime();
  RegisterBenchmark("dispatch/one_task_serial", dispatch_serial)->Unit(benchmark::kMicrosecond)->UseRealTime();
  return true;
}();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("blas", fast::blas_core_name());
  benchmark::AddCustomContext("threads", std::to_string(pool().size()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
