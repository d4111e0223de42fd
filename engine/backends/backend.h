// The one interface every op of the forward pass goes through. The CPU
// backend is the reference; the Vulkan backend implements the same ops and is
// tested against it op by op.
#pragma once

#include <memory>
#include <string>

#include "engine/run/mask.h"
#include "engine/tensor.h"

namespace archscope {

enum class Activation { GeluExact, GeluTanh, Relu, Silu, Sigmoid };

struct AttentionInputs {
  const Tensor* q = nullptr;     // (Tq, H, Dqk)
  const Tensor* k = nullptr;     // (Tk, KV, Dqk); query head h reads KV head h / (H / KV)
  const Tensor* v = nullptr;     // (Tk, KV, Dv)
  const Tensor* bias = nullptr;  // optional (H, Tq, Tk), added to the scores (T5)
  const AttentionMask* mask = nullptr;
  float scale = 1.0f;
};

struct AttentionOutputs {
  Tensor out;    // (Tq, H * Dv)
  Tensor probs;  // (H, Tq, Tk): softmax rows; masked keys are exactly 0
};

struct RopeInputs {
  int rotary_offset = 0;  // first rotated dim inside each head
  int rotary_dim = 0;     // dims rotated (even)
  double theta = 10000.0;
  bool interleaved = false;  // pairs (2i, 2i+1) instead of (i, i + d/2)
  int position_offset = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // y (T, N) = x (T, K) · Wᵀ + b, with W (N, K) as nn.Linear stores it; b may be null.
  virtual Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b) = 0;
  // Over the last dim; beta may be null.
  virtual Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor* beta, float eps) = 0;
  virtual Tensor rms_norm(const Tensor& x, const Tensor& gamma, float eps) = 0;
  virtual Tensor activate(const Tensor& x, Activation a) = 0;
  // act(gate) * up, elementwise (SwiGLU, gated GELU).
  virtual Tensor gated(const Tensor& gate, const Tensor& up, Activation a) = 0;
  virtual void add_inplace(Tensor& x, const Tensor& y) = 0;
  // Rotates x (T, H, Dh) in place, position t = row + position_offset.
  virtual void rope(Tensor& x, const RopeInputs& r) = 0;
  virtual AttentionOutputs attention(const AttentionInputs& in) = 0;
};

std::unique_ptr<Backend> make_cpu_backend();

}  // namespace archscope
