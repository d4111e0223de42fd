// The Vulkan backend's speed: matmul, attention (fused, and with
// probabilities), one MoE layer (router to combine), whole forward passes of
// the presets' classroom sizes, and a capacity-factor change re-run by a
// Session. Each figure carries GFLOP/s where the work has a FLOP count.
//   build/tests/bench/vulkan_bench --benchmark_format=json
// The GPU shapes are all registered; on lavapipe (the CPU device)
// pick the small ones: --benchmark_filter='/(64|128|256)/'.
#include <benchmark/benchmark.h>

#include <cmath>

#include "compute/context.h"
#include "compute/vulkan_backend.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"
#include "engine/run/session.h"

namespace {

using namespace archscope;

gpu::Context& context() {
  static gpu::Context c({std::nullopt, gpu::Validation::Off});
  return c;
}

gpu::VulkanBackend& backend() {
  static gpu::VulkanBackend b(&context());
  return b;
}

Tensor seeded(std::vector<int> shape, float scale) {
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data[i] = scale * std::sin(static_cast<float>(i) * 0.7331f);
  return t;
}

void finish(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * static_cast<double>(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(context().info().name);
}

// y (n, n) = x (n, n) · W (n, n)ᵀ, float32.
void matmul(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  gpu::VulkanBackend& b = backend();
  DeviceTensor x = b.upload(seeded({n, n}, 1.0f)), w = b.upload(seeded({n, n}, 0.05f));
  b.linear(x, w, nullptr);  // the first dispatch compiles the pipeline: not timed
  b.stream().finish();
  for (auto _ : state) {
    DeviceTensor y = b.linear(x, w, nullptr);
    b.stream().finish();
  }
  finish(state, 2.0 * n * n * n);
}

// Args: T, mask (0 causal, 1 sliding window of 256), probabilities (0 fused, 1 all heads' maps).
void attention(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0)), H = 32, KV = 8, Dh = 128;
  gpu::VulkanBackend& b = backend();
  DeviceTensor q = b.upload(seeded({T, H, Dh}, 1.0f)), k = b.upload(seeded({T, KV, Dh}, 1.0f)),
               v = b.upload(seeded({T, KV, Dh}, 1.0f));
  AttentionMask mask;
  mask.kind = state.range(1) ? MaskKind::SlidingWindow : MaskKind::Causal;
  mask.window = 256;
  AttentionProbs probs;
  if (state.range(2))
    for (int h = 0; h < H; ++h) probs.full_heads.push_back(h);
  AttentionInputs in{&q, &k, &v, nullptr, nullptr, &mask, 1.0f / std::sqrt(static_cast<float>(Dh)), probs};
  b.attention(in);  // compiles the pipeline: not timed
  b.stream().finish();
  for (auto _ : state) {
    AttentionOutputs o = b.attention(in);
    b.stream().finish();
  }
  // Visible (q, kv) pairs times 4 Dh FLOPs (scores and output).
  double pairs = 0;
  for (int i = 0; i < T; ++i) pairs += state.range(1) ? std::min(i + 1, 256) : i + 1;
  finish(state, pairs * H * 4.0 * Dh);
}

// One MoE layer, router to combine. Args: T, experts, top-k, capacity factor x 100.
void moe_layer(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0)), E = static_cast<int>(state.range(1)),
            K = static_cast<int>(state.range(2)), D = 1024, F = 2816;
  const int C = static_cast<int>(std::ceil(state.range(3) / 100.0 * T * K / E));
  gpu::VulkanBackend& b = backend();
  DeviceTensor x = b.upload(seeded({T, D}, 1.0f)), router = b.upload(seeded({E, D}, 0.03f));
  std::vector<Tensor> gate, up, down;
  for (int e = 0; e < E; ++e) {
    gate.push_back(seeded({F, D}, 0.03f));
    up.push_back(seeded({F, D}, 0.03f));
    down.push_back(seeded({D, F}, 0.02f));
  }
  auto stack = [&](const std::vector<Tensor>& parts) {
    std::vector<const Tensor*> p;
    for (const Tensor& t : parts) p.push_back(&t);
    return b.resident_stack(p);
  };
  DeviceTensor G = stack(gate), U = stack(up), Dn = stack(down);
  const ExpertWeights w{&G, &U, &Dn, nullptr, nullptr, nullptr, Activation::Silu};
  auto layer = [&] {
    DeviceTensor logits = b.linear(x, router, nullptr);
    DeviceTensor scores = b.router_scores(logits, RouterFunction::Softmax);
    TopKOutputs top = b.top_k(scores, nullptr, nullptr, {K, 1, 1, GroupScore::Top2Sum, true, 1.0});
    CapacityOutputs cut = b.capacity_cut(top.expert, scores, {E, C, DropPolicy::Position});
    ExpertBatch batch = b.dispatch(x, top.expert, cut.slot, cut.kept, E);
    DeviceTensor y = b.expert_ffn(batch, w);
    DeviceTensor out = b.combine(y, batch.pair_row, top.weight, T);
    b.stream().finish();
  };
  layer();  // compiles the pipelines: not timed
  for (auto _ : state) layer();
  // Kept pairs at most min(T K, E C), each 3 matmuls of D x F.
  const double pairs = std::min<double>(static_cast<double>(T) * K, static_cast<double>(E) * C);
  finish(state, pairs * 6.0 * D * F + 2.0 * T * D * E);
}

ForwardInputs tokens_of(const ModelSpec& s, int T) {
  ForwardInputs in;
  for (int t = 0; t < T; ++t) in.input_ids.push_back((t * 37 + 5) % s.vocab_size);
  if (s.family == Family::EncoderDecoder) in.decoder_input_ids = in.input_ids;
  return in;
}

void forward_preset(benchmark::State& state, const Preset* preset) {
  const ModelSpec& s = preset->classroom;
  const ModelWeights w = make_random_weights(s);
  const ForwardInputs in = tokens_of(s, 32);
  for (auto _ : state) benchmark::DoNotOptimize(forward(s, w, backend(), in));
  state.counters["tokens"] = 32;
  state.SetLabel(context().info().name);
}

// Classroom Mixtral: a capacity-factor change re-run from the first MoE
// layer's capacity cut, to new metrics (the capacity slider). Arg: tokens.
void capacity_factor_change(benchmark::State& state) {
  const ModelSpec& s = find_preset("mixtral")->classroom;
  auto w = std::make_shared<const ModelWeights>(make_random_weights(s));
  Session session(s, w, backend(), tokens_of(s, static_cast<int>(state.range(0))), TraceRequest::summary());
  session.run();
  MoeSpec moe = s.moe;
  moe.capacity_mode = CapacityMode::Factor;
  bool low = false;
  for (auto _ : state) {
    moe.capacity_factor = (low = !low) ? 1.0 : 1.25;
    session.set_moe(moe);
    benchmark::DoNotOptimize(session.run());
  }
  state.SetLabel(context().info().name);
}

}  // namespace

BENCHMARK(matmul)->Arg(128)->Arg(256)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(attention)
    ->ArgsProduct({{64, 128, 512, 2048, 8192}, {0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(moe_layer)
    ->ArgsProduct({{64, 512, 4096, 16384}, {8, 64}, {1, 2}, {100, 125}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(capacity_factor_change)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  for (const Preset& p : presets())
    benchmark::RegisterBenchmark(("forward_classroom/" + p.name).c_str(), forward_preset, &p)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
