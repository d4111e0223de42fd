// Edited copies of the Hugging Face fixtures, made at test time in a temporary
// folder: the config as JSON and the weights as named tensors, changed by the
// test and written back as config.json + model.safetensors. When an edit is
// one under which transformers computes the same outputs, the fixture's
// expected.safetensors is still the reference.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/backends/backend.h"
#include "engine/io/hf_weights.h"
#include "engine/io/safetensors.h"
#include "engine/run/forward.h"

namespace archscope::testing {

inline const std::string kFixtures = ARCHSCOPE_FIXTURES;

class FixtureCopy {
 public:
  explicit FixtureCopy(const std::string& name) : source_(kFixtures + "/" + name) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("archscope-" + name + "-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    std::ifstream in(source_ + "/config.json");
    config = nlohmann::json::parse(in);
    SafetensorsFile original(source_ + "/model.safetensors");
    for (const auto& key : original.names()) tensors.push_back({key, original.load(key)});
  }
  ~FixtureCopy() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FixtureCopy(const FixtureCopy&) = delete;
  FixtureCopy& operator=(const FixtureCopy&) = delete;

  nlohmann::json config;
  std::vector<std::pair<std::string, Tensor>> tensors;

  bool has(const std::string& name) const {
    return std::any_of(tensors.begin(), tensors.end(), [&](const auto& kv) { return kv.first == name; });
  }
  Tensor& tensor(const std::string& name) {
    for (auto& [k, v] : tensors)
      if (k == name) return v;
    ADD_FAILURE() << "the fixture has no tensor " << name;
    static Tensor none;
    return none;
  }
  void add(const std::string& name, Tensor t) { tensors.push_back({name, std::move(t)}); }
  void erase(const std::string& name) {
    std::erase_if(tensors, [&](const auto& kv) { return kv.first == name; });
  }
  // Renames every tensor whose name contains `from`.
  void rename_all(const std::string& from, const std::string& to) {
    for (auto& [k, v] : tensors)
      for (size_t at = k.find(from); at != std::string::npos; at = k.find(from, at + to.size()))
        k.replace(at, from.size(), to);
  }

  // Writes the edited folder and returns its path.
  std::string write() const {
    std::ofstream(dir_ / "config.json") << config.dump(2);
    write_safetensors((dir_ / "model.safetensors").string(), tensors);
    return dir_.string();
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::filesystem::path dir_;
};

// The fixture's recorded inputs.
inline ForwardInputs fixture_inputs(const std::string& name) {
  SafetensorsFile expected(kFixtures + "/" + name + "/expected.safetensors");
  ForwardInputs in;
  for (int64_t v : expected.load_ints("input_ids")) in.input_ids.push_back(static_cast<int>(v));
  if (expected.contains("decoder_input_ids"))
    for (int64_t v : expected.load_ints("decoder_input_ids")) in.decoder_input_ids.push_back(static_cast<int>(v));
  return in;
}

inline Tensor expected_tensor(const std::string& name, const std::string& key) {
  return SafetensorsFile(kFixtures + "/" + name + "/expected.safetensors").load(key);
}

inline std::shared_ptr<const Trace> run_folder(const std::string& folder, const ForwardInputs& in) {
  LoadedModel model = load_hf_model(folder);
  auto backend = make_reference_backend();
  return forward(model.spec, model.weights, *backend, in);
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.numel() != b.numel()) return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(a.data[i]) - b.data[i]);
    if (std::isnan(d)) return INFINITY;
    m = std::max(m, d);
  }
  return m;
}

// The parity bound on logits (parity_test.cpp): 1e-3, or 1e-6 of the largest value.
inline double logits_tolerance(const Tensor& expected) {
  double m = 0;
  for (float x : expected.data) m = std::max(m, static_cast<double>(std::fabs(x)));
  return std::max(1e-3, 1e-6 * m);
}

// A fixed permutation of n rows (reversal, then an odd rotation), so a head
// whose rows are permuted gives logits whose columns are permuted the same way.
inline std::vector<int> row_permutation(int n) {
  std::vector<int> p(n);
  for (int i = 0; i < n; ++i) p[i] = (n - 1 - i + 37) % n;
  return p;
}

// rows[p[i]] of t, for every i: (n, D) -> (n, D).
inline Tensor permute_rows(const Tensor& t, const std::vector<int>& p) {
  Tensor out(t.shape);
  const int64_t w = t.shape.back();
  for (size_t i = 0; i < p.size(); ++i)
    std::copy(t.data.begin() + p[i] * w, t.data.begin() + (p[i] + 1) * w, out.data.begin() + i * w);
  return out;
}

// Columns c[p[j]] of (rows, n) logits.
inline Tensor permute_columns(const Tensor& t, const std::vector<int>& p) {
  Tensor out(t.shape);
  const int64_t n = t.shape.back(), rows = t.numel() / n;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) out.data[r * n + j] = t.data[r * n + p[j]];
  return out;
}

}  // namespace archscope::testing
