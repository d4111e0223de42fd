// What a model is trained to predict from one sentence, under each training
// objective: the corrupted input it reads and the targets its loss compares
// against, position by position. Seeded, so a picture is reproducible.
//   masked LM (BERT, Devlin et al. 2019): 15% of positions chosen; of those
//     80% become [MASK], 10% a random word, 10% stay; loss on the chosen only.
//   causal LM: every position predicts the next token.
//   prefix LM (UniLM, T5's prefix objective): the prefix is context only; the
//     rest predicts the next token.
//   span corruption (T5, Raffel et al. 2020): 15% noise density, mean span
//     length 3; each span becomes one sentinel; the target lists the spans.
//   denoising (BART, Lewis et al. 2020): text infilling, spans of Poisson(3)
//     length each become one <mask>; the target is the whole original text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/views/scene.h"

namespace archscope::views {

struct ObjectiveToken {
  std::string text;
  int source = -1;      // position in the original sentence, or -1 (sentinel, mask, random word)
  bool changed = false;  // not the original token at this position
  bool loss = false;     // a target the loss is computed on (targets row)
};

struct ObjectiveExample {
  Objective objective;
  std::string summary;  // one line: what is predicted and how much of it counts
  std::vector<ObjectiveToken> input;   // what the model reads (the encoder's, for encoder-decoders)
  std::vector<ObjectiveToken> target;  // what it is trained to produce; aligned with input when same_length
  bool same_length = true;             // target[i] is predicted at input position i
  int prefix = 0;                      // prefix LM: positions [0, prefix) are context only
  int loss_positions = 0;
};

ObjectiveExample make_objective_example(Objective objective, const std::vector<std::string>& tokens, uint64_t seed,
                                        int prefix_length);

}  // namespace archscope::views
