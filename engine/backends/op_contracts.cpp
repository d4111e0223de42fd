#include "engine/backends/op_contracts.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace archscope::contract {

namespace {

template <class Message>
void require(bool ok, const char* op, Message&& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what());
}

std::string shape_of(const DeviceTensor* t) { return t ? t->shape_string() : "none"; }

}  // namespace

LinearDims linear(const DeviceTensor& x, const DeviceTensor& w, const DeviceTensor* b) {
  require(w.rank() == 2 && x.rank() >= 1 && w.dim(1) == x.shape.back(), "linear",
          [&] { return "x " + x.shape_string() + " does not match weight " + w.shape_string(); });
  require(!b || b->numel() == w.dim(0), "linear",
          [&] { return "bias " + shape_of(b) + " for weight " + w.shape_string(); });
  return {x.rows(), w.dim(1), w.dim(0)};
}

int layer_norm(const DeviceTensor& x, const DeviceTensor& gamma, const DeviceTensor* beta) {
  const int D = x.rank() ? x.shape.back() : 0;
  require(x.rank() >= 1 && gamma.numel() == D && (!beta || beta->numel() == D), "layer_norm", [&] {
    return "x " + x.shape_string() + ", gamma " + gamma.shape_string() + ", beta " + shape_of(beta);
  });
  return D;
}

int rms_norm(const DeviceTensor& x, const DeviceTensor& gamma) {
  const int D = x.rank() ? x.shape.back() : 0;
  require(x.rank() >= 1 && gamma.numel() == D, "rms_norm",
          [&] { return "x " + x.shape_string() + ", gamma " + gamma.shape_string(); });
  return D;
}

void gated(const DeviceTensor& gate, const DeviceTensor& up) {
  require(gate.shape == up.shape, "gated", [&] { return gate.shape_string() + " and " + up.shape_string(); });
}

void add(const DeviceTensor& x, const DeviceTensor& y) {
  require(x.numel() == y.numel(), "add", [&] { return x.shape_string() + " + " + y.shape_string(); });
}

void scale_rows(const DeviceTensor& x, const DeviceTensor& scales) {
  require(scales.numel() == x.rows(), "scale_rows",
          [&] { return "x " + x.shape_string() + " with scales " + scales.shape_string(); });
}

void rope(const DeviceTensor& x, const RopeInputs& r) {
  require(x.rank() == 3 && r.rotary_dim % 2 == 0 && r.rotary_dim >= 0 && r.rotary_offset >= 0 &&
              r.rotary_offset + r.rotary_dim <= x.dim(2),
          "rope", [&] {
            return "bad rotary range for " + x.shape_string() + ": dims " + std::to_string(r.rotary_offset) +
                   " to " + std::to_string(r.rotary_offset + r.rotary_dim) + " of each head (an even count needed)";
          });
}

AttentionDims attention(const AttentionInputs& in) {
  require(in.q && in.k && in.v && in.mask, "attention", [] { return std::string("q, k, v and mask are required"); });
  const DeviceTensor &q = *in.q, &k = *in.k, &v = *in.v;
  const auto shapes = [&] { return "q " + q.shape_string() + ", k " + k.shape_string() + ", v " + v.shape_string(); };
  require(q.rank() == 3 && k.rank() == 3 && v.rank() == 3, "attention", shapes);
  const AttentionDims d{q.dim(0), q.dim(1), q.dim(2), k.dim(0), k.dim(1), v.dim(2)};
  require(k.dim(2) == d.Dqk && v.dim(0) == d.Tk && v.dim(1) == d.KV && d.KV > 0 && d.H % d.KV == 0, "attention",
          shapes);
  require(!in.bias || in.bias->shape == std::vector<int>{d.H, d.Tq, d.Tk}, "attention", [&] {
    return "bias " + shape_of(in.bias) + " for H, Tq, Tk = " + std::to_string(d.H) + ", " + std::to_string(d.Tq) +
           ", " + std::to_string(d.Tk);
  });
  require(!in.key_valid || in.key_valid->numel() == d.Tk, "attention", [&] {
    return "key_valid " + shape_of(in.key_valid) + " for " + std::to_string(d.Tk) + " keys";
  });
  const std::vector<int>& full = in.probs.full_heads;
  for (size_t i = 0; i < full.size(); ++i)
    require(full[i] >= 0 && full[i] < d.H && (i == 0 || full[i] > full[i - 1]), "attention",
            [&] { return "full_heads must be ascending heads below " + std::to_string(d.H); });
  require(in.probs.pool >= 0, "attention", [] { return std::string("negative pool"); });
  return d;
}

ExpertFfnDims expert_ffn(const ExpertBatch& batch, const ExpertWeights& w) {
  require(w.up && w.down && w.up->rank() == 3 && w.down->rank() == 3, "expert_ffn",
          [] { return std::string("up and down (E, ., .) needed"); });
  const int E = w.up->dim(0), F = w.up->dim(1), D = w.up->dim(2);
  require(batch.rows.rank() == 2 && batch.rows.dim(1) == D && batch.offsets.numel() == E + 1 &&
              w.down->shape == std::vector<int>{E, D, F} && (!w.gate || w.gate->shape == w.up->shape),
          "expert_ffn", [&] {
            return "rows " + batch.rows.shape_string() + ", offsets " + batch.offsets.shape_string() + ", up " +
                   w.up->shape_string() + ", down " + w.down->shape_string() + ", gate " + shape_of(w.gate);
          });
  require((!w.gate_bias || w.gate_bias->numel() == E * F) && (!w.up_bias || w.up_bias->numel() == E * F) &&
              (!w.down_bias || w.down_bias->numel() == E * D),
          "expert_ffn", [&] {
            return "bias shapes: gate " + shape_of(w.gate_bias) + ", up " + shape_of(w.up_bias) + ", down " +
                   shape_of(w.down_bias) + " for E, F, D = " + std::to_string(E) + ", " + std::to_string(F) + ", " +
                   std::to_string(D);
          });
  return {E, F, D, batch.rows.dim(0)};
}

}  // namespace archscope::contract
