// How instant the window is, from the user's side: the main window with all
// nine views open (offscreen, on the Vulkan device the machine has), timed
// from a change to every visible view redrawn. Prints Google Benchmark JSON
// with --benchmark_format=json; asserts nothing.
//   capacity/<preset>  the capacity slider moves: re-route from the first MoE
//                      layer's capacity step, rebuild the scene, redraw all
//   capacity_to_load/<preset>  the same, timed until the load view shows it
//   frame/<preset>     a different focused head: a new scene, no run, every
//                      view redrawn (the frame time with all views open)
//   text/<preset>      a new sentence: a whole run, then redraw
// "full" in a name is the preset at its published size (GPT-2 124M).
// Counters: tokens, and for capacity the run part alone (run_ms).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <QApplication>
#include <QCoreApplication>
#include <benchmark/benchmark.h>

#include "app/window/main_window.h"
#include "app/window/view_surface.h"

namespace archscope::window {
namespace {

std::unique_ptr<MainWindow> g_window;

void open(const std::string& preset, int tokens, bool full_size = false) {
  Controller& c = g_window->controller();
  if ((c.document().model != preset || c.document().full_size != full_size) && !c.open_preset(preset, full_size))
    std::abort();
  if (tokens > 0) {
    // A preset reads text in its built-in vocabulary: the demo sentence's words, `tokens` of them.
    const char* words[] = {"the", "cat", "sat", "on", "the", "mat", "because", "the", "router",
                           "sends", "each", "token", "to", "two", "experts", "."};
    std::string text;
    for (int i = 0; i < tokens; ++i) text += (i ? " " : "") + std::string(words[i % 16]);
    c.set_text(text);
  }
  if (!g_window->settle(600000)) std::abort();
  if (!c.last_error().isEmpty()) {
    std::fprintf(stderr, "%s: %s\n", preset.c_str(), c.last_error().toStdString().c_str());
    std::abort();
  }
}

void capacity(benchmark::State& state, const std::string& preset, int tokens) {
  open(preset, tokens);
  Controller& c = g_window->controller();
  const double factors[] = {0.5, 0.75, 1.0, 1.25, 1.5};
  double run_ms = 0;
  int i = 0;
  for (auto _ : state) {
    if (!c.set_capacity_factor(factors[i++ % 5])) state.SkipWithError("capacity factor refused");
    if (!g_window->settle(600000)) state.SkipWithError("no frame");
    run_ms += c.last_run_ms();
  }
  state.counters["tokens"] = tokens;
  state.counters["run_ms"] = run_ms / static_cast<double>(state.iterations());
}

void capacity_to_load(benchmark::State& state, const std::string& preset, int tokens) {
  open(preset, tokens);
  Controller& c = g_window->controller();
  ViewSurface* load = g_window->surface("load");
  const double factors[] = {0.5, 0.75, 1.0, 1.25, 1.5};
  int i = 0;
  for (auto _ : state) {
    const uint64_t before = c.scene()->version;
    if (!c.set_capacity_factor(factors[i++ % 5])) state.SkipWithError("capacity factor refused");
    while (c.scene()->version == before || load->drawn_version() != c.scene()->version)
      QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    state.PauseTiming();
    if (!g_window->settle(600000)) state.SkipWithError("no frame");
    state.ResumeTiming();
  }
  state.counters["tokens"] = tokens;
}

void frame(benchmark::State& state, const std::string& preset, int tokens, bool full_size) {
  open(preset, tokens, full_size);
  state.counters["open_run_ms"] = g_window->controller().last_run_ms();
  Controller& c = g_window->controller();
  const int heads = c.scene()->spec.heads;
  int i = 0;
  for (auto _ : state) {
    views::Focus focus = c.document().focus;
    focus.head = ++i % heads;
    c.set_focus(focus);
    if (!g_window->settle(600000)) state.SkipWithError("no frame");
  }
  state.counters["tokens"] = tokens;
}

void text(benchmark::State& state, const std::string& preset, int tokens) {
  open(preset, tokens);
  Controller& c = g_window->controller();
  const char* sentences[] = {"the cat sat on the mat .", "a dog ran to the park and sat ."};
  int i = 0;
  for (auto _ : state) {
    c.set_text(sentences[i++ % 2]);
    if (!g_window->settle(600000)) state.SkipWithError("no frame");
  }
}

void register_all() {
  auto ms = [](benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMillisecond)->UseRealTime(); };
  for (const char* p : {"mixtral", "switch-base-8", "deepseek-v3"}) {
    for (int t : {16, 128})
      ms(benchmark::RegisterBenchmark((std::string("capacity/") + p + "/" + std::to_string(t)).c_str(),
                                      [p, t](benchmark::State& s) { capacity(s, p, t); }));
  }
  for (const char* p : {"mixtral", "switch-base-8"})
    for (int t : {16, 128})
      ms(benchmark::RegisterBenchmark((std::string("capacity_to_load/") + p + "/" + std::to_string(t)).c_str(),
                                      [p, t](benchmark::State& s) { capacity_to_load(s, p, t); }));
  for (const char* p : {"gpt2", "llama3-8b", "mixtral"})
    for (int t : {16, 128})
      ms(benchmark::RegisterBenchmark((std::string("frame/") + p + "/" + std::to_string(t)).c_str(),
                                      [p, t](benchmark::State& s) { frame(s, p, t, false); }));
  ms(benchmark::RegisterBenchmark("frame/gpt2-full/512", [](benchmark::State& s) { frame(s, "gpt2", 512, true); }));
  for (const char* p : {"gpt2", "mixtral", "t5-base"})
    ms(benchmark::RegisterBenchmark((std::string("text/") + p).c_str(), [p](benchmark::State& s) { text(s, p, 0); }));
}

}  // namespace
}  // namespace archscope::window

int main(int argc, char** argv) {
  using namespace archscope::window;
  if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  QApplication::setOrganizationName("ArchscopeBench");
  QApplication::setApplicationName("ArchscopeBench");
  QApplication app(argc, argv);
  WindowOptions options;
  options.use_settings = false;
  g_window = std::make_unique<MainWindow>(options);
  g_window->resize(1920, 1080);
  g_window->show();
  g_window->layout_all_views();
  if (!g_window->settle(60000)) return 1;
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_window.reset();
  return 0;
}
