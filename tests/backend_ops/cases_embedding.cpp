// Cases for lookups, generated positions and column moves: gather, sinusoidal
// positions, T5's relative bias, slice and concatenation (MLA's k assembly).
#include <string>

#include "tests/backend_ops/harness.h"

namespace archscope::op_tests {

std::vector<OpCase> embedding_cases() {
  std::vector<OpCase> cases;
  for (auto [R, C, T] : {std::tuple{1, 1, 1}, {50, 17, 7}, {300, 64, 300}, {1000, 33, 65}}) {
    const std::string name = "gather_rows_R" + std::to_string(R) + "_C" + std::to_string(C) + "_T" + std::to_string(T);
    cases.push_back({Op::GatherRows, name, kExact, {Op::GatherRows, {{R, C}, {T}}}, [=, R = R, C = C, T = T](Inputs& in) {
                       DeviceTensor table = in.f32({R, C});
                       std::vector<int32_t> ids(T);
                       for (int t = 0; t < T; ++t) ids[t] = static_cast<int32_t>(in.uniform() * R);
                       Outputs o;
                       o.add(in.backend(), "rows", in.backend().gather_rows(table, in.ints(ids, {T})));
                       return o;
                     }});
  }
  for (auto [T, D] : {std::pair{1, 2}, {7, 17}, {300, 64}, {513, 1024}}) {
    const std::string name = "sinusoidal_positions_T" + std::to_string(T) + "_D" + std::to_string(D);
    cases.push_back({Op::SinusoidalPositions, name, kFloat, {Op::SinusoidalPositions, {{T, D}}}, [=, T = T, D = D](Inputs& in) {
                       Outputs o;
                       o.add(in.backend(), "pe", in.backend().sinusoidal_positions(T, D));
                       return o;
                     }});
  }
  struct Bias {
    int buckets, distance, H, Tq, Tk;
    bool bidirectional;
  };
  for (Bias b : {Bias{32, 128, 4, 7, 7, true}, Bias{32, 128, 4, 7, 7, false}, Bias{16, 32, 8, 300, 300, true},
                 Bias{32, 128, 2, 5, 37, false}, Bias{32, 128, 1, 1, 1, true}}) {
    const std::string name = "relative_position_bias_B" + std::to_string(b.buckets) + "_max" + std::to_string(b.distance) +
                             "_H" + std::to_string(b.H) + "_Tq" + std::to_string(b.Tq) + "_Tk" + std::to_string(b.Tk) +
                             (b.bidirectional ? "_bidirectional" : "_causal");
    cases.push_back({Op::RelativePositionBias, name, kExact, {Op::RelativePositionBias, {{b.buckets, b.H}}},
                     [=](Inputs& in) {
                       Outputs o;
                       o.add(in.backend(), "bias",
                             in.backend().relative_position_bias(in.f32({b.buckets, b.H}), b.Tq, b.Tk, b.bidirectional,
                                                                 {b.buckets, b.distance}));
                       return o;
                     }});
  }
  struct Slice {
    std::vector<int> shape;
    int from, count;
  };
  for (const Slice& s : {Slice{{1, 1}, 0, 1}, Slice{{7, 80}, 64, 16}, Slice{{33, 4, 24}, 0, 16}, Slice{{300, 4, 24}, 16, 8},
                         Slice{{5, 40}, 3, 0}}) {
    std::string name = "slice_last";
    for (int d : s.shape) name += "_" + std::to_string(d);
    name += "_from" + std::to_string(s.from) + "_n" + std::to_string(s.count);
    cases.push_back({Op::SliceLast, name, kExact, {Op::SliceLast, {s.shape}}, [=](Inputs& in) {
                       Outputs o;
                       o.add(in.backend(), "y", in.backend().slice_last(in.f32(s.shape), s.from, s.count));
                       return o;
                     }});
  }
  struct Concat {
    std::vector<int> a, b;
  };
  for (const Concat& c : {Concat{{1, 1, 1}, {1, 1, 1}}, Concat{{7, 4, 16}, {7, 1, 8}}, Concat{{300, 16, 128}, {300, 1, 64}},
                          Concat{{33, 4, 5}, {33, 4, 3}}, Concat{{9, 17}, {9, 3}}}) {
    std::string name = "concat_last_a";
    for (int d : c.a) name += "_" + std::to_string(d);
    name += "_b";
    for (int d : c.b) name += "_" + std::to_string(d);
    cases.push_back({Op::ConcatLast, name, kExact, {Op::ConcatLast, {c.a, c.b}}, [=](Inputs& in) {
                       DeviceTensor a = in.f32(c.a), b = in.f32(c.b);
                       Outputs o;
                       o.add(in.backend(), "y", in.backend().concat_last(a, b));
                       return o;
                     }});
  }
  return cases;
}

}  // namespace archscope::op_tests
