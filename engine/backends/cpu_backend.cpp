// The CPU backend: the reference every other backend is tested against.
// Plain loops, one op per function, shape comments on every tensor.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/backends/backend.h"

namespace archscope {

namespace {

float apply(Activation a, float x) {
  switch (a) {
    case Activation::GeluExact:
      return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
    case Activation::GeluTanh: {
      const float c = std::sqrt(2.0f / static_cast<float>(M_PI));
      return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * x * x * x)));
    }
    case Activation::Relu:
      return x > 0 ? x : 0;
    case Activation::Silu:
      return x / (1.0f + std::exp(-x));
    case Activation::Sigmoid:
      return 1.0f / (1.0f + std::exp(-x));
  }
  return x;
}

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }

  Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b) override {
    // x (T, K), w (N, K), b (N) -> y (T, N)
    const int K = x.shape.back(), N = w.dim(0), T = x.rows();
    require(w.rank() == 2 && w.dim(1) == K, "linear",
            "x " + x.shape_string() + " does not match weight " + w.shape_string());
    require(!b || b->numel() == N, "linear", "bias size does not match weight rows");
    std::vector<int> out_shape = x.shape;
    out_shape.back() = N;
    Tensor y(out_shape);
    for (int t = 0; t < T; ++t) {
      const float* xt = x.row(t);
      float* yt = y.row(t);
      for (int n = 0; n < N; ++n) {
        const float* wn = w.row(n);
        // Double accumulation: the oracle should be closer to exact than any backend it judges.
        double acc = 0.0;
        for (int k = 0; k < K; ++k) acc += static_cast<double>(xt[k]) * wn[k];
        yt[n] = static_cast<float>(acc + (b ? b->data[n] : 0.0f));
      }
    }
    return y;
  }

  Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor* beta, float eps) override {
    // x (T, D) -> (x - mean) / sqrt(var + eps) * gamma + beta
    const int D = x.shape.back();
    Tensor y(x.shape);
    for (int t = 0; t < x.rows(); ++t) {
      const float* xt = x.row(t);
      double mean = 0, var = 0;
      for (int d = 0; d < D; ++d) mean += xt[d];
      mean /= D;
      for (int d = 0; d < D; ++d) var += (xt[d] - mean) * (xt[d] - mean);
      var /= D;
      const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
      for (int d = 0; d < D; ++d)
        y.row(t)[d] = (xt[d] - static_cast<float>(mean)) * inv * gamma.data[d] +
                      (beta ? beta->data[d] : 0.0f);
    }
    return y;
  }

  Tensor rms_norm(const Tensor& x, const Tensor& gamma, float eps) override {
    // x (T, D) -> x / sqrt(mean(x^2) + eps) * gamma
    const int D = x.shape.back();
    Tensor y(x.shape);
    for (int t = 0; t < x.rows(); ++t) {
      const float* xt = x.row(t);
      double ms = 0;
      for (int d = 0; d < D; ++d) ms += static_cast<double>(xt[d]) * xt[d];
      const float inv = static_cast<float>(1.0 / std::sqrt(ms / D + eps));
      for (int d = 0; d < D; ++d) y.row(t)[d] = gamma.data[d] * (xt[d] * inv);
    }
    return y;
  }

  Tensor activate(const Tensor& x, Activation a) override {
    Tensor y(x.shape);
    for (int64_t i = 0; i < x.numel(); ++i) y.data[i] = apply(a, x.data[i]);
    return y;
  }

  Tensor gated(const Tensor& gate, const Tensor& up, Activation a) override {
    require(gate.shape == up.shape, "gated", "gate and up shapes differ");
    Tensor y(gate.shape);
    for (int64_t i = 0; i < y.numel(); ++i) y.data[i] = apply(a, gate.data[i]) * up.data[i];
    return y;
  }

  void add_inplace(Tensor& x, const Tensor& y) override {
    require(x.numel() == y.numel(), "add", x.shape_string() + " + " + y.shape_string());
    for (int64_t i = 0; i < x.numel(); ++i) x.data[i] += y.data[i];
  }

  void rope(Tensor& x, const RopeInputs& r) override {
    // x (T, H, Dh); rotates dims [offset, offset + rot) of every head.
    require(x.rank() == 3 && r.rotary_dim % 2 == 0 && r.rotary_offset + r.rotary_dim <= x.dim(2),
            "rope", "bad rotary range for " + x.shape_string());
    const int T = x.dim(0), H = x.dim(1), half = r.rotary_dim / 2;
    std::vector<float> inv_freq(half), y(r.rotary_dim), rotated(r.rotary_dim);
    for (int i = 0; i < half; ++i)
      inv_freq[i] = static_cast<float>(
          1.0 / std::pow(r.theta, static_cast<double>(2 * i) / r.rotary_dim));
    for (int t = 0; t < T; ++t) {
      const float pos = static_cast<float>(t + r.position_offset);
      for (int h = 0; h < H; ++h) {
        float* v = x.row(t * H + h) + r.rotary_offset;
        // Interleaved pairs (2i, 2i+1) are first gathered into halves, as
        // Hugging Face's apply_rotary_pos_emb_interleave does.
        for (int i = 0; i < half; ++i) {
          y[i] = r.interleaved ? v[2 * i] : v[i];
          y[i + half] = r.interleaved ? v[2 * i + 1] : v[i + half];
        }
        for (int i = 0; i < half; ++i) {
          const float angle = pos * inv_freq[i];
          const float c = std::cos(angle), s = std::sin(angle);
          rotated[i] = y[i] * c - y[i + half] * s;
          rotated[i + half] = y[i + half] * c + y[i] * s;
        }
        for (int i = 0; i < r.rotary_dim; ++i) v[i] = rotated[i];
      }
    }
  }

  AttentionOutputs attention(const AttentionInputs& in) override {
    const Tensor &q = *in.q, &k = *in.k, &v = *in.v;
    // q (Tq, H, Dqk), k (Tk, KV, Dqk), v (Tk, KV, Dv)
    const int Tq = q.dim(0), H = q.dim(1), Dqk = q.dim(2);
    const int Tk = k.dim(0), KV = k.dim(1), Dv = v.dim(2);
    require(k.dim(2) == Dqk && v.dim(0) == Tk && v.dim(1) == KV && H % KV == 0, "attention",
            "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string());
    const int group = H / KV;
    AttentionOutputs o{Tensor({Tq, H * Dv}), Tensor({H, Tq, Tk})};
    std::vector<float> scores(Tk);
    for (int h = 0; h < H; ++h) {
      const int kvh = h / group;
      for (int i = 0; i < Tq; ++i) {
        const float* qi = q.row(i * H + h);
        float max_score = -std::numeric_limits<float>::infinity();
        for (int j = 0; j < Tk; ++j) {
          if (!in.mask->allows(i, j)) {
            scores[j] = -std::numeric_limits<float>::infinity();
            continue;
          }
          const float* kj = k.row(j * KV + kvh);
          double dot = 0.0;
          for (int d = 0; d < Dqk; ++d) dot += static_cast<double>(qi[d]) * kj[d];
          scores[j] = static_cast<float>(dot * in.scale);
          if (in.bias) scores[j] += in.bias->data[(static_cast<int64_t>(h) * Tq + i) * Tk + j];
          max_score = std::max(max_score, scores[j]);
        }
        float* p = o.probs.data.data() + (static_cast<int64_t>(h) * Tq + i) * Tk;
        if (max_score == -std::numeric_limits<float>::infinity()) continue;  // no visible key
        double sum = 0.0;
        for (int j = 0; j < Tk; ++j) {
          p[j] = std::isinf(scores[j]) ? 0.0f : std::exp(scores[j] - max_score);
          sum += p[j];
        }
        for (int j = 0; j < Tk; ++j) p[j] = static_cast<float>(p[j] / sum);
        float* out = o.out.row(i) + h * Dv;
        for (int j = 0; j < Tk; ++j) {
          if (p[j] == 0.0f) continue;
          const float* vj = v.row(j * KV + kvh);
          for (int d = 0; d < Dv; ++d) out[d] += p[j] * vj[d];
        }
      }
    }
    return o;
  }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace archscope
