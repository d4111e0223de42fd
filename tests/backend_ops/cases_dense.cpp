// Cases for the dense ops: linear, norms, activations, add, scaling, RoPE,
// and the count of non-finite values.
// Sizes of 1, non-multiples of 16/32/64 and sizes above 256.
#include <limits>
#include <string>

#include "tests/backend_ops/harness.h"

namespace archscope::op_tests {

namespace {

const char* act_name(Activation a) {
  switch (a) {
    case Activation::GeluExact: return "gelu";
    case Activation::GeluTanh: return "gelutanh";
    case Activation::Relu: return "relu";
    case Activation::Silu: return "silu";
    case Activation::Sigmoid: return "sigmoid";
  }
  return "?";
}

const Activation kActivations[] = {Activation::GeluExact, Activation::GeluTanh, Activation::Relu, Activation::Silu,
                                   Activation::Sigmoid};

std::string dims(const std::vector<int>& s) {
  std::string n;
  for (int d : s) n += (n.empty() ? "" : "x") + std::to_string(d);
  return n;
}

}  // namespace

std::vector<OpCase> dense_cases() {
  std::vector<OpCase> cases;
  for (int T : {1, 7, 33, 300})
    for (auto [K, N] : {std::pair{1, 1}, {17, 5}, {64, 64}, {257, 33}, {100, 300}})
      for (bool bias : {false, true}) {
        const std::string name = "linear_T" + std::to_string(T) + "_K" + std::to_string(K) + "_N" + std::to_string(N) +
                                 (bias ? "_bias" : "");
        cases.push_back({Op::Linear, name, kFloat, {Op::Linear, {{T, K}, {N, K}, bias ? std::vector<int>{N} : std::vector<int>{}}},
                         [=, K = K, N = N](Inputs& in) {
                           DeviceTensor x = in.f32({T, K}), w = in.f32({N, K}, 0.3), b = in.f32({N});
                           Outputs o;
                           o.add(in.backend(), "y", in.backend().linear(x, w, bias ? &b : nullptr));
                           return o;
                         }});
      }
  for (int T : {1, 13, 300})
    for (int D : {1, 17, 64, 260}) {
      for (bool beta : {false, true}) {
        const std::string name = "layer_norm_T" + std::to_string(T) + "_D" + std::to_string(D) + (beta ? "_beta" : "");
        cases.push_back({Op::LayerNorm, name, kFloat, {Op::LayerNorm, {{T, D}, {D}, beta ? std::vector<int>{D} : std::vector<int>{}}},
                         [=](Inputs& in) {
                           DeviceTensor x = in.f32({T, D}, 3.0), g = in.f32({D}), b = in.f32({D});
                           Outputs o;
                           o.add(in.backend(), "y", in.backend().layer_norm(x, g, beta ? &b : nullptr, 1e-5f));
                           return o;
                         }});
      }
      cases.push_back({Op::RmsNorm, "rms_norm_T" + std::to_string(T) + "_D" + std::to_string(D), kFloat,
                       {Op::RmsNorm, {{T, D}, {D}}}, [=](Inputs& in) {
                         DeviceTensor x = in.f32({T, D}, 3.0), g = in.f32({D});
                         Outputs o;
                         o.add(in.backend(), "y", in.backend().rms_norm(x, g, 1e-6f));
                         return o;
                       }});
    }
  for (Activation a : kActivations)
    for (std::vector<int> shape : {std::vector<int>{1, 1}, {7, 33}, {300, 65}}) {
      const std::string tail = std::string(act_name(a)) + "_" + dims(shape);
      cases.push_back({Op::Activate, "activate_" + tail, kFloat, {Op::Activate, {shape}, static_cast<int>(a)},
                       [=](Inputs& in) {
                         Outputs o;
                         o.add(in.backend(), "y", in.backend().activate(in.f32(shape, 3.0), a));
                         return o;
                       }});
      cases.push_back({Op::Gated, "gated_" + tail, kFloat, {Op::Gated, {shape, shape}, static_cast<int>(a)},
                       [=](Inputs& in) {
                         DeviceTensor g = in.f32(shape, 3.0), u = in.f32(shape);
                         Outputs o;
                         o.add(in.backend(), "y", in.backend().gated(g, u, a));
                         return o;
                       }});
    }
  for (std::vector<int> shape : {std::vector<int>{1, 1}, {7, 33}, {300, 65}, {5, 3, 17}}) {
    cases.push_back({Op::Add, "add_" + dims(shape), kFloat, {Op::Add, {shape, shape}}, [=](Inputs& in) {
                       DeviceTensor x = in.f32(shape), y = in.f32(shape);
                       Outputs o;
                       o.add(in.backend(), "y", in.backend().add(x, y));
                       return o;
                     }});
    cases.push_back({Op::Scale, "scale_" + dims(shape), kFloat, {Op::Scale, {shape}}, [=](Inputs& in) {
                       Outputs o;
                       o.add(in.backend(), "y", in.backend().scale(in.f32(shape), 0.125f));
                       return o;
                     }});
  }
  for (auto [R, C, column] : {std::tuple{1, 1, false}, {7, 33, true}, {300, 65, false}}) {
    const std::string name = "scale_rows_R" + std::to_string(R) + "_C" + std::to_string(C) + (column ? "_column" : "");
    cases.push_back({Op::ScaleRows, name, kFloat, {Op::ScaleRows, {{R, C}, column ? std::vector<int>{R, 1} : std::vector<int>{R}}},
                     [=, R = R, C = C, column = column](Inputs& in) {
                       DeviceTensor x = in.f32({R, C});
                       DeviceTensor s = in.f32(column ? std::vector<int>{R, 1} : std::vector<int>{R});
                       Outputs o;
                       o.add(in.backend(), "y", in.backend().scale_rows(x, s));
                       return o;
                     }});
  }
  struct Rope {
    int T, H, Dh, offset, rot;
    bool interleaved;
    int position_offset;
    double theta;
  };
  for (Rope r : {Rope{1, 1, 8, 0, 8, false, 0, 1e4}, Rope{9, 4, 24, 0, 24, false, 0, 1e4},
                 Rope{9, 4, 24, 0, 24, true, 0, 1e4}, Rope{300, 2, 64, 0, 64, false, 0, 5e5},
                 Rope{33, 4, 24, 8, 16, true, 0, 1e4},  // MLA: the rope part after 8 nope dims
                 Rope{33, 1, 16, 0, 16, true, 0, 1e6}, Rope{17, 8, 64, 0, 32, false, 5, 1e4},
                 Rope{300, 1, 8, 0, 8, true, 1000, 1e4}}) {
    const std::string name = "rope_T" + std::to_string(r.T) + "_H" + std::to_string(r.H) + "_Dh" +
                             std::to_string(r.Dh) + "_off" + std::to_string(r.offset) + "_rot" + std::to_string(r.rot) +
                             (r.interleaved ? "_interleaved" : "_half") + "_pos" + std::to_string(r.position_offset) +
                             "_theta" + std::to_string(static_cast<long>(r.theta));
    cases.push_back({Op::Rope, name, kFloat, {Op::Rope, {{r.T, r.H, r.Dh}}}, [=](Inputs& in) {
                       Outputs o;
                       o.add(in.backend(), "y",
                             in.backend().rope(in.f32({r.T, r.H, r.Dh}),
                                               {r.offset, r.rot, r.theta, r.interleaved, r.position_offset}));
                       return o;
                     }});
  }
  // count_nonfinite: sizes across one workgroup and beyond, with NaN, +inf
  // and -inf planted at seeded places (none, a few, every element).
  for (int n : {1, 7, 256, 1000, 70001})
    for (int bad : {0, 1, 3, -1}) {
      if (bad > n) continue;
      const std::string name =
          "count_nonfinite_N" + std::to_string(n) + (bad < 0 ? "_all" : "_bad" + std::to_string(bad));
      cases.push_back({Op::CountNonFinite, name, kExact, {Op::CountNonFinite, {{n}}}, [=](Inputs& in) {
                         Tensor x = in.host({n}, 1e30);  // huge but finite values stay uncounted
                         const float planted[] = {std::numeric_limits<float>::quiet_NaN(),
                                                  std::numeric_limits<float>::infinity(),
                                                  -std::numeric_limits<float>::infinity()};
                         for (int i = 0; bad < 0 ? i < n : i < bad; ++i) {
                           const int at = bad < 0 ? i : static_cast<int>(in.uniform() * n);
                           x.data[at] = planted[i % 3];
                         }
                         Outputs o;
                         o.add(in.backend(), "count", in.backend().count_nonfinite(in.backend().upload(x)));
                         return o;
                       }});
    }
  return cases;
}

}  // namespace archscope::op_tests
