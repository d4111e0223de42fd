// Building the examples.
#include "app/views/objective_example.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace archscope::views {

namespace {

// A small deterministic generator: the same seed gives the same example on
// every platform (std:: distributions are not portable across libraries).
class Dice {
 public:
  explicit Dice(uint64_t seed) : engine_(static_cast<std::mt19937_64::result_type>(seed)) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
  int below(int n) { return n <= 0 ? 0 : static_cast<int>(engine_() % static_cast<uint64_t>(n)); }
  // Poisson(lambda) by Knuth's product of uniforms.
  int poisson(double lambda) {
    const double limit = std::exp(-lambda);
    int k = 0;
    double p = 1;
    do {
      ++k;
      p *= uniform();
    } while (p > limit && k < 64);
    return k - 1;
  }

 private:
  std::mt19937_64 engine_;
};

std::string sentinel(int i) {
  static const char* names[] = {"<X>", "<Y>", "<Z>"};
  return i < 3 ? names[i] : "<extra_id_" + std::to_string(i) + ">";
}

ObjectiveToken original(const std::vector<std::string>& tokens, int i) { return {tokens[i], i, false, false}; }

}  // namespace

ObjectiveExample make_objective_example(Objective objective, const std::vector<std::string>& tokens, uint64_t seed,
                                        int prefix_length) {
  ObjectiveExample ex;
  ex.objective = objective;
  const int T = static_cast<int>(tokens.size());
  Dice dice(seed);
  switch (objective) {
    case Objective::CausalLM: {
      for (int i = 0; i < T; ++i) {
        ex.input.push_back(original(tokens, i));
        ObjectiveToken t = i + 1 < T ? original(tokens, i + 1) : ObjectiveToken{"(next)", -1, false, false};
        t.loss = i + 1 < T;
        ex.target.push_back(t);
      }
      ex.loss_positions = std::max(T - 1, 0);
      ex.summary = "every position predicts the next token: " + std::to_string(ex.loss_positions) + " of " +
                   std::to_string(T) + " positions give a loss";
      break;
    }
    case Objective::PrefixLM: {
      ex.prefix = std::clamp(prefix_length > 0 ? prefix_length : T / 3, 1, std::max(T - 1, 1));
      for (int i = 0; i < T; ++i) {
        ex.input.push_back(original(tokens, i));
        const bool predicts = i >= ex.prefix - 1 && i + 1 < T;
        ObjectiveToken t = i + 1 < T ? original(tokens, i + 1) : ObjectiveToken{"(next)", -1, false, false};
        t.loss = predicts;
        if (!predicts) t.text = "—";
        ex.target.push_back(t);
        ex.loss_positions += predicts;
      }
      ex.summary = "the first " + std::to_string(ex.prefix) + " tokens are context seen both ways; the rest predict the next token (" +
                   std::to_string(ex.loss_positions) + " losses)";
      break;
    }
    case Objective::MaskedLM: {
      // Choose round(15%) positions (at least one), then 80/10/10.
      const int chosen = std::max(1, static_cast<int>(std::lround(0.15 * T)));
      std::vector<int> order(T);
      for (int i = 0; i < T; ++i) order[i] = i;
      for (int i = T - 1; i > 0; --i) std::swap(order[i], order[dice.below(i + 1)]);
      std::vector<int> pick(order.begin(), order.begin() + std::min(chosen, T));
      for (int i = 0; i < T; ++i) {
        ex.input.push_back(original(tokens, i));
        ex.target.push_back({"—", -1, false, false});
      }
      for (int i : pick) {
        const double u = dice.uniform();
        if (u < 0.8) ex.input[i] = {"[MASK]", -1, true, false};
        else if (u < 0.9) ex.input[i] = {tokens[dice.below(T)], -1, true, false};
        ex.target[i] = {tokens[i], i, false, true};
        ++ex.loss_positions;
      }
      ex.summary = std::to_string(ex.loss_positions) + " of " + std::to_string(T) +
                   " positions (15%) are predicted: 80% shown as [MASK], 10% as a random word, 10% unchanged";
      break;
    }
    case Objective::SpanCorruption: {
      // T5: noise density 0.15, mean noise span length 3 → about T·0.15 / 3 spans.
      const int noise = std::max(1, static_cast<int>(std::lround(0.15 * T)));
      const int spans = std::max(1, static_cast<int>(std::lround(noise / 3.0)));
      std::vector<uint8_t> noisy(T, 0);
      int placed = 0;
      for (int s = 0; s < spans && placed < noise; ++s) {
        const int len = std::max(1, std::min(noise - placed, s + 1 == spans ? noise - placed : 3));
        int start = dice.below(std::max(1, T - len + 1));
        for (int tries = 0; tries < 16; ++tries) {  // keep spans apart, so each gets its own sentinel
          bool clear = true;
          for (int i = std::max(0, start - 1); i < std::min(T, start + len + 1); ++i) clear = clear && !noisy[i];
          if (clear) break;
          start = dice.below(std::max(1, T - len + 1));
        }
        for (int i = start; i < std::min(T, start + len); ++i) noisy[i] = 1;
        placed += len;
      }
      int next = 0;
      for (int i = 0; i < T; ++i) {
        if (!noisy[i]) {
          ex.input.push_back(original(tokens, i));
          continue;
        }
        const std::string name = sentinel(next++);
        ex.input.push_back({name, -1, true, false});
        ex.target.push_back({name, -1, true, true});
        while (i < T && noisy[i]) {
          ex.target.push_back({tokens[i], i, false, true});
          ++i;
        }
        --i;
      }
      ex.target.push_back({sentinel(next), -1, true, true});
      ex.same_length = false;
      ex.loss_positions = static_cast<int>(ex.target.size());
      int dropped = 0;
      for (uint8_t n : noisy) dropped += n;
      ex.summary = std::to_string(dropped) + " of " + std::to_string(T) + " tokens (15%) in " + std::to_string(next) +
                   (next == 1 ? " span becomes a sentinel;" : " spans become sentinels;") + " the decoder writes only the spans (" +
                   std::to_string(ex.loss_positions) + " targets)";
      break;
    }
    case Objective::Denoising: {
      // BART text infilling: 30% of tokens masked in spans of Poisson(3) length, one <mask> per span.
      const int budget = std::max(1, static_cast<int>(std::lround(0.3 * T)));
      std::vector<uint8_t> masked(T, 0);
      int used = 0, guard = 0;
      while (used < budget && guard++ < 64) {
        const int len = std::min(std::max(1, dice.poisson(3.0)), budget - used);
        const int start = dice.below(std::max(1, T - len + 1));
        for (int i = start; i < std::min(T, start + len); ++i)
          if (!masked[i]) {
            masked[i] = 1;
            ++used;
          }
      }
      for (int i = 0; i < T; ++i) {
        if (!masked[i]) {
          ex.input.push_back(original(tokens, i));
          continue;
        }
        ex.input.push_back({"<mask>", -1, true, false});
        while (i + 1 < T && masked[i + 1]) ++i;
      }
      for (int i = 0; i < T; ++i) {
        ObjectiveToken t = original(tokens, i);
        t.loss = true;
        t.changed = masked[i] != 0;
        ex.target.push_back(t);
      }
      ex.same_length = false;
      ex.loss_positions = T;
      ex.summary = std::to_string(used) + " of " + std::to_string(T) +
                   " tokens hidden in spans, one <mask> each; the decoder rewrites the whole text (" +
                   std::to_string(T) + " targets)";
      break;
    }
  }
  return ex;
}

}  // namespace archscope::views
