// Running a document: its token ids and labels, its weights (kept between
// runs while only knobs change), and one forward pass giving the trace.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/explorer/document.h"
#include "engine/backends/backend.h"
#include "engine/model/weights.h"
#include "engine/run/trace.h"

namespace archscope::explorer {

struct Tokens {
  std::vector<int> ids, decoder_ids;
  std::vector<std::string> labels, decoder_labels;
  std::vector<std::string> notes;  // lossy conversions, said out loud ("'zebra' is not in the vocabulary")
};

// The document's input as ids and labels; throws InputError naming the field.
Tokens tokens_of(const Document& doc);

// The weights of the last model run, so that knob changes reuse them.
class WeightsCache {
 public:
  // The weights for `doc`: a preset's (or an edited checkpoint's) seeded
  // weights, or the folder's checkpoint. Throws InputError or ResourceError
  // (refused before allocating).
  const ModelWeights& get(const Document& doc);
  // What the weights are, for the status line: "seeded (seed 1234)", "model.safetensors".
  const std::string& describe() const { return description_; }

 private:
  std::unique_ptr<ModelWeights> weights_;
  ModelSpec spec_;
  std::string source_;  // folder or "seed N"
  std::string description_;
};

struct RunResult {
  std::shared_ptr<const Trace> trace;
  Tokens tokens;
  std::string weights;  // WeightsCache::describe()
};

RunResult run_document(const Document& doc, WeightsCache& cache, Backend& backend);

}  // namespace archscope::explorer
