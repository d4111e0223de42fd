// The reference backend's storage: handles, uploads, aliased weights and downloads.
#include "engine/backends/reference/reference_backend.h"

#include <stdexcept>

namespace archscope {

namespace reference {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

namespace {

const ReferenceStorage& storage(const DeviceTensor& t, ElementType want, const char* op) {
  require(!t.empty(), op, "an empty tensor handle");
  const auto* s = dynamic_cast<const ReferenceStorage*>(t.storage.get());
  require(s != nullptr, op, "a tensor made by another backend");
  // Messages are built only on failure: this runs for every operand of every op.
  if (t.dtype != want) require(false, op, std::string("expected ") + to_string(want) + ", found " + t.shape_string());
  return *s;
}

}  // namespace

const float* f32(const DeviceTensor& t, const char* op) {
  const ReferenceStorage& s = storage(t, ElementType::F32, op);
  require(s.parts.empty(), op, "a stacked tensor where a contiguous one is needed");
  if (s.alias) return s.alias;
  if (static_cast<int64_t>(s.f32.size()) != t.numel())
    require(false, op, "a handle of " + t.shape_string() + " whose memory was handed to the host by a download");
  return s.f32.data();
}

const float* f32_block(const DeviceTensor& t, int i, const char* op) {
  const ReferenceStorage& s = storage(t, ElementType::F32, op);
  if (t.rank() < 1 || i < 0 || i >= t.dim(0))
    require(false, op, "block " + std::to_string(i) + " of " + t.shape_string());
  if (!s.parts.empty()) return s.parts[i];
  return (s.alias ? s.alias : s.f32.data()) + static_cast<int64_t>(i) * (t.numel() / t.dim(0));
}

const int32_t* i32(const DeviceTensor& t, const char* op) { return storage(t, ElementType::I32, op).i32.data(); }

NewF32 new_f32(std::vector<int> shape) {
  auto s = std::make_shared<ReferenceStorage>();
  s->f32.assign(static_cast<size_t>(element_count(shape)), 0.0f);
  float* data = s->f32.data();
  return {DeviceTensor{std::move(shape), ElementType::F32, std::move(s)}, data};
}

NewI32 new_i32(std::vector<int> shape, int32_t fill) {
  auto s = std::make_shared<ReferenceStorage>();
  s->i32.assign(static_cast<size_t>(element_count(shape)), fill);
  int32_t* data = s->i32.data();
  return {DeviceTensor{std::move(shape), ElementType::I32, std::move(s)}, data};
}

}  // namespace reference

using namespace reference;

namespace {

// Moves the float buffer of a handle nobody else holds into `to`. Storage is
// const to ops (they never write into their inputs); this is the one place
// that changes it, and only when this handle is its sole owner, so no other
// handle can see the change.
bool hand_over(const DeviceTensor& from, Tensor& to) {
  if (from.storage.use_count() != 1) return false;
  const auto* s = dynamic_cast<const ReferenceStorage*>(from.storage.get());
  if (!s || s->alias || !s->parts.empty() || static_cast<int64_t>(s->f32.size()) != from.numel()) return false;
  to.shape = from.shape;
  std::vector<float>& buffer = const_cast<ReferenceStorage*>(s)->f32;
  to.data = std::move(buffer);
  buffer.clear();  // a later read of the handle finds it empty and says so
  return true;
}

}  // namespace

DeviceTensor ReferenceBackend::upload(const Tensor& host) {
  NewF32 t = new_f32(host.shape);
  std::copy(host.data.begin(), host.data.end(), t.data);
  return t.tensor;
}

DeviceTensor ReferenceBackend::upload_ints(const std::vector<int32_t>& values, std::vector<int> shape) {
  require(element_count(shape) == static_cast<int64_t>(values.size()), "upload_ints",
          std::to_string(values.size()) + " values for shape of " + std::to_string(element_count(shape)));
  NewI32 t = new_i32(std::move(shape));
  std::copy(values.begin(), values.end(), t.data);
  return t.tensor;
}

DeviceTensor ReferenceBackend::resident(const Tensor& weight) {
  // Aliases the host weights: no copy, the caller keeps them alive.
  auto s = std::make_shared<ReferenceStorage>();
  s->alias = weight.data.data();
  return DeviceTensor{weight.shape, ElementType::F32, std::move(s)};
}

DeviceTensor ReferenceBackend::resident_stack(const std::vector<const Tensor*>& parts) {
  require(!parts.empty(), "resident_stack", "no parts");
  auto s = std::make_shared<ReferenceStorage>();
  for (const Tensor* p : parts) {
    if (p->shape != parts[0]->shape)
      require(false, "resident_stack", "part " + p->shape_string() + " differs from " + parts[0]->shape_string());
    s->parts.push_back(p->data.data());
  }
  std::vector<int> shape = {static_cast<int>(parts.size())};
  shape.insert(shape.end(), parts[0]->shape.begin(), parts[0]->shape.end());
  return DeviceTensor{std::move(shape), ElementType::F32, std::move(s)};
}

void ReferenceBackend::download_batch(const std::vector<Download>& batch) {
  for (const Download& d : batch) {
    require(d.from && (d.to_f32 != nullptr) != (d.to_i32 != nullptr), "download", "one source and one destination");
    if (d.to_i32) {
      const int32_t* src = i32(*d.from, "download");
      d.to_i32->assign(src, src + d.from->numel());
      continue;
    }
    Tensor& to = *d.to_f32;
    if (d.last_use && hand_over(*d.from, to)) continue;
    to.shape = d.from->shape;
    to.data.resize(static_cast<size_t>(d.from->numel()));
    const auto* s = dynamic_cast<const ReferenceStorage*>(d.from->storage.get());
    if (s && !s->parts.empty()) {  // a stacked weight, block by block
      const int64_t block = d.from->numel() / d.from->dim(0);
      for (int i = 0; i < d.from->dim(0); ++i)
        std::copy(s->parts[i], s->parts[i] + block, to.data.begin() + i * block);
    } else {
      const float* src = f32(*d.from, "download");
      std::copy(src, src + d.from->numel(), to.data.begin());
    }
  }
}

std::unique_ptr<Backend> make_reference_backend() { return std::make_unique<ReferenceBackend>(); }

}  // namespace archscope
