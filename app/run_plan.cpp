// From typed flags to a checked plan. Conflicting flags are errors, flags
// that would be ignored are errors, and lossy conversions become notes.
#include "app/run_plan.h"

#include <set>

#include "engine/backends/backend.h"
#include "engine/errors.h"
#include "engine/io/json_input.h"
#include "engine/io/text_input.h"
#include "engine/io/vocabulary.h"
#include "engine/model/compat.h"
#include "engine/model/ledger_report.h"
#include "engine/model/limits.h"

namespace archscope {

void add_run_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("model", o.model, "A preset name (classroom size) or a model folder")->required();
  cmd.add_option("--input-ids", o.input_ids,
                 "Token ids: 3,17,5; @FILE reads them from a file, - from standard input");
  cmd.add_option("--decoder-input-ids", o.decoder_input_ids, "Decoder token ids (encoder-decoder); @FILE or -");
  cmd.add_option("--text", o.text,
                 "Text in the presets' built-in word vocabulary; [CLS] and [SEP] mark BERT sentence "
                 "pairs, sentence B starting after the first [SEP]; @FILE or -");
  cmd.add_option("--decoder-text", o.decoder_text, "Decoder text (encoder-decoder presets); @FILE or -");
  cmd.add_option("--attention-mask", o.attention_mask,
                 "Key padding of the input tokens, 1 = token, 0 = padding: 1,1,1,0,0 (padding takes no "
                 "part in attention, routing, capacity or the metrics); @FILE or -");
  cmd.add_option("--token-type-ids", o.token_type_ids, "Segments of the input tokens (BERT): 0,0,0,1,1; @FILE or -");
  cmd.add_option("--backend", o.backend,
                 "Compute backend: cpu (fast: OpenBLAS products and every core, ARCHSCOPE_THREADS to "
                 "set how many); reference (plain loops with double accumulation, one thread: the "
                 "oracle every backend is tested against, many times slower); vulkan (GPU shaders on "
                 "the Vulkan device, see --device; in builds with Vulkan)")
      ->check(CLI::IsMember(backend_names()))
      ->capture_default_str();
  add_routing_options(cmd, o);
  cmd.add_option("--seed", o.seed, "Seed of a preset's weights (default 1234)")->type_name("UINT");
  cmd.add_flag("--full-size", o.full_size, "Run a preset at its published size (if memory allows)");
  cmd.add_option("--dump", o.dump, "Write the trace as float32 safetensors");
  cmd.add_flag("--json", o.json, "Print the routing metrics as JSON");
}

void add_routing_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("--capacity-factor", o.capacity_factor,
                 "Capacity factor cf: slots per expert C by --capacity-formula (k-aware unless the model "
                 "says otherwise: ceil(cf T k / E) for T real tokens, E experts, top-k k), at least 1, at most T")
      ->type_name("NUMBER");
  cmd.add_option("--capacity", o.capacity, "Fixed slots per expert")->type_name("INT");
  cmd.add_flag("--dropless", o.dropless, "No capacity limit");
  cmd.add_option("--capacity-formula", o.capacity_formula,
                 "How a capacity factor becomes slots per expert C. k-aware: ceil(cf T k / E), room for every "
                 "token's k choices (GShard's 2N/E for top-2 at cf 1, Megatron-Core, DeepSpeed; the default; "
                 "'megatron' is accepted for it). per-token: ceil(cf T / E), the Switch Transformer's tokens "
                 "per expert, k ignored. flaxformer: max(round(cf T / E), 4), flaxformer's MoeLayer (round half "
                 "to even, min_expert_capacity 4)")
      ->check(CLI::IsMember({"k-aware", "per-token", "flaxformer", "megatron"}));
  cmd.add_option("--drop-policy", o.drop_policy,
                 "Who keeps a slot when an expert is full; every first choice is placed before any second "
                 "choice. position: earlier tokens first (Mesh TensorFlow, transformers 4.x Switch). priority: "
                 "Batch Prioritized Routing (V-MoE, Riquelme et al. 2021): tokens ordered by their top-1 "
                 "router probability, highest first, ties by position, one order for every rank")
      ->check(CLI::IsMember({"position", "priority"}));
  cmd.add_option("--drop-output", o.drop_output, "zero (papers) or scaled-input (transformers 4.x Switch)")
      ->check(CLI::IsMember({"zero", "scaled-input"}));
  cmd.add_option("--top-k", o.top_k, "Experts per token")->type_name("INT");
  cmd.add_option("--compat", o.compat, compat_mode_help());
}

void apply_routing_overrides(ModelSpec& s, const RunOptions& o) {
  const int limits_given = !o.capacity_factor.empty() + !o.capacity.empty() + o.dropless;
  const bool any = limits_given > 0 || !o.drop_policy.empty() || !o.capacity_formula.empty() ||
                   !o.drop_output.empty() || !o.top_k.empty();
  if (!o.compat.empty()) {
    if (any)
      throw InputError("--compat " + o.compat + " reproduces a library version as it ran; it cannot be "
                       "combined with routing flags");
    apply_compat_mode(s, o.compat);
    return;
  }
  if (!any) return;
  if (!s.is_moe()) throw InputError(s.name + " has no experts, so routing flags do not apply to it");
  if (limits_given > 1)
    throw InputError("--capacity-factor, --capacity and --dropless each set the capacity; give one");
  MoeSpec& m = s.moe;
  if (!o.capacity_factor.empty()) {
    m.capacity_mode = CapacityMode::Factor;
    m.capacity_factor = parse_positive_number(o.capacity_factor, "--capacity-factor", limits::kCapacityFactor);
  }
  if (!o.capacity.empty()) {
    m.capacity_mode = CapacityMode::Fixed;
    m.capacity = static_cast<int>(parse_integer(o.capacity, "--capacity", 1, limits::kPositions));
  }
  if (o.dropless) m.capacity_mode = CapacityMode::Dropless;
  if (m.capacity_mode != CapacityMode::Dropless) m.library_compat.clear();
  const char* mode = to_string(m.capacity_mode);
  if (!o.capacity_formula.empty()) {
    if (m.capacity_mode != CapacityMode::Factor)
      throw InputError("--capacity-formula applies to a capacity factor, but " + s.name +
                       "'s capacity is " + mode + "; add --capacity-factor");
    m.capacity_formula = *capacity_formula_from(o.capacity_formula);  // CLI11 checked the name
  }
  using Flag = std::pair<const char*, const std::string*>;
  for (const auto& [flag, value] : {Flag{"--drop-policy", &o.drop_policy}, Flag{"--drop-output", &o.drop_output}})
    if (!value->empty() && m.capacity_mode == CapacityMode::Dropless)
      throw InputError(std::string(flag) + " has no effect: " + s.name +
                       " is dropless, so nothing is dropped; add --capacity-factor or --capacity");
  if (!o.drop_policy.empty())
    m.drop_policy = o.drop_policy == "priority" ? DropPolicy::Priority : DropPolicy::Position;
  if (!o.drop_output.empty())
    m.drop_output = o.drop_output == "scaled-input" ? DropOutput::ScaledInput : DropOutput::Zero;
  if (!o.top_k.empty()) m.top_k = static_cast<int>(parse_integer(o.top_k, "--top-k", 1, m.experts));
  validate_or_throw(s, "run flags");
}

namespace {

// Encodes text in the built-in vocabulary, noting the words that became <unk>.
std::vector<int> encode_noting(const std::string& text, const std::string& flag, std::vector<std::string>& notes) {
  std::vector<std::string> unknown;
  std::vector<int> ids = WordVocabulary::builtin().encode(text, &unknown);
  if (ids.empty()) throw InputError(flag + ": no words in " + quote_text(text));
  if (!unknown.empty()) {
    std::set<std::string> distinct(unknown.begin(), unknown.end());
    std::string list;
    int shown = 0;
    for (const auto& w : distinct) {
      if (shown++ == 5) {
        list += ", ...";
        break;
      }
      list += (list.empty() ? "" : ", ") + quote_text(w, 24);
    }
    notes.push_back(flag + ": " + std::to_string(unknown.size()) + " of " + std::to_string(ids.size()) +
                    " tokens are not in the built-in vocabulary and became <unk>: " + list);
  }
  return ids;
}

ForwardInputs inputs_for(const ModelSource& source, const RunOptions& o, std::vector<std::string>& notes) {
  const std::string& name = source.spec.name;
  if (!o.text.empty() && !o.input_ids.empty())
    throw InputError("--text and --input-ids both give the tokens to run; give one");
  if (!o.decoder_text.empty() && !o.decoder_input_ids.empty())
    throw InputError("--decoder-text and --decoder-input-ids both give the decoder's tokens; give one");
  using Flag = std::pair<const char*, const std::string*>;
  for (const auto& [flag, value] : {Flag{"--text", &o.text}, Flag{"--decoder-text", &o.decoder_text}})
    if (!value->empty() && !source.is_preset)
      throw InputError(std::string(flag) + ": a model folder's tokenizer is not read yet; give " +
                       (value == &o.text ? "--input-ids" : "--decoder-input-ids"));
  for (const auto& [flag, value] :
       {Flag{"--decoder-input-ids", &o.decoder_input_ids}, Flag{"--decoder-text", &o.decoder_text}})
    if (!value->empty() && source.spec.family != Family::EncoderDecoder)
      throw InputError(std::string(flag) + ": " + name + " is " + to_string(source.spec.family) +
                       " and has no decoder of its own to feed");
  int from_stdin = 0;
  for (const std::string* v :
       {&o.input_ids, &o.decoder_input_ids, &o.text, &o.decoder_text, &o.attention_mask, &o.token_type_ids})
    from_stdin += *v == "-";
  if (from_stdin > 1) throw InputError("only one flag can read standard input ('-')");

  ForwardInputs in;
  if (!o.input_ids.empty()) {
    in.input_ids = parse_token_ids(resolve_text_argument(o.input_ids, "--input-ids"), "--input-ids");
  } else if (!o.text.empty()) {
    in.input_ids = encode_noting(resolve_text_argument(o.text, "--text"), "--text", notes);
  } else if (source.is_preset) {
    in.input_ids = WordVocabulary::builtin().encode(demo_sentence());
  } else {
    throw InputError(source.folder + ": give the tokens to run with --input-ids 3,17,5 (or @FILE, or -)");
  }
  if (!o.decoder_input_ids.empty())
    in.decoder_input_ids =
        parse_token_ids(resolve_text_argument(o.decoder_input_ids, "--decoder-input-ids"), "--decoder-input-ids");
  if (!o.decoder_text.empty()) {
    in.decoder_input_ids = {WordVocabulary::kPad};  // T5's decoder start token
    for (int id : encode_noting(resolve_text_argument(o.decoder_text, "--decoder-text"), "--decoder-text", notes))
      in.decoder_input_ids.push_back(id);
  }
  if (!o.attention_mask.empty()) {
    const std::vector<int> flags =
        parse_token_ids(resolve_text_argument(o.attention_mask, "--attention-mask"), "--attention-mask");
    for (size_t i = 0; i < flags.size(); ++i) {
      if (flags[i] > 1)
        throw InputError("--attention-mask: expected 1 (a token) or 0 (padding), found " +
                         std::to_string(flags[i]) + " (item " + std::to_string(i + 1) + ")");
      in.key_valid.push_back(static_cast<uint8_t>(flags[i]));
    }
    if (in.key_valid.size() != in.input_ids.size())
      throw InputError("--attention-mask: " + std::to_string(in.key_valid.size()) + " flags for " +
                       std::to_string(in.input_ids.size()) + " input tokens");
  }
  if (!o.token_type_ids.empty()) {
    in.token_type_ids =
        parse_token_ids(resolve_text_argument(o.token_type_ids, "--token-type-ids"), "--token-type-ids");
    if (in.token_type_ids.size() != in.input_ids.size())
      throw InputError("--token-type-ids: " + std::to_string(in.token_type_ids.size()) + " segments for " +
                       std::to_string(in.input_ids.size()) + " input tokens");
  } else if (source.is_preset && source.spec.type_vocab_size > 1) {
    // Built-in-vocabulary text: sentence A up to and including the first [SEP], B after it.
    in.token_type_ids = sentence_pair_types(in.input_ids);
  }
  for (const auto& [flag, ids] : {std::pair{"tokens", &in.input_ids}, std::pair{"decoder tokens", &in.decoder_input_ids}})
    if (static_cast<int64_t>(ids->size()) > limits::kPositions)
      throw InputError(std::string("the text gives ") + std::to_string(ids->size()) + " " + flag +
                       ", more than the " + with_commas(limits::kPositions) + " a run may have");
  return in;
}

}  // namespace

RunPlan plan_run(const RunOptions& o) {
  RunPlan plan;
  plan.source = resolve_model(o.model, !o.full_size);
  if (!plan.source.is_preset) {
    if (!o.seed.empty())
      throw InputError("--seed sets a preset's generated weights; " + plan.source.folder + " has its own");
    if (o.full_size)
      throw InputError("--full-size chooses a preset's published size; " + plan.source.folder +
                       " has one size");
  }
  if (!o.seed.empty()) plan.seed = parse_unsigned(o.seed, "--seed");
  apply_routing_overrides(plan.source.spec, o);
  plan.inputs = inputs_for(plan.source, o, plan.notes);
  return plan;
}

}  // namespace archscope
