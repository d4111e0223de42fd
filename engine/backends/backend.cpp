// What every backend shares: op names, the copying default of resident_stack,
// single-tensor downloads, and the table of backends by name.
#include "engine/backends/backend.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "engine/errors.h"

namespace archscope {

const char* to_string(Op op) {
  switch (op) {
    case Op::Linear: return "linear";
    case Op::LayerNorm: return "layer_norm";
    case Op::RmsNorm: return "rms_norm";
    case Op::Activate: return "activate";
    case Op::Gated: return "gated";
    case Op::Add: return "add";
    case Op::Scale: return "scale";
    case Op::ScaleRows: return "scale_rows";
    case Op::Rope: return "rope";
    case Op::Attention: return "attention";
    case Op::GatherRows: return "gather_rows";
    case Op::SinusoidalPositions: return "sinusoidal_positions";
    case Op::RelativePositionBias: return "relative_position_bias";
    case Op::SliceLast: return "slice_last";
    case Op::ConcatLast: return "concat_last";
    case Op::RouterScores: return "router_scores";
    case Op::TopK: return "top_k";
    case Op::CapacityCut: return "capacity_cut";
    case Op::Dispatch: return "dispatch";
    case Op::ExpertFfn: return "expert_ffn";
    case Op::Combine: return "combine";
    case Op::AddDroppedInput: return "add_dropped_input";
    case Op::MoeCounts: return "moe_counts";
    case Op::CountNonFinite: return "count_nonfinite";
  }
  return "?";
}

DeviceTensor Backend::resident_stack(const std::vector<const Tensor*>& parts) {
  if (parts.empty()) throw std::invalid_argument("resident_stack: no parts");
  Tensor stacked;
  stacked.shape = {static_cast<int>(parts.size())};
  stacked.shape.insert(stacked.shape.end(), parts[0]->shape.begin(), parts[0]->shape.end());
  stacked.data.reserve(static_cast<size_t>(element_count(stacked.shape)));
  for (const Tensor* p : parts) {
    if (p->shape != parts[0]->shape)
      throw std::invalid_argument("resident_stack: part " + p->shape_string() + " differs from " +
                                  parts[0]->shape_string());
    stacked.data.insert(stacked.data.end(), p->data.begin(), p->data.end());
  }
  return upload(stacked);
}

DeviceTensor Backend::count_nonfinite(const DeviceTensor& x) {
  const Tensor host = download(x);
  const int64_t n = std::count_if(host.data.begin(), host.data.end(), [](float v) { return !std::isfinite(v); });
  return upload_ints({static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX))}, {1});
}

Tensor Backend::download(const DeviceTensor& t) {
  Tensor host;
  download_batch({{&t, &host, nullptr}});
  return host;
}

std::vector<int32_t> Backend::download_ints(const DeviceTensor& t) {
  std::vector<int32_t> host;
  download_batch({{&t, nullptr, &host}});
  return host;
}

namespace {

struct Registered {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::function<std::unique_ptr<Backend>()>>> list;
};

Registered& registered() {
  static Registered r;
  return r;
}

}  // namespace

void register_backend(const std::string& name, std::function<std::unique_ptr<Backend>()> make) {
  Registered& r = registered();
  std::lock_guard lock(r.mutex);
  for (auto& [n, m] : r.list)
    if (n == name) {
      m = std::move(make);
      return;
    }
  r.list.emplace_back(name, std::move(make));
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names = {"reference", "cpu"};
  Registered& r = registered();
  std::lock_guard lock(r.mutex);
  for (const auto& entry : r.list) names.push_back(entry.first);
  return names;
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  if (name == "reference") return make_reference_backend();
  if (name == "cpu") return make_cpu_backend();
  {
    Registered& r = registered();
    std::unique_lock lock(r.mutex);
    for (const auto& [n, make] : r.list)
      if (n == name) {
        auto factory = make;
        lock.unlock();
        return factory();
      }
  }
  std::string known;
  for (const std::string& n : backend_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("backend '" + name + "': unknown; this build has " + known);
}

}  // namespace archscope
