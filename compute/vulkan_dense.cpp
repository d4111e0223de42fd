// The Vulkan backend's dense math: linear, norms, activations, residual add,
// scaling and RoPE, each one dispatch of its shader.
#include <cmath>

#include "compute/vulkan_backend.h"
#include "engine/backends/op_contracts.h"

namespace archscope::gpu {

namespace {

constexpr uint32_t kNoActivation = 255;

struct Elementwise {
  uint32_t n;
  uint32_t mode;  // an activation, or unused
};

}  // namespace

DeviceTensor VulkanBackend::linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) {
  // x (M, K), w (N, K), b (N) -> y (M, N)
  const contract::LinearDims d = contract::linear(x, w, b);
  const uint32_t M = d.rows, N = d.N, K = d.K;
  std::vector<int> shape = x.shape;
  shape.back() = static_cast<int>(N);
  DeviceTensor y = make(shape, ElementType::F32);
  const BufferRef& xb = f32(x, "linear");
  struct {
    uint32_t m, n, k, has_bias;
  } push{M, N, K, b ? 1u : 0u};
  stream_.dispatch({"linear.comp", {0, kNoActivation}}, {xb, f32(w, "linear"), b ? f32(*b, "linear") : xb, f32(y, "linear"), xb},
                   push, {(N + 63) / 64, (M + 63) / 64, 1});
  return y;
}

DeviceTensor VulkanBackend::layer_norm(const DeviceTensor& x, const DeviceTensor& gamma, const DeviceTensor* beta,
                                       float eps) {
  const int D = contract::layer_norm(x, gamma, beta);
  DeviceTensor y = make(x.shape, ElementType::F32);
  const BufferRef& g = f32(gamma, "layer_norm");
  struct {
    uint32_t rows, d;
    float eps;
    uint32_t has_beta;
  } push{static_cast<uint32_t>(x.rows()), static_cast<uint32_t>(D), eps, beta ? 1u : 0u};
  stream_.dispatch({"layer_norm.comp"}, {f32(x, "layer_norm"), g, beta ? f32(*beta, "layer_norm") : g, f32(y, "layer_norm")},
                   push, groups_for(x.rows(), 1));
  return y;
}

DeviceTensor VulkanBackend::rms_norm(const DeviceTensor& x, const DeviceTensor& gamma, float eps) {
  const int D = contract::rms_norm(x, gamma);
  DeviceTensor y = make(x.shape, ElementType::F32);
  struct {
    uint32_t rows, d;
    float eps;
  } push{static_cast<uint32_t>(x.rows()), static_cast<uint32_t>(D), eps};
  stream_.dispatch({"rms_norm.comp"}, {f32(x, "rms_norm"), f32(gamma, "rms_norm"), f32(y, "rms_norm")}, push,
                   groups_for(x.rows(), 1));
  return y;
}

DeviceTensor VulkanBackend::activate(const DeviceTensor& x, Activation a) {
  DeviceTensor y = make(x.shape, ElementType::F32);
  const Elementwise push{static_cast<uint32_t>(x.numel()), static_cast<uint32_t>(a)};
  stream_.dispatch({"activate.comp"}, {f32(x, "activate"), f32(y, "activate")}, push, groups_for(x.numel(), 256));
  return y;
}

DeviceTensor VulkanBackend::gated(const DeviceTensor& gate, const DeviceTensor& up, Activation a) {
  contract::gated(gate, up);
  DeviceTensor y = make(gate.shape, ElementType::F32);
  const Elementwise push{static_cast<uint32_t>(gate.numel()), static_cast<uint32_t>(a)};
  stream_.dispatch({"gated.comp"}, {f32(gate, "gated"), f32(up, "gated"), f32(y, "gated")}, push,
                   groups_for(gate.numel(), 256));
  return y;
}

DeviceTensor VulkanBackend::add(const DeviceTensor& x, const DeviceTensor& y) {
  contract::add(x, y);
  DeviceTensor out = make(x.shape, ElementType::F32);
  const uint32_t n = static_cast<uint32_t>(x.numel());
  stream_.dispatch({"add.comp"}, {f32(x, "add"), f32(y, "add"), f32(out, "add")}, n, groups_for(n, 256));
  return out;
}

DeviceTensor VulkanBackend::scale(const DeviceTensor& x, float s) {
  DeviceTensor out = make(x.shape, ElementType::F32);
  struct {
    uint32_t n;
    float s;
  } push{static_cast<uint32_t>(x.numel()), s};
  stream_.dispatch({"scale.comp"}, {f32(x, "scale"), f32(out, "scale")}, push, groups_for(x.numel(), 256));
  return out;
}

DeviceTensor VulkanBackend::scale_rows(const DeviceTensor& x, const DeviceTensor& s) {
  // x (R, C) * s (R)
  contract::scale_rows(x, s);
  const int C = x.rank() ? x.shape.back() : 0;
  DeviceTensor out = make(x.shape, ElementType::F32);
  const Elementwise push{static_cast<uint32_t>(x.numel()), static_cast<uint32_t>(std::max(C, 1))};
  stream_.dispatch({"scale_rows.comp"}, {f32(x, "scale_rows"), f32(s, "scale_rows"), f32(out, "scale_rows")}, push,
                   groups_for(x.numel(), 256));
  return out;
}

DeviceTensor VulkanBackend::rope(const DeviceTensor& x, const RopeInputs& r) {
  // x (T, H, Dh); rotates dims [offset, offset + rot) of every head.
  contract::rope(x, r);
  const int half = r.rotary_dim / 2;
  // The frequencies are parameters, not tensor data: computed as the reference does.
  Tensor inv_freq({std::max(half, 1)});
  for (int i = 0; i < half; ++i)
    inv_freq.data[i] = static_cast<float>(1.0 / std::pow(r.theta, static_cast<double>(2 * i) / r.rotary_dim));
  DeviceTensor freq = upload(inv_freq);
  DeviceTensor y = make(x.shape, ElementType::F32);
  struct {
    uint32_t t, h, dh, offset, rot;
    int32_t position_offset;
    uint32_t interleaved;
  } push{static_cast<uint32_t>(x.dim(0)), static_cast<uint32_t>(x.dim(1)), static_cast<uint32_t>(x.dim(2)),
         static_cast<uint32_t>(r.rotary_offset), static_cast<uint32_t>(r.rotary_dim), r.position_offset,
         r.interleaved ? 1u : 0u};
  stream_.dispatch({"rope.comp"}, {f32(x, "rope"), f32(freq, "rope"), f32(y, "rope")}, push, groups_for(x.numel(), 256));
  return y;
}

}  // namespace archscope::gpu
