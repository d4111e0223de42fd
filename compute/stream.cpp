// Recording and submitting: one command buffer, descriptor sets from pools
// reset after each submission, a global memory barrier between commands (ops
// form a chain, each reading what the previous ones wrote).
#include "compute/stream.h"

#include <atomic>
#include <cstring>
#include <stdexcept>

#include "compute/buffer.h"
#include "compute/context.h"
#include "compute/pipeline_cache.h"

namespace archscope::gpu {

namespace {

constexpr uint32_t kSetsPerPool = 512;
constexpr uint32_t kBindingsPerSet = 12;
// A batch this long is submitted without waiting for a read, so one
// submission never holds an unbounded number of descriptor sets and buffers.
constexpr uint32_t kMaxCommandsPerBatch = 4096;

}  // namespace

struct Stream::Impl {
  const Context& context;
  bool unified;
  PipelineCache pipelines;
  vk::raii::CommandPool pool = nullptr;
  vk::raii::CommandBuffer commands = nullptr;
  vk::raii::Fence fence = nullptr;
  std::vector<vk::raii::DescriptorPool> descriptor_pools;
  size_t pool_in_use = 0;
  std::vector<std::shared_ptr<const void>> keep_alive;
  uint32_t recorded = 0;
  uint32_t submitted = 0;
  vk::PhysicalDeviceLimits limits;
  // Buffers alive (each is one allocation); drivers cap allocations
  // (maxMemoryAllocationCount, 4096 on many GPUs).
  std::shared_ptr<std::atomic<uint32_t>> live = std::make_shared<std::atomic<uint32_t>>(0);

  explicit Impl(const Context& c) : context(c), unified(is_unified(c)), pipelines(c) {
    const vk::raii::Device& device = c.device();
    pool = vk::raii::CommandPool(
        device, vk::CommandPoolCreateInfo(vk::CommandPoolCreateFlagBits::eResetCommandBuffer, c.queue_family()));
    commands = std::move(vk::raii::CommandBuffers(
        device, vk::CommandBufferAllocateInfo(*pool, vk::CommandBufferLevel::ePrimary, 1))[0]);
    fence = vk::raii::Fence(device, vk::FenceCreateInfo());
    limits = c.physical_device().getProperties().limits;
  }

  std::shared_ptr<Buffer> make(uint64_t bytes, BufferKind kind) {
    auto counter = live;
    auto owned = std::make_unique<Buffer>(context, bytes, kind, unified);
    ++*counter;
    return std::shared_ptr<Buffer>(owned.release(), [counter](Buffer* gone) {
      delete gone;
      --*counter;
    });
  }

  void begin_if_idle() {
    if (recorded > 0) return;
    commands.begin(vk::CommandBufferBeginInfo(vk::CommandBufferUsageFlagBits::eOneTimeSubmit));
  }

  // Every earlier write (shader or transfer) visible to every later access.
  void barrier() {
    if (recorded == 0) return;
    const auto access = vk::AccessFlagBits::eShaderRead | vk::AccessFlagBits::eShaderWrite |
                        vk::AccessFlagBits::eTransferRead | vk::AccessFlagBits::eTransferWrite;
    const auto stages = vk::PipelineStageFlagBits::eComputeShader | vk::PipelineStageFlagBits::eTransfer;
    const vk::MemoryBarrier b(access, access);
    commands.pipelineBarrier(stages, stages, {}, b, {}, {});
  }

  vk::DescriptorSet allocate_set(const Pipeline& p) {
    while (true) {
      if (pool_in_use == descriptor_pools.size()) {
        const vk::DescriptorPoolSize size(vk::DescriptorType::eStorageBuffer, kSetsPerPool * kBindingsPerSet);
        descriptor_pools.emplace_back(context.device(), vk::DescriptorPoolCreateInfo({}, kSetsPerPool, size));
      }
      const vk::DescriptorSetLayout layout = *p.set_layout;
      VkDescriptorSetAllocateInfo info = vk::DescriptorSetAllocateInfo(*descriptor_pools[pool_in_use], layout);
      VkDescriptorSet set = VK_NULL_HANDLE;
      // The C call: a full pool is an expected answer here, not an exception.
      const VkResult r = context.device().getDispatcher()->vkAllocateDescriptorSets(*context.device(), &info, &set);
      if (r == VK_SUCCESS) return set;
      if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL)
        throw DeviceError("vkAllocateDescriptorSets failed: " + vk::to_string(static_cast<vk::Result>(r)));
      ++pool_in_use;
    }
  }

  void submit_and_wait() {
    if (recorded == 0) return;
    commands.end();
    const vk::CommandBuffer cb = *commands;
    context.submit(vk::SubmitInfo({}, {}, cb), *fence);
    const vk::Result r = context.device().waitForFences(*fence, VK_TRUE, UINT64_MAX);
    if (r != vk::Result::eSuccess) throw DeviceError("waiting for the Vulkan device: " + vk::to_string(r));
    context.device().resetFences(*fence);
    commands.reset();
    for (size_t i = 0; i <= pool_in_use && i < descriptor_pools.size(); ++i) descriptor_pools[i].reset();
    pool_in_use = 0;
    keep_alive.clear();
    recorded = 0;
    ++submitted;
  }
};

Stream::Stream(const Context& context) : impl_(std::make_unique<Impl>(context)) {}

Stream::~Stream() {
  try {
    impl_->submit_and_wait();
  } catch (...) {  // a lost device while shutting down: nothing left to report to
  }
}

BufferRef Stream::buffer(uint64_t bytes) {
  // Near the driver's cap, finish the batch: buffers only it still holds
  // (intermediates the ops have let go of) are freed.
  if (*impl_->live >= impl_->limits.maxMemoryAllocationCount / 4 * 3) impl_->submit_and_wait();
  return impl_->make(bytes, BufferKind::Storage);
}

void Stream::write(const BufferRef& to, const void* data, uint64_t bytes) {
  if (bytes > to->bytes()) throw std::logic_error("Stream::write past the end of a buffer");
  if (bytes == 0) return;
  if (to->mapped()) {  // a new buffer: no recorded command touches it yet
    std::memcpy(to->mapped(), data, bytes);
    return;
  }
  auto staging = impl_->make(bytes, BufferKind::Staging);
  std::memcpy(staging->mapped(), data, bytes);
  impl_->begin_if_idle();
  impl_->barrier();
  impl_->commands.copyBuffer(staging->handle(), to->handle(), vk::BufferCopy(0, 0, bytes));
  impl_->keep_alive.push_back(staging);
  impl_->keep_alive.push_back(to);
  ++impl_->recorded;
}

void Stream::zero(const BufferRef& b) {
  impl_->begin_if_idle();
  impl_->barrier();
  impl_->commands.fillBuffer(b->handle(), 0, VK_WHOLE_SIZE, 0);
  impl_->keep_alive.push_back(b);
  ++impl_->recorded;
}

void Stream::dispatch(const Kernel& kernel, const std::vector<BufferRef>& bindings, const void* push,
                      size_t push_bytes, Groups groups) {
  if (push_bytes > kPushConstantBytes || bindings.size() > kBindingsPerSet)
    throw std::logic_error(kernel.shader + ": too many push constants or bindings");
  if (groups.x == 0 || groups.y == 0 || groups.z == 0) return;  // nothing to do
  const uint32_t cap = max_groups();
  if (groups.x > cap || groups.y > cap || groups.z > cap)
    throw std::logic_error(kernel.shader + ": more workgroups than the device allows");
  if (impl_->recorded >= kMaxCommandsPerBatch) impl_->submit_and_wait();
  const Pipeline& p = impl_->pipelines.get(kernel.shader, kernel.spec, static_cast<uint32_t>(bindings.size()));
  const vk::DescriptorSet set = impl_->allocate_set(p);
  std::vector<vk::DescriptorBufferInfo> infos;
  infos.reserve(bindings.size());
  for (const BufferRef& b : bindings) infos.emplace_back(b->handle(), 0, VK_WHOLE_SIZE);
  std::vector<vk::WriteDescriptorSet> writes;
  for (uint32_t i = 0; i < bindings.size(); ++i)
    writes.emplace_back(set, i, 0, 1, vk::DescriptorType::eStorageBuffer, nullptr, &infos[i]);
  impl_->context.device().updateDescriptorSets(writes, {});

  impl_->begin_if_idle();
  impl_->barrier();
  vk::raii::CommandBuffer& cb = impl_->commands;
  cb.bindPipeline(vk::PipelineBindPoint::eCompute, *p.pipeline);
  cb.bindDescriptorSets(vk::PipelineBindPoint::eCompute, *p.layout, 0, set, {});
  if (push_bytes > 0) {
    // Always the whole declared range, so shaders never read unset bytes.
    uint8_t bytes[kPushConstantBytes] = {};
    std::memcpy(bytes, push, push_bytes);
    cb.pushConstants<uint8_t>(*p.layout, vk::ShaderStageFlagBits::eCompute, 0, bytes);
  }
  cb.dispatch(groups.x, groups.y, groups.z);
  for (const BufferRef& b : bindings) impl_->keep_alive.push_back(b);
  ++impl_->recorded;
}

void Stream::read(const std::vector<ReadBack>& batch) {
  std::vector<std::shared_ptr<Buffer>> staging(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const ReadBack& r = batch[i];
    if (r.bytes > r.from->bytes()) throw std::logic_error("Stream::read past the end of a buffer");
    if (r.from->mapped() || r.bytes == 0) continue;
    staging[i] = impl_->make(r.bytes, BufferKind::Staging);
    impl_->begin_if_idle();
    impl_->barrier();
    impl_->commands.copyBuffer(r.from->handle(), staging[i]->handle(), vk::BufferCopy(0, 0, r.bytes));
    impl_->keep_alive.push_back(r.from);
    ++impl_->recorded;
  }
  if (impl_->recorded > 0) {
    // The device's writes made visible to the host before the fence signals.
    const vk::MemoryBarrier to_host(vk::AccessFlagBits::eShaderWrite | vk::AccessFlagBits::eTransferWrite,
                                    vk::AccessFlagBits::eHostRead);
    impl_->commands.pipelineBarrier(
        vk::PipelineStageFlagBits::eComputeShader | vk::PipelineStageFlagBits::eTransfer,
        vk::PipelineStageFlagBits::eHost, {}, to_host, {}, {});
  }
  impl_->submit_and_wait();
  for (size_t i = 0; i < batch.size(); ++i) {
    const ReadBack& r = batch[i];
    if (r.bytes == 0) continue;
    std::memcpy(r.to, staging[i] ? staging[i]->mapped() : r.from->mapped(), r.bytes);
  }
}

void Stream::finish() { impl_->submit_and_wait(); }

uint64_t Stream::max_binding_bytes() const { return impl_->limits.maxStorageBufferRange; }

uint32_t Stream::max_groups() const {
  const auto& c = impl_->limits.maxComputeWorkGroupCount;
  return std::min({c[0], c[1], c[2]});
}

uint32_t Stream::submissions() const { return impl_->submitted; }

size_t Stream::pipelines() const { return impl_->pipelines.size(); }

}  // namespace archscope::gpu
