// Seeded inputs, downloads, and the comparison of one case on two backends.
#include "tests/backend_ops/harness.h"

#include <cmath>
#include <sstream>

#include "engine/errors.h"

namespace archscope::op_tests {

double Inputs::uniform() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0);
}

Tensor Inputs::host(std::vector<int> shape, double scale, double quantum) {
  Tensor t(std::move(shape));
  for (float& x : t.data) {
    const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
    double v = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2) * scale;
    if (quantum > 0) v = std::round(v / quantum) * quantum;
    x = static_cast<float>(v);
  }
  return t;
}

DeviceTensor Inputs::f32(std::vector<int> shape, double scale, double quantum) {
  return b_.upload(host(std::move(shape), scale, quantum));
}

DeviceTensor Inputs::ints(const std::vector<int32_t>& values, std::vector<int> shape) {
  return b_.upload_ints(values, std::move(shape));
}

DeviceTensor Inputs::valid(int tokens, int left, int right) {
  std::vector<int32_t> v(tokens, 1);
  for (int t = 0; t < tokens; ++t)
    if (t < left || t >= tokens - right) v[t] = 0;
  return ints(v, {tokens});
}

void Outputs::add(Backend& b, const std::string& name, const DeviceTensor& t) {
  if (t.empty()) return;
  if (t.dtype == ElementType::F32) floats.push_back({name, b.download(t)});
  else ints.push_back({name, b.download_ints(t)});
}

namespace {

std::string compare_floats(const std::string& name, const Tensor& got, const Tensor& want, double tolerance) {
  if (got.shape != want.shape) return name + ": shape " + got.shape_string() + ", reference " + want.shape_string();
  double err = 0, norm = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float a = got.data[i], b = want.data[i];
    if (!std::isfinite(b)) return name + "[" + std::to_string(i) + "]: the reference gives " + std::to_string(b) + "; the case is wrong";
    if (!std::isfinite(a))
      return name + "[" + std::to_string(i) + "] = " + std::to_string(a) + ", reference " + std::to_string(b);
    err += (static_cast<double>(a) - b) * (static_cast<double>(a) - b);
    norm += static_cast<double>(b) * b;
  }
  const double nmse = norm > 0 ? err / norm : err;
  if (nmse > tolerance) {
    std::ostringstream m;
    m << name << ": normalised error " << nmse << " above " << tolerance;
    return m.str();
  }
  return "";
}

std::string compare_ints(const std::string& name, const std::vector<int32_t>& got, const std::vector<int32_t>& want) {
  if (got.size() != want.size())
    return name + ": " + std::to_string(got.size()) + " values, reference " + std::to_string(want.size());
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i])
      return name + "[" + std::to_string(i) + "] = " + std::to_string(got[i]) + ", reference " + std::to_string(want[i]);
  return "";
}

uint64_t seed_of(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

Result check(const OpCase& c, Backend& tested, Backend& reference) {
  if (!tested.supports(c.query)) return {Verdict::Skipped, tested.name() + " does not run " + c.name};
  Inputs ref_in(reference, seed_of(c.name));
  const Outputs want = c.run(ref_in);
  Outputs got;
  try {
    Inputs in(tested, seed_of(c.name));
    got = c.run(in);
  } catch (const std::exception& e) {
    return {Verdict::Fail, tested.name() + " threw: " + e.what()};
  }
  if (got.floats.size() != want.floats.size() || got.ints.size() != want.ints.size())
    return {Verdict::Fail, "a different set of outputs"};
  for (size_t i = 0; i < want.floats.size(); ++i) {
    std::string m = compare_floats(want.floats[i].first, got.floats[i].second, want.floats[i].second, c.tolerance);
    if (!m.empty()) return {Verdict::Fail, m};
  }
  for (size_t i = 0; i < want.ints.size(); ++i) {
    std::string m = compare_ints(want.ints[i].first, got.ints[i].second, want.ints[i].second);
    if (!m.empty()) return {Verdict::Fail, m};
  }
  return {Verdict::Pass, ""};
}

std::vector<OpCase> all_cases() {
  std::vector<OpCase> all;
  for (auto&& part : {dense_cases(), attention_cases(), embedding_cases(), moe_cases()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace archscope::op_tests
