// `archscope run`: one forward pass on a backend (the reference by default),
// with routing overrides, padding and token types, a summary or JSON metrics,
// and a safetensors dump of the trace.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/model_source.h"
#include "engine/errors.h"
#include "engine/run/forward.h"
#include "engine/io/hf_weights.h"
#include "engine/io/random_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/trace_export.h"
#include "engine/io/vocabulary.h"
#include "engine/model/compat.h"

namespace archscope {

namespace {

struct RunOptions {
  std::string model;
  std::string input_ids, decoder_input_ids, text, decoder_text, attention_mask, token_type_ids;
  std::string compat;
  std::string backend = "reference";
  double capacity_factor = 0;
  int capacity = 0;
  bool dropless = false;
  std::string capacity_formula, drop_policy, drop_output;
  int top_k = 0;
  uint64_t seed = 1234;
  bool full_size = false;
  std::string dump;
  bool json = false;
};

std::vector<int> parse_ids(const std::string& flag, const std::string& text) {
  std::vector<int> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || v < 0 || v > 1'000'000'000)
      throw InputError(flag + ": expected comma-separated non-negative token ids, found '" + item + "'");
    ids.push_back(static_cast<int>(v));
  }
  if (ids.empty()) throw InputError(flag + ": no token ids given");
  return ids;
}

// Applies the routing flags to the spec, refusing them for dense models.
void apply_routing_overrides(ModelSpec& s, const RunOptions& o) {
  const bool any = o.capacity_factor > 0 || o.capacity > 0 || o.dropless || !o.drop_policy.empty() ||
                   !o.capacity_formula.empty() || !o.drop_output.empty() || o.top_k > 0;
  if (!o.compat.empty()) {
    if (any)
      throw InputError("--compat " + o.compat + " reproduces a library version as it ran; it cannot be "
                       "combined with routing flags");
    apply_compat_mode(s, o.compat);
    return;
  }
  if (!any) return;
  if (!s.is_moe()) throw InputError(s.name + " has no experts, so routing flags do not apply to it");
  MoeSpec& m = s.moe;
  if (o.capacity_factor > 0) {
    m.capacity_mode = CapacityMode::Factor;
    m.capacity_factor = o.capacity_factor;
  }
  if (o.capacity > 0) {
    m.capacity_mode = CapacityMode::Fixed;
    m.capacity = o.capacity;
  }
  if (o.dropless) m.capacity_mode = CapacityMode::Dropless;
  if (m.capacity_mode != CapacityMode::Dropless) m.library_compat.clear();
  if (!o.capacity_formula.empty())
    m.capacity_formula = o.capacity_formula == "megatron" ? CapacityFormula::Megatron : CapacityFormula::PerToken;
  if (!o.drop_policy.empty())
    m.drop_policy = o.drop_policy == "priority" ? DropPolicy::Priority : DropPolicy::Position;
  if (!o.drop_output.empty())
    m.drop_output = o.drop_output == "scaled-input" ? DropOutput::ScaledInput : DropOutput::Zero;
  if (o.top_k > 0) m.top_k = o.top_k;
  validate_or_throw(s, "run flags");
}

ForwardInputs inputs_for(const ModelSource& source, const RunOptions& o) {
  const WordVocabulary& vocab = WordVocabulary::builtin();
  ForwardInputs in;
  if (!o.text.empty() || !o.decoder_text.empty()) {
    if (!source.is_preset)
      throw InputError("--text: a model folder's tokenizer is not read yet; give --input-ids");
  }
  if (!o.input_ids.empty()) {
    in.input_ids = parse_ids("--input-ids", o.input_ids);
  } else if (!o.text.empty()) {
    in.input_ids = vocab.encode(o.text);
    if (in.input_ids.empty()) throw InputError("--text: no words in '" + o.text + "'");
  } else if (source.is_preset) {
    in.input_ids = vocab.encode(demo_sentence());
  } else {
    throw InputError(source.folder + ": give the tokens to run with --input-ids 3,17,5");
  }
  if (!o.decoder_input_ids.empty()) in.decoder_input_ids = parse_ids("--decoder-input-ids", o.decoder_input_ids);
  if (!o.decoder_text.empty()) {
    in.decoder_input_ids = {WordVocabulary::kPad};  // T5's decoder start token
    for (int id : vocab.encode(o.decoder_text)) in.decoder_input_ids.push_back(id);
  }
  if (!in.decoder_input_ids.empty() && source.spec.family != Family::EncoderDecoder)
    throw InputError("--decoder-input-ids: " + source.spec.name + " has no decoder of its own to feed");
  if (!o.attention_mask.empty()) {
    for (int v : parse_ids("--attention-mask", o.attention_mask)) {
      if (v > 1) throw InputError("--attention-mask: expected 1 (a token) or 0 (padding), found " + std::to_string(v));
      in.key_valid.push_back(static_cast<uint8_t>(v));
    }
    if (in.key_valid.size() != in.input_ids.size())
      throw InputError("--attention-mask: " + std::to_string(in.key_valid.size()) + " flags for " +
                       std::to_string(in.input_ids.size()) + " input tokens");
  }
  if (!o.token_type_ids.empty()) {
    in.token_type_ids = parse_ids("--token-type-ids", o.token_type_ids);
    if (in.token_type_ids.size() != in.input_ids.size())
      throw InputError("--token-type-ids: " + std::to_string(in.token_type_ids.size()) + " segments for " +
                       std::to_string(in.input_ids.size()) + " input tokens");
  } else if (source.is_preset && source.spec.type_vocab_size > 1) {
    // Built-in-vocabulary text: sentence A up to and including the first [SEP], B after it.
    in.token_type_ids = sentence_pair_types(in.input_ids);
  }
  return in;
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
      for (size_t e = 0; e < x.load_before.size(); ++e)
        std::printf(" %d", x.load_before[e]);
      std::printf("\n");
    }
  if (tr.aux_loss_hf) std::printf("aux loss (Hugging Face Mixtral normalisation): %.6f\n", *tr.aux_loss_hf);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a preset or a Hugging Face model folder and report the trace");
  cmd->add_option("model", o->model, "A preset name (classroom size) or a model folder")->required();
  cmd->add_option("--input-ids", o->input_ids, "Token ids, comma-separated: 3,17,5");
  cmd->add_option("--decoder-input-ids", o->decoder_input_ids, "Decoder token ids (encoder-decoder)");
  cmd->add_option("--text", o->text,
                  "Text in the presets' built-in word vocabulary; [CLS] and [SEP] mark BERT sentence "
                  "pairs, sentence B starting after the first [SEP]");
  cmd->add_option("--decoder-text", o->decoder_text, "Decoder text (encoder-decoder presets)");
  cmd->add_option("--attention-mask", o->attention_mask,
                  "Key padding of the input tokens, 1 = token, 0 = padding: 1,1,1,0,0 (padding takes no "
                  "part in attention, routing, capacity or the metrics)");
  cmd->add_option("--token-type-ids", o->token_type_ids, "Segments of the input tokens (BERT): 0,0,0,1,1");
  cmd->add_option("--backend", o->backend,
                  "Compute backend: reference (plain loops, the oracle every backend is tested against); "
                  "cpu (for now an alias of reference, until the fast CPU backend lands)")
      ->check(CLI::IsMember(backend_names()))
      ->capture_default_str();
  auto* cf = cmd->add_option("--capacity-factor", o->capacity_factor, "Capacity factor (slots = cf x tokens / experts)")
                 ->check(CLI::PositiveNumber);
  auto* cap = cmd->add_option("--capacity", o->capacity, "Fixed slots per expert")->check(CLI::PositiveNumber);
  auto* dl = cmd->add_flag("--dropless", o->dropless, "No capacity limit");
  cf->excludes(cap)->excludes(dl);
  cap->excludes(dl);
  cmd->add_option("--capacity-formula", o->capacity_formula, "per-token: ceil(cf T/E); megatron: ceil(cf T k/E)")
      ->check(CLI::IsMember({"per-token", "megatron"}));
  cmd->add_option("--drop-policy", o->drop_policy, "Who is dropped first: position or priority")
      ->check(CLI::IsMember({"position", "priority"}));
  cmd->add_option("--drop-output", o->drop_output, "zero (papers) or scaled-input (transformers 4.x Switch)")
      ->check(CLI::IsMember({"zero", "scaled-input"}));
  cmd->add_option("--top-k", o->top_k, "Experts per token")->check(CLI::PositiveNumber);
  cmd->add_option("--compat", o->compat, compat_mode_help());
  cmd->add_option("--seed", o->seed, "Seed of a preset's weights");
  cmd->add_flag("--full-size", o->full_size, "Run a preset at its published size (if memory allows)");
  cmd->add_option("--dump", o->dump, "Write the trace as float32 safetensors");
  cmd->add_flag("--json", o->json, "Print the routing metrics as JSON");
  cmd->callback([o] {
    ModelSource source = resolve_model(o->model, !o->full_size);
    apply_routing_overrides(source.spec, *o);
    ForwardInputs in = inputs_for(source, *o);
    ModelWeights weights;
    if (source.is_preset) {
      weights = make_random_weights(source.spec, o->seed);
    } else {
      check_fits_in_memory(source.spec, available_memory_bytes());
      SafetensorsFile file(source.folder + "/model.safetensors");
      weights = load_hf_weights(source.spec, file, source.report);
    }
    auto backend = make_backend(o->backend);
    // The summary needs the metrics and logits; only a dump keeps everything.
    const TraceRequest request = o->dump.empty() ? TraceRequest::summary() : TraceRequest::everything();
    auto trace = forward(source.spec, weights, *backend, in, request);
    if (!o->dump.empty()) write_safetensors(o->dump, trace_tensors(*trace));
    if (o->json) {
      nlohmann::json j = trace_summary_json(*trace);
      if (!source.is_preset) j["load_warnings"] = load_warnings_json(source.report);
      std::cout << j.dump(2) << "\n";
    } else {
      print_summary(*trace);
    }
    print_load_warnings(source.report, std::cerr);
  });
}

}  // namespace archscope
