// Which BLAS, and who threads: OpenBLAS against BLIS (both loaded at run time,
// each bound to its own symbols) on the products the fast kernels run, in
// three modes: one thread; the library's own threads; and the fast kernels'
// policy, one-threaded library calls on column blocks spread over the pool.
//   build/tests/bench/blas_bench --benchmark_format=json
// A library that is not installed is reported as skipped (BLIS: libblis-dev,
// or scripts/install-deps.sh --bench).
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engine/backends/fast/thread_pool.h"

namespace {

// cblas_sgemm with CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                       float*, int);

struct Library {
  std::string name;
  Sgemm sgemm = nullptr;
  void (*set_threads)(int) = nullptr;
  std::string missing;  // why it could not be loaded
};

Library load(const char* name, const char* soname, const char* threads_symbol, bool int64_threads) {
  Library lib;
  lib.name = name;
  // DEEPBIND: each library calls its own internals even when the other one
  // exports the same names (BLIS's CBLAS layer calls sgemm_, as OpenBLAS does).
  void* h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!h) {
    lib.missing = std::string(soname) + " not found";
    return lib;
  }
  lib.sgemm = reinterpret_cast<Sgemm>(dlsym(h, "cblas_sgemm"));
  void* set = dlsym(h, threads_symbol);
  if (!lib.sgemm || !set) {
    lib.missing = std::string(soname) + " lacks cblas_sgemm or " + threads_symbol;
    return lib;
  }
  if (int64_threads) {
    static void (*bli_set)(int64_t) = nullptr;  // BLIS's dim_t is 64-bit
    bli_set = reinterpret_cast<void (*)(int64_t)>(set);
    lib.set_threads = [](int n) { bli_set(n); };
  } else {
    lib.set_threads = reinterpret_cast<void (*)(int)>(set);
  }
  return lib;
}

const Library& openblas() {
  static const Library lib = load("openblas", "libopenblas.so.0", "openblas_set_num_threads", false);
  return lib;
}
const Library& blis() {
  static const Library lib = load("blis", "libblis.so.4", "bli_thread_set_num_threads", true);
  return lib;
}

enum class Mode { OneThread, LibraryThreads, PoolSplit };

struct Shape {
  const char* what;
  int M, N, K;
  bool b_transposed;  // B stored (N, K), as nn.Linear weights are
};

void run(benchmark::State& state, const Library* lib, Shape s, Mode mode) {
  if (!lib->sgemm) {
    state.SkipWithError(("not installed: " + lib->missing).c_str());
    return;
  }
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  lib->set_threads(mode == Mode::LibraryThreads ? threads : 1);
  static archscope::fast::ThreadPool pool(0);
  std::vector<float> A(static_cast<size_t>(s.M) * s.K, 0.5f), B(static_cast<size_t>(s.N) * s.K, 0.25f),
      C(static_cast<size_t>(s.M) * s.N);
  const int ldb = s.b_transposed ? s.K : s.N;
  auto product = [&](int c0, int c1) {
    const float* b = s.b_transposed ? B.data() + static_cast<int64_t>(c0) * s.K : B.data() + c0;
    lib->sgemm(101, 111, s.b_transposed ? 112 : 111, s.M, c1 - c0, s.K, 1.0f, A.data(), s.K, b, ldb, 0.0f,
               C.data() + c0, s.N);
  };
  const int width = std::max(32, ((s.N + 2 * threads - 1) / (2 * threads) + 15) / 16 * 16);
  const int blocks = (s.N + width - 1) / width;
  for (auto _ : state) {
    if (mode == Mode::PoolSplit) {
      pool.run(blocks, [&](int64_t i) {
        const int c0 = static_cast<int>(i) * width;
        product(c0, std::min(s.N, c0 + width));
      });
    } else {
      product(0, s.N);
    }
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * s.M * s.N * s.K, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
  state.counters["threads"] = mode == Mode::OneThread ? 1 : threads;
}

const bool registered = [] {
  const Shape shapes[] = {
      {"gpt2_qkv_T128", 128, 768, 768, true},     {"gpt2_up_T128", 128, 3072, 768, true},
      {"gpt2_up_T1024", 1024, 3072, 768, true},   {"gpt2_down_T1024", 1024, 768, 3072, true},
      {"gpt2_head_T128", 128, 50257, 768, true},  {"attn_scores_64x1024x64", 64, 1024, 64, true},
      {"attn_pv_64x64x1024", 64, 64, 1024, false}, {"moe_up_128x2816x1024", 128, 2816, 1024, true},
      {"moe_up_1024x2816x1024", 1024, 2816, 1024, true}};
  const std::pair<const char*, Mode> modes[] = {
      {"one_thread", Mode::OneThread}, {"library_threads", Mode::LibraryThreads}, {"pool_split", Mode::PoolSplit}};
  for (const Library* lib : {&openblas(), &blis()})
    for (const Shape& s : shapes)
      for (const auto& [mode_name, mode] : modes)
        benchmark::RegisterBenchmark(("sgemm/" + lib->name + "/" + s.what + "/" + mode_name).c_str(), run, lib, s, mode)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
