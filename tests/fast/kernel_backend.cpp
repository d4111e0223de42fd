// Each Backend op is one fast kernel on the tensors' host storage.
#include "tests/fast/kernel_backend.h"

#include <stdexcept>
#include <string>

#include "engine/backends/fast/attention.h"
#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/elementwise.h"
#include "engine/backends/fast/norms.h"
#include "engine/backends/fast/rope.h"

namespace archscope::fast {

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

class KernelBackend final : public Backend {
 public:
  explicit KernelBackend(int threads) : pool_(threads) {}
  std::string name() const override { return "cpu-fast"; }

  Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b) override {
    const int K = x.shape.back(), N = w.dim(0);
    require(w.rank() == 2 && w.dim(1) == K, "linear",
            "x " + x.shape_string() + " does not match weight " + w.shape_string());
    require(!b || b->numel() == N, "linear", "bias size does not match weight rows");
    std::vector<int> shape = x.shape;
    shape.back() = N;
    Tensor y(shape);
    fast::linear(pool_, x.data.data(), x.rows(), K, w.data.data(), N, b ? b->data.data() : nullptr,
                 y.data.data());
    return y;
  }

  Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor* beta, float eps) override {
    Tensor y(x.shape);
    fast::layer_norm(pool_, x.data.data(), x.rows(), x.shape.back(), gamma.data.data(),
                     beta ? beta->data.data() : nullptr, eps, y.data.data());
    return y;
  }

  Tensor rms_norm(const Tensor& x, const Tensor& gamma, float eps) override {
    Tensor y(x.shape);
    fast::rms_norm(pool_, x.data.data(), x.rows(), x.shape.back(), gamma.data.data(), eps, y.data.data());
    return y;
  }

  Tensor activate(const Tensor& x, Activation a) override {
    Tensor y(x.shape);
    fast::activate(pool_, x.data.data(), y.data.data(), x.numel(), a);
    return y;
  }

  Tensor gated(const Tensor& gate, const Tensor& up, Activation a) override {
    require(gate.shape == up.shape, "gated", "gate and up shapes differ");
    Tensor y(gate.shape);
    fast::gated(pool_, gate.data.data(), up.data.data(), y.data.data(), y.numel(), a);
    return y;
  }

  void add_inplace(Tensor& x, const Tensor& y) override {
    require(x.numel() == y.numel(), "add", x.shape_string() + " + " + y.shape_string());
    fast::add_inplace(pool_, x.data.data(), y.data.data(), x.numel());
  }

  void rope(Tensor& x, const RopeInputs& r) override {
    require(x.rank() == 3, "rope", "expects (T, H, Dh), found " + x.shape_string());
    fast::rope(pool_, x.data.data(), x.dim(0), x.dim(1), x.dim(2),
               {r.rotary_offset, r.rotary_dim, r.theta, r.interleaved, r.position_offset});
  }

  AttentionOutputs attention(const AttentionInputs& in) override {
    const Tensor &q = *in.q, &k = *in.k, &v = *in.v;
    require(q.rank() == 3 && k.rank() == 3 && v.rank() == 3 && k.dim(2) == q.dim(2) &&
                v.dim(0) == k.dim(0) && v.dim(1) == k.dim(1),
            "attention", "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string());
    AttentionProblem p;
    p.q = q.data.data();
    p.k = k.data.data();
    p.v = v.data.data();
    p.bias = in.bias ? in.bias->data.data() : nullptr;
    p.mask = in.mask;
    p.scale = in.scale;
    p.Tq = q.dim(0), p.H = q.dim(1), p.Dqk = q.dim(2);
    p.Tk = k.dim(0), p.KV = k.dim(1), p.Dv = v.dim(2);
    require(!in.bias || in.bias->numel() == int64_t{p.H} * p.Tq * p.Tk, "attention",
            "bias " + (in.bias ? in.bias->shape_string() : std::string()) + " is not (H, Tq, Tk)");
    AttentionOutputs o{Tensor({p.Tq, p.H * p.Dv}), Tensor({p.H, p.Tq, p.Tk})};
    attention_with_probs(pool_, p, o.out.data.data(), o.probs.data.data());
    return o;
  }

 private:
  ThreadPool pool_;
};

}  // namespace

std::unique_ptr<Backend> make_kernel_backend(int threads) { return std::make_unique<KernelBackend>(threads); }

}  // namespace archscope::fast
