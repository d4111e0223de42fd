// Running a document: its token ids and labels, its weights (kept between
// runs while only knobs change), and the forward pass as a Session, so that a
// change of capacity, drop policy, top-k or router re-runs only from the
// first MoE layer and reuses everything before it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/explorer/document.h"
#include "engine/backends/backend.h"
#include "engine/model/weights.h"
#include "engine/run/session.h"
#include "engine/run/trace.h"

namespace archscope::explorer {

struct Tokens {
  std::vector<int> ids, decoder_ids;
  std::vector<std::string> labels, decoder_labels;
  std::vector<std::string> notes;  // lossy conversions, said out loud ("'zebra' is not in the vocabulary")
};

// The document's input as ids and labels; throws InputError naming the field.
Tokens tokens_of(const Document& doc);

// What a run may keep for the views: the trace is fitted to this many bytes,
// keeping the focused map at full size and reducing the rest.
constexpr int64_t kTraceBudgetBytes = 256ll << 20;

// The trace request for a document: everything when it fits the budget,
// otherwise the focused map whole and thumbnails of the rest.
TraceRequest request_for(const Document& doc, const Tokens& tokens, int64_t budget = kTraceBudgetBytes);
// What a reduced request leaves out, in words for the status line; empty when
// the trace keeps everything.
std::string trace_reduction(const TraceRequest& request);

struct RunResult {
  std::shared_ptr<const Trace> trace;
  Tokens tokens;
  std::string weights;        // where the weights came from, for the status line
  bool rerouted = false;      // only the MoE routing re-ran
};

class Runner {
 public:
  // `backend`: a name backend_names() lists (kDefaultBackend: the fast CPU one).
  explicit Runner(const std::string& backend = kDefaultBackend);
  ~Runner();

  // Throws InputError or ResourceError (refused before allocating).
  RunResult run(const Document& doc);
  const std::string& backend_name() const { return backend_name_; }

 private:
  std::shared_ptr<const ModelWeights> weights_for(const Document& doc);

  std::string backend_name_;
  std::unique_ptr<Backend> backend_;
  // The weights of the last model, and what they were made from.
  std::shared_ptr<const ModelWeights> weights_;
  ModelSpec weights_spec_;
  std::string weights_source_, weights_description_;
  // The session of the last run, and what it was made for.
  std::unique_ptr<Session> session_;
  ModelSpec session_spec_;
  Tokens session_tokens_;
};

}  // namespace archscope::explorer
