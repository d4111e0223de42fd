// `archscope run`: one forward pass on a backend (the fast CPU one by default),
// with routing overrides, padding and token types, a summary or JSON metrics,
// and a safetensors dump of the trace.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/run_plan.h"
#include "engine/errors.h"
#include "engine/run/forward.h"
#include "engine/io/hf_weights.h"
#include "engine/io/random_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/trace_export.h"
#include "engine/io/vocabulary.h"
#include "engine/model/run_memory.h"

namespace archscope {

namespace {

// Pairs per expert before the cut: every number for a handful of experts, a
// summary for thousands (the full list is in --json).
std::string load_line(const std::vector<int>& load) {
  std::string line;
  if (load.size() <= 16) {
    for (int n : load) line += " " + std::to_string(n);
    return line;
  }
  int used = 0, max = 0;
  long long pairs = 0;
  for (int n : load) {
    used += n > 0;
    max = std::max(max, n);
    pairs += n;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, " of %zu experts: %d used, max %d, mean %.3f (every expert in --json)",
                load.size(), used, max, static_cast<double>(pairs) / static_cast<double>(load.size()));
  return buf;
}

void print_summary(const Trace& tr) {
  const WordVocabulary& vocab = WordVocabulary::builtin();
  std::printf("%s on the %s backend: %zu tokens", tr.spec.name.c_str(), tr.backend.c_str(),
              tr.input_ids.size());
  if (!tr.decoder_input_ids.empty()) std::printf(" + %zu decoder tokens", tr.decoder_input_ids.size());
  std::printf(", %.2f ms\n", tr.elapsed_ms);
  if (!tr.spec.moe.library_compat.empty()) std::printf("routing: %s\n", tr.spec.moe.library_compat.c_str());
  nlohmann::json j = trace_summary_json(tr);
  if (j.contains("next_token_id")) {
    const int next = j["next_token_id"];
    std::printf("next token after the last position: %d", next);
    if (tr.spec.vocab_size == vocab.size()) std::printf(" ('%s')", vocab.word(next).c_str());
    std::printf("\n");
  }
  for (const StackTrace* st : {&tr.encoder, &tr.decoder})
    for (const MoeRecord& m : st->moe) {
      const MoeMetrics& x = m.metrics;
      std::printf("%s layer %d: capacity %s, dropped %d of %d pairs (%d tokens), aux %.4f, CV %.3f, "
                  "entropy %.3f of %.3f\n    load",
                  m.stack == Stack::Encoder ? "encoder" : "decoder", m.layer,
                  x.capacity < 0 ? "none" : std::to_string(x.capacity).c_str(), x.dropped_pairs,
                  x.tokens * x.top_k, x.dropped_tokens, x.aux_loss_switch, x.load_cv,
                  x.entropy_mean, x.entropy_max);
      std::printf("%s\n", load_line(x.load_before).c_str());
    }
  if (tr.aux_loss_hf) std::printf("aux loss (Hugging Face Mixtral normalisation): %.6f\n", *tr.aux_loss_hf);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a preset or a Hugging Face model folder and report the trace");
  add_run_options(*cmd, *o);
  cmd->callback([o] {
    RunPlan plan = plan_run(*o);
    ModelSource& source = plan.source;
    for (const auto& note : plan.notes) std::cerr << "archscope: note: " << note << "\n";
    // The summary needs the metrics and logits; only a dump keeps everything.
    const TraceRequest request = o->dump.empty() ? TraceRequest::summary() : TraceRequest::everything();
    // Weights, trace and working memory, refused with the numbers before anything is allocated.
    const int64_t tokens = static_cast<int64_t>(plan.inputs.input_ids.size());
    const int64_t decoder_tokens = static_cast<int64_t>(plan.inputs.decoder_input_ids.size());
    check_run_fits(source.spec, tokens, decoder_tokens,
                   estimate_run_memory(source.spec, tokens, decoder_tokens, request), available_memory_bytes());
    ModelWeights weights;
    if (source.is_preset) {
      weights = make_random_weights(source.spec, plan.seed);
    } else {
      SafetensorsFile file(source.folder + "/model.safetensors");
      weights = load_hf_weights(source.spec, file, source.report);
    }
    auto backend = make_backend(o->backend);
    auto trace = forward(source.spec, weights, *backend, plan.inputs, request);
    if (!o->dump.empty()) write_safetensors(o->dump, trace_tensors(*trace));
    if (o->json) {
      nlohmann::json j = trace_summary_json(*trace);
      if (!plan.notes.empty()) j["notes"] = plan.notes;
      if (!source.is_preset) j["load_warnings"] = load_warnings_json(source.report);
      std::cout << j.dump(2) << "\n";
    } else {
      print_summary(*trace);
    }
    print_load_warnings(source.report, std::cerr);
  });
}

}  // namespace archscope
