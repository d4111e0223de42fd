// Named, shape-checked, finiteness-checked tensor reads with a record of what was read.
#include "engine/io/checkpoint_reader.h"

#include <cmath>

#include "engine/errors.h"

namespace archscope {

namespace {

std::string shape_str(const std::vector<int>& s) { return Tensor(s).shape_string(); }

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// transformers renames these on load for every model ("legacy" in
// conversion_mapping.py, PreTrainedModel._fix_state_dict_key_on_load in 4.x):
// checkpoints ported from TensorFlow (bert-base-uncased) still carry them.
std::string legacy_name(const std::string& full) {
  if (ends_with(full, "LayerNorm.weight")) return full.substr(0, full.size() - 6) + "gamma";
  if (ends_with(full, "LayerNorm.bias")) return full.substr(0, full.size() - 4) + "beta";
  return "";
}

}  // namespace

// Once per tensor as it loads: a NaN or inf in a weight would reach every
// number downstream (transformers loads it silently), so it is refused here,
// where the tensor and the file can still be named.
void CheckpointReader::check_finite(const Tensor& t, const std::string& stored) const {
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(t.data[i]) && bad++ == 0) first = i;
  if (bad == 0) return;
  throw NumericError(f_.path() + ": tensor '" + stored + "' " + t.shape_string() + " holds " + std::to_string(bad) +
                     " NaN or inf value" + (bad == 1 ? "" : "s") + " (the first at flat index " +
                     std::to_string(first) + ": " + std::to_string(t.data[first]) +
                     "); every number computed from it would be meaningless, so the checkpoint is refused");
}

CheckpointReader::CheckpointReader(const SafetensorsFile& file, Mode mode)
    : CheckpointReader(file, mode, "", std::make_shared<Shared>()) {}

CheckpointReader::CheckpointReader(const SafetensorsFile& file, Mode mode, std::string prefix,
                                   std::shared_ptr<Shared> shared)
    : f_(file), mode_(mode), prefix_(std::move(prefix)), shared_(std::move(shared)) {}

CheckpointReader CheckpointReader::under(const std::string& prefix) const {
  return CheckpointReader(f_, mode_, prefix, shared_);
}

std::string CheckpointReader::resolve(const std::string& full) const {
  if (f_.contains(full)) return full;
  const std::string legacy = legacy_name(full);
  if (!legacy.empty() && f_.contains(legacy)) return legacy;
  return "";
}

bool CheckpointReader::has(const std::string& name) const { return !resolve(prefix_ + name).empty(); }

void CheckpointReader::consume(const std::string& name) const { shared_->used.insert(prefix_ + name); }

Tensor CheckpointReader::get(const std::string& name, const std::vector<int>& shape) const {
  const std::string full = prefix_ + name;
  const std::string stored = resolve(full);
  if (stored.empty()) throw InputError(f_.path() + ": missing tensor '" + full + "'");
  const TensorEntry& e = f_.entry(stored);
  if (e.shape != shape)
    throw InputError(f_.path() + ": tensor '" + stored + "': expected shape " + shape_str(shape) +
                     ", found " + shape_str(e.shape));
  if (e.dtype == StDType::I64 || e.dtype == StDType::I32)
    throw InputError(f_.path() + ": tensor '" + stored + "' holds integers, expected F32, F16 or BF16");
  if (shared_->used.insert(stored).second && stored != full) ++shared_->gamma_beta_renames;
  if (mode_ == Mode::HeaderOnly) return {};
  Tensor t = f_.load(stored);
  check_finite(t, stored);
  return t;
}

Linear CheckpointReader::linear(const std::string& name, int out, int in, bool bias) const {
  Linear l{get(name + ".weight", {out, in}), {}};
  if (bias) l.b = get(name + ".bias", {out});
  return l;
}

Norm CheckpointReader::norm(const std::string& name, int d, bool bias) const {
  Norm n{get(name + ".weight", {d}), {}};
  if (bias) n.beta = get(name + ".bias", {d});
  return n;
}

Linear CheckpointReader::conv1d(const std::string& name, int in, int out) const {
  Tensor w = get(name + ".weight", {in, out});
  Tensor b = get(name + ".bias", {out});
  if (w.empty()) return {w, b};
  Tensor t({out, in});
  for (int i = 0; i < in; ++i)
    for (int o = 0; o < out; ++o)
      t.data[static_cast<int64_t>(o) * in + i] = w.data[static_cast<int64_t>(i) * out + o];
  return {t, b};
}

std::vector<std::string> CheckpointReader::unused() const {
  std::vector<std::string> out;
  for (const std::string& name : f_.names())
    if (!shared_->used.count(name)) out.push_back(name);
  return out;
}

std::vector<std::string> CheckpointReader::renames() const {
  if (shared_->gamma_beta_renames == 0) return {};
  return {std::to_string(shared_->gamma_beta_renames) +
          " LayerNorm tensors carry the legacy names gamma/beta; read as weight/bias, the "
          "rename transformers applies on load"};
}

bool same_tensor(const SafetensorsFile& file, const std::string& a, const std::string& b) {
  const TensorEntry& x = file.entry(a);
  const TensorEntry& y = file.entry(b);
  return x.dtype == y.dtype && x.shape == y.shape && file.raw_bytes(a) == file.raw_bytes(b);
}

}  // namespace archscope
