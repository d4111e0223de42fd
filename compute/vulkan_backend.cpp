// The Vulkan backend's handles and transfers: uploads, stacked expert
// weights, downloads in one submission, what it supports, and its factories.
#include "compute/vulkan_backend.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "compute/context.h"
#include "engine/errors.h"

namespace archscope::gpu {

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

uint64_t bytes_of(const std::vector<int>& shape) { return static_cast<uint64_t>(element_count(shape)) * 4; }

}  // namespace

VulkanBackend::VulkanBackend(const Context* context)
    : owned_(context ? nullptr : std::make_unique<Context>()),
      context_(context ? *context : *owned_),
      stream_(context_) {}

VulkanBackend::~VulkanBackend() = default;

const BufferRef& VulkanBackend::buffer(const DeviceTensor& t, ElementType want, const char* op) const {
  require(!t.empty(), op, "an empty tensor handle");
  const auto* s = dynamic_cast<const VulkanStorage*>(t.storage.get());
  require(s != nullptr, op, "a tensor made by another backend");
  require(t.dtype == want, op, std::string("expected ") + to_string(want) + ", found " + t.shape_string());
  return s->buffer;
}

DeviceTensor VulkanBackend::make(std::vector<int> shape, ElementType type, bool zeroed) {
  const uint64_t bytes = bytes_of(shape);
  if (bytes > stream_.max_binding_bytes())
    throw ResourceError("a tensor of " + std::to_string(bytes) + " bytes is larger than the " +
                        std::to_string(stream_.max_binding_bytes()) + " bytes a shader of this Vulkan device (" +
                        context_.info().name + ") can bind");
  auto s = std::make_shared<VulkanStorage>();
  s->buffer = stream_.buffer(bytes);
  if (zeroed) stream_.zero(s->buffer);
  return DeviceTensor{std::move(shape), type, std::move(s)};
}

Groups VulkanBackend::groups_for(int64_t n, uint32_t local) const {
  const int64_t wanted = (n + local - 1) / local;
  return {static_cast<uint32_t>(std::clamp<int64_t>(wanted, 1, std::min<uint32_t>(stream_.max_groups(), 65535))), 1, 1};
}

DeviceTensor VulkanBackend::upload(const Tensor& host) {
  require(static_cast<int64_t>(host.data.size()) == element_count(host.shape), "upload",
          std::to_string(host.data.size()) + " values for " + host.shape_string());
  DeviceTensor t = make(host.shape, ElementType::F32);
  stream_.write(f32(t, "upload"), host.data.data(), host.data.size() * 4);
  return t;
}

DeviceTensor VulkanBackend::upload_ints(const std::vector<int32_t>& values, std::vector<int> shape) {
  require(element_count(shape) == static_cast<int64_t>(values.size()), "upload_ints",
          std::to_string(values.size()) + " values for shape of " + std::to_string(element_count(shape)));
  DeviceTensor made = make(shape, ElementType::I32);
  auto s = std::make_shared<VulkanStorage>();
  s->buffer = i32(made, "upload_ints");
  stream_.write(s->buffer, values.data(), values.size() * 4);
  if (!values.empty()) {
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    s->int_range = std::pair{*lo, *hi};
  }
  return DeviceTensor{std::move(shape), ElementType::I32, std::move(s)};
}

DeviceTensor VulkanBackend::resident_stack(const std::vector<const Tensor*>& parts) {
  require(!parts.empty(), "resident_stack", "no parts");
  std::vector<int> shape = {static_cast<int>(parts.size())};
  shape.insert(shape.end(), parts[0]->shape.begin(), parts[0]->shape.end());
  for (const Tensor* p : parts)
    require(p->shape == parts[0]->shape, "resident_stack",
            "part " + p->shape_string() + " differs from " + parts[0]->shape_string());
  // One host image of the stack, then one upload.
  std::vector<float> stacked;
  stacked.reserve(static_cast<size_t>(element_count(shape)));
  for (const Tensor* p : parts) stacked.insert(stacked.end(), p->data.begin(), p->data.end());
  DeviceTensor t = make(std::move(shape), ElementType::F32);
  stream_.write(f32(t, "resident_stack"), stacked.data(), stacked.size() * 4);
  return t;
}

void VulkanBackend::download_batch(const std::vector<Download>& batch) {
  std::vector<ReadBack> reads;
  for (const Download& d : batch) {
    require(d.from && (d.to_f32 != nullptr) != (d.to_i32 != nullptr), "download", "one source and one destination");
    const uint64_t bytes = static_cast<uint64_t>(d.from->numel()) * 4;
    if (d.to_i32) {
      const BufferRef& b = i32(*d.from, "download");
      d.to_i32->resize(static_cast<size_t>(d.from->numel()));
      reads.push_back({b, d.to_i32->data(), bytes});
    } else {
      const BufferRef& b = f32(*d.from, "download");
      d.to_f32->shape = d.from->shape;
      d.to_f32->data.resize(static_cast<size_t>(d.from->numel()));
      reads.push_back({b, d.to_f32->data.data(), bytes});
    }
  }
  stream_.read(reads);
}

bool VulkanBackend::supports(const OpQuery& q) const {
  switch (q.op) {
    case Op::Attention: {
      // Each thread keeps its query row and output row in registers: head widths up to 256.
      const auto width = [&](size_t operand) { return q.shapes.size() > operand && q.shapes[operand].size() == 3
                                                          ? q.shapes[operand][2] : 0; };
      return width(0) <= 256 && width(2) <= 256;
    }
    default:
      return true;
  }
}

std::unique_ptr<Backend> make_vulkan_backend(const Context* context) {
  return std::make_unique<VulkanBackend>(context);
}

void register_vulkan_backend(const Context* context) {
  register_backend("vulkan", [context]() -> std::unique_ptr<Backend> {
    if (context) return make_vulkan_backend(context);
    // One context for the process, made when a Vulkan backend is first asked for.
    static std::mutex mutex;
    static std::unique_ptr<Context> shared;
    std::lock_guard lock(mutex);
    if (!shared) shared = std::make_unique<Context>();
    return make_vulkan_backend(shared.get());
  });
}

}  // namespace archscope::gpu
