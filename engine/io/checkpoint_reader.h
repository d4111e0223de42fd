// Reading named tensors out of a Hugging Face checkpoint for the weight maps
// of hf_weights.cpp: every name read is recorded, so whatever the model did not
// use can be reported afterwards; the legacy names transformers renames on
// load are accepted; and a header-only mode checks names and shapes without
// reading any data (for `archscope info` on a model folder).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/io/safetensors.h"
#include "engine/model/weights.h"

namespace archscope {

// What loading a checkpoint found besides the weights: one line per tensor the
// model does not use (and why that is harmless), per rename applied, per
// choice the checkpoint settled. Never printed by the library.
struct LoadReport {
  std::vector<std::string> warnings;
};

class CheckpointReader {
 public:
  enum class Mode { Load, HeaderOnly };

  CheckpointReader(const SafetensorsFile& file, Mode mode);

  // The same file and record of use, with names under `prefix` ("model.").
  CheckpointReader under(const std::string& prefix) const;

  const SafetensorsFile& file() const { return f_; }
  bool header_only() const { return mode_ == Mode::HeaderOnly; }
  const std::string& prefix() const { return prefix_; }

  // Present under the prefix, by its own name or a legacy one.
  bool has(const std::string& name) const;
  // Shape checked against `shape`; InputError names the tensor and both shapes.
  // Its values are checked too: a NaN or inf is a NumericError naming both.
  // In header-only mode the tensor comes back empty.
  Tensor get(const std::string& name, const std::vector<int>& shape) const;
  Linear linear(const std::string& name, int out, int in, bool bias) const;
  Norm norm(const std::string& name, int d, bool bias) const;
  // GPT-2's Conv1D stores (in, out); transposed to nn.Linear's (out, in).
  Linear conv1d(const std::string& name, int in, int out) const;
  // Marks a tensor as accounted for without reading it (a copy of one used elsewhere).
  void consume(const std::string& name) const;

  // Full names in the file that nothing has read, in file order.
  std::vector<std::string> unused() const;
  // Renames applied so far ("LayerNorm.gamma -> LayerNorm.weight", with a count).
  std::vector<std::string> renames() const;

 private:
  struct Shared {
    std::set<std::string> used;
    int gamma_beta_renames = 0;
  };
  CheckpointReader(const SafetensorsFile& file, Mode mode, std::string prefix,
                   std::shared_ptr<Shared> shared);
  // The name in the file for `full`, which may be a legacy spelling; "" when absent.
  std::string resolve(const std::string& full) const;
  // NumericError naming the file and tensor when `t` holds a NaN or inf.
  void check_finite(const Tensor& t, const std::string& stored) const;

  const SafetensorsFile& f_;
  Mode mode_;
  std::string prefix_;
  std::shared_ptr<Shared> shared_;
};

// Do two tensors hold the same values? Compared as stored (same dtype and shape,
// same bytes), so a copy of a tied table is recognised without reading it as floats.
bool same_tensor(const SafetensorsFile& file, const std::string& a, const std::string& b);

}  // namespace archscope
