// Ids, weights and the forward pass of a document.
#include "app/explorer/runner.h"

#include <algorithm>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/hf_weights.h"
#include "engine/io/random_weights.h"
#include "engine/io/safetensors.h"
#include "engine/io/vocabulary.h"
#include "engine/model/run_memory.h"
#include "engine/run/trace_request.h"

namespace archscope::explorer {

namespace {

std::vector<int> parse_ids(const std::string& field, const std::string& text, int vocab) {
  std::vector<int> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, last - first + 1);
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < 0 || v >= vocab)
      throw InputError(field + ": expected token ids in [0, " + std::to_string(vocab) + ") separated by commas, found '" +
                       item + "'");
    ids.push_back(static_cast<int>(v));
  }
  if (ids.empty()) throw InputError(field + ": give the token ids to run, for example 3,17,5");
  return ids;
}

// Ids and labels of text in the built-in vocabulary, noting words it lacks.
void encode_text(const std::string& field, const std::string& text, std::vector<int>& ids,
                 std::vector<std::string>& labels, std::vector<std::string>& notes) {
  const WordVocabulary& vocab = WordVocabulary::builtin();
  std::vector<std::string> unknown;
  for (const WordVocabulary::Piece& piece : vocab.tokenize(text)) {
    ids.push_back(piece.id);
    labels.push_back(piece.known ? piece.text : "<unk>");
    if (!piece.known) unknown.push_back("'" + piece.text + "'");
  }
  if (ids.empty()) throw InputError(field + ": no words to run");
  if (!unknown.empty()) {
    std::string list;
    for (size_t i = 0; i < unknown.size() && i < 6; ++i) list += (i ? ", " : "") + unknown[i];
    if (unknown.size() > 6) list += ", …";
    notes.push_back(field + ": " + std::to_string(unknown.size()) + " word(s) not in the built-in vocabulary became <unk>: " +
                    list);
  }
}

std::vector<std::string> id_labels(const std::vector<int>& ids) {
  std::vector<std::string> labels;
  for (int id : ids) labels.push_back("#" + std::to_string(id));
  return labels;
}

}  // namespace

Tokens tokens_of(const Document& doc) {
  Tokens t;
  const bool enc_dec = doc.spec.family == Family::EncoderDecoder;
  if (doc.is_preset()) {
    encode_text("text", doc.text, t.ids, t.labels, t.notes);
    if (enc_dec) {
      t.decoder_ids = {WordVocabulary::kPad};  // T5's decoder start token
      t.decoder_labels = {"<start>"};
      if (!doc.decoder_text.empty()) encode_text("decoder text", doc.decoder_text, t.decoder_ids, t.decoder_labels, t.notes);
    }
  } else {
    t.ids = parse_ids("input ids", doc.input_ids, doc.spec.vocab_size);
    t.labels = id_labels(t.ids);
    if (enc_dec) {
      t.decoder_ids = doc.decoder_ids.empty() ? std::vector<int>{0} : parse_ids("decoder ids", doc.decoder_ids, doc.spec.vocab_size);
      t.decoder_labels = id_labels(t.decoder_ids);
    }
  }
  if (doc.spec.position == PositionKind::Learned && static_cast<int>(t.ids.size()) > doc.spec.max_positions)
    throw InputError("input: " + std::to_string(t.ids.size()) + " tokens exceed the position table of " +
                     std::to_string(doc.spec.max_positions));
  return t;
}

TraceRequest request_for(const Document& doc, const Tokens& tokens, int64_t budget) {
  const Stack stack = doc.spec.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder;
  AttentionFocus focus{doc.focus.stack, doc.focus.layer, doc.focus.head, doc.focus.cross};
  if (doc.spec.family != Family::EncoderDecoder) focus.stack = stack;
  const int decoder_tokens = std::max<int>(1, static_cast<int>(tokens.decoder_ids.size()));
  // The views show attention maps and routing; hidden states and logits are
  // not drawn, so they are never kept (GPT-2's logits alone are 100 MB at 512
  // tokens, and keeping them would cost every map but the focused one).
  const int t = static_cast<int>(tokens.ids.size());
  TraceRequest views = TraceRequest::everything();
  views.hidden = views.logits = false;
  if (estimate_trace_bytes(doc.spec, t, views, decoder_tokens) <= budget) return views;
  TraceRequest reduced = fit_trace_request(doc.spec, t, budget, {focus}, decoder_tokens);
  reduced.hidden = reduced.logits = false;
  return reduced;
}

std::string trace_reduction(const TraceRequest& request) {
  if (request.attention == AttentionKeep::All && request.routing) return "";
  std::string kept;
  if (request.attention == AttentionKeep::Focused)
    kept = request.thumbnail > 0 ? "the focused head at full size and every other map pooled to " +
                                       std::to_string(request.thumbnail) + " x " + std::to_string(request.thumbnail)
                                 : "only the focused head's attention map";
  std::string left_out;
  auto add = [&left_out](const char* what) { left_out += (left_out.empty() ? "" : ", ") + std::string(what); };
  if (!request.routing) add("per-token routing");
  std::string note = "this input is long, so to stay within " + std::to_string(kTraceBudgetBytes >> 20) +
                     " MiB the views keep ";
  note += kept.empty() ? "every attention map" : kept;
  if (!left_out.empty()) note += "; left out: " + left_out;
  return note;
}

Runner::Runner(const std::string& backend) : backend_name_(backend), backend_(make_backend(backend)) {}

Runner::~Runner() = default;

std::shared_ptr<const ModelWeights> Runner::weights_for(const Document& doc) {
  // An edited checkpoint whose shapes changed no longer fits its file: it runs on seeded weights.
  const bool from_file = !doc.is_preset() && same_weights(doc.loaded, doc.spec);
  const std::string source = from_file ? doc.folder : "seed " + std::to_string(doc.seed);
  if (weights_ && source == weights_source_ && same_weights(weights_spec_, doc.spec)) return weights_;
  session_.reset();
  weights_.reset();
  if (from_file) {
    check_fits_in_memory(doc.spec, available_memory_bytes());
    SafetensorsFile file(doc.folder + "/model.safetensors");
    ModelSpec spec = doc.spec;  // already settled by the header check when the folder opened
    LoadReport report;
    weights_ = std::make_shared<const ModelWeights>(load_hf_weights(spec, file, report));
    weights_description_ = "weights from " + doc.folder + "/model.safetensors";
  } else {
    weights_ = std::make_shared<const ModelWeights>(make_random_weights(doc.spec, doc.seed));
    weights_description_ = doc.is_preset() ? "seeded weights (seed " + std::to_string(doc.seed) + ")"
                                           : "seeded weights: the edited shapes no longer match the checkpoint";
  }
  weights_spec_ = doc.spec;
  weights_source_ = source;
  return weights_;
}

RunResult Runner::run(const Document& doc) {
  RunResult r;
  r.tokens = tokens_of(doc);
  if (doc.backend != backend_name_) {
    session_.reset();  // its tensors live on the old backend
    backend_ = make_backend(doc.backend);
    backend_name_ = doc.backend;
  }
  std::shared_ptr<const ModelWeights> weights = weights_for(doc);
  const TraceRequest request = request_for(doc, r.tokens);
  const int64_t tokens = static_cast<int64_t>(r.tokens.ids.size());
  const int64_t decoder_tokens = std::max<int64_t>(1, static_cast<int64_t>(r.tokens.decoder_ids.size()));
  check_run_fits(doc.spec, tokens, decoder_tokens, estimate_run_memory(doc.spec, tokens, decoder_tokens, request),
                 available_memory_bytes());
  if (const std::string kept = trace_reduction(request); !kept.empty()) r.tokens.notes.push_back(kept);
  ForwardInputs in;
  in.input_ids = r.tokens.ids;
  in.decoder_input_ids = r.tokens.decoder_ids;
  // The same model on the same input, with only the routing changed: re-run from the first MoE layer.
  const bool same_input = session_ && r.tokens.ids == session_tokens_.ids && r.tokens.decoder_ids == session_tokens_.decoder_ids;
  if (same_input && routing_only_change(session_spec_, doc.spec)) {
    session_->set_moe(doc.spec.moe);
    r.rerouted = true;
  } else if (!(same_input && session_spec_ == doc.spec)) {
    session_ = std::make_unique<Session>(doc.spec, weights, *backend_, in, request);
  }
  if (session_->request() != request) session_->set_request(request);
  session_spec_ = doc.spec;
  session_tokens_ = r.tokens;
  r.trace = session_->run();
  r.weights = weights_description_;
  for (const std::string& w : doc.load_warnings) r.tokens.notes.push_back("checkpoint: " + w);
  return r;
}

}  // namespace archscope::explorer
