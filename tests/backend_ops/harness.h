// The op test harness (after ggml's test-backend-ops): a case runs one op on
// seeded inputs; a backend under test is compared with the reference by
// normalised error (per-op tolerance), NaN and inf are checked, integer
// outputs must be identical, and an op the backend declines is skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/backends/backend.h"

namespace archscope::op_tests {

// Seeded inputs: both backends of a comparison get the same numbers.
class Inputs {
 public:
  Inputs(Backend& b, uint64_t seed) : b_(b), state_(seed) {}
  Backend& backend() { return b_; }
  double uniform();  // [0, 1)
  // Normal values times `scale`; `quantum` > 0 rounds them to multiples of it (ties).
  Tensor host(std::vector<int> shape, double scale = 1.0, double quantum = 0.0);
  DeviceTensor f32(std::vector<int> shape, double scale = 1.0, double quantum = 0.0);
  DeviceTensor ints(const std::vector<int32_t>& values, std::vector<int> shape);
  // (T) int32 flags: 1 real, 0 padded (the first `left` and last `right` tokens).
  DeviceTensor valid(int tokens, int left, int right);

 private:
  Backend& b_;
  uint64_t state_;
};

// What one case brought back to the host from the backend it ran on.
struct Outputs {
  std::vector<std::pair<std::string, Tensor>> floats;
  std::vector<std::pair<std::string, std::vector<int32_t>>> ints;
  void add(Backend& b, const std::string& name, const DeviceTensor& t);  // by dtype; skips empty handles
};

struct OpCase {
  Op op;
  std::string name;  // the op and every parameter: attention_T33_H4_KV2_Dh16_causal_probs
  double tolerance;  // normalised error sum (a-b)^2 / sum b^2 allowed on float outputs; 0 = identical
  OpQuery query;     // what supports() is asked
  std::function<Outputs(Inputs&)> run;
};

enum class Verdict { Pass, Fail, Skipped };
struct Result {
  Verdict verdict;
  std::string message;
};

// Runs the case on the reference and on `tested`, and compares.
Result check(const OpCase& c, Backend& tested, Backend& reference);

// Every case, by op kind (cases_*.cpp).
std::vector<OpCase> dense_cases();
std::vector<OpCase> attention_cases();
std::vector<OpCase> embedding_cases();
std::vector<OpCase> moe_cases();
std::vector<OpCase> all_cases();

// Tolerances: data movement is exact; arithmetic allows float32 rounding.
constexpr double kExact = 0.0;
constexpr double kFloat = 1e-7;

}  // namespace archscope::op_tests
