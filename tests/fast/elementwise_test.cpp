// Activations, gated activations, residual adds, LayerNorm, RMSNorm and RoPE
// against the reference: sizes 1 and odd, long arrays that split over the
// pool, and outputs written over their own inputs.
#include <gtest/gtest.h>

#include "engine/backends/fast/elementwise.h"
#include "engine/backends/fast/norms.h"
#include "engine/backends/fast/rope.h"
#include "tests/fast/compare.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;
using archscope::testing::near_relative;
using archscope::testing::random_tensor;

const char* name_of(Activation a) {
  switch (a) {
    case Activation::GeluExact: return "gelu_exact";
    case Activation::GeluTanh: return "gelu_tanh";
    case Activation::Relu: return "relu";
    case Activation::Silu: return "silu";
    case Activation::Sigmoid: return "sigmoid";
  }
  return "?";
}

class Activations : public ::testing::TestWithParam<Activation> {};

TEST_P(Activations, MatchReferenceAtEverySize) {
  fast::ThreadPool pool(3);
  for (int n : {1, 7, 16, 513, 100003}) {
    SCOPED_TRACE("n " + std::to_string(n));
    // Wide inputs reach the tails of every function (sigmoid(-40), tanh(20)).
    const Tensor x = random_tensor({n}, 11, 6.0f), up = random_tensor({n}, 12);
    std::vector<float> got(n);
    fast::activate(pool, x.data.data(), got.data(), n, GetParam());
    EXPECT_TRUE(near_relative(got, oracle::activate(x, GetParam()), 1e-5));
    fast::gated(pool, x.data.data(), up.data.data(), got.data(), n, GetParam());
    EXPECT_TRUE(near_relative(got, oracle::gated(x, up, GetParam()), 1e-5));
    std::vector<float> in_place = x.data;
    fast::activate(pool, in_place.data(), in_place.data(), n, GetParam());
    EXPECT_TRUE(near_relative(in_place, oracle::activate(x, GetParam()), 1e-5));
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, Activations,
                         ::testing::Values(Activation::GeluExact, Activation::GeluTanh, Activation::Relu,
                                           Activation::Silu, Activation::Sigmoid),
                         [](const auto& info) { return name_of(info.param); });

TEST(Elementwise, AddIntoANewArrayOrInPlace) {
  fast::ThreadPool pool(2);
  for (int n : {1, 9, 300001}) {
    Tensor x = random_tensor({n}, 1), y = random_tensor({n}, 2);
    Tensor want({n});
    for (int i = 0; i < n; ++i) want.data[i] = x.data[i] + y.data[i];
    std::vector<float> out(n);
    fast::add(pool, x.data.data(), y.data.data(), out.data(), n);
    EXPECT_TRUE(near_relative(out, want, 0.0)) << n;
    fast::add(pool, x.data.data(), y.data.data(), x.data.data(), n);
    EXPECT_TRUE(near_relative(x.data, want, 0.0)) << n << " in place";
  }
}

struct NormCase {
  int T, D;
  float offset;  // added to every input: float32 statistics must not lose the spread
};

void PrintTo(const NormCase& c, std::ostream* os) { *os << "T=" << c.T << " D=" << c.D << " offset=" << c.offset; }

class Norms : public ::testing::TestWithParam<NormCase> {};

TEST_P(Norms, LayerNormAndRmsNormMatchReference) {
  const auto [T, D, offset] = GetParam();
  Tensor x = random_tensor({T, D}, 21);
  for (float& v : x.data) v += offset;
  const Tensor gamma = random_tensor({D}, 22), beta = random_tensor({D}, 23);
  const double tol = 1e-5;
  fast::ThreadPool pool(3);
  std::vector<float> got(static_cast<size_t>(T) * D);
  fast::layer_norm(pool, x.data.data(), T, D, gamma.data.data(), beta.data.data(), 1e-5f, got.data());
  EXPECT_TRUE(near_relative(got, oracle::layer_norm(x, gamma, &beta, 1e-5f), tol)) << "with beta";
  fast::layer_norm(pool, x.data.data(), T, D, gamma.data.data(), nullptr, 1e-12f, got.data());
  EXPECT_TRUE(near_relative(got, oracle::layer_norm(x, gamma, nullptr, 1e-12f), tol)) << "without beta";
  fast::rms_norm(pool, x.data.data(), T, D, gamma.data.data(), 1e-6f, got.data());
  EXPECT_TRUE(near_relative(got, oracle::rms_norm(x, gamma, 1e-6f), tol)) << "rms";
  std::vector<float> in_place = x.data;
  fast::rms_norm(pool, in_place.data(), T, D, gamma.data.data(), 1e-6f, in_place.data());
  EXPECT_TRUE(near_relative(in_place, oracle::rms_norm(x, gamma, 1e-6f), tol)) << "rms in place";
}

INSTANTIATE_TEST_SUITE_P(Shapes, Norms,
                         ::testing::Values(NormCase{1, 1, 0}, NormCase{1, 7, 0}, NormCase{5, 64, 0},
                                           NormCase{3, 768, 0}, NormCase{300, 1000, 0},
                                           NormCase{17, 768, 1000.0f}),
                         [](const auto& info) {
                           return "T" + std::to_string(info.param.T) + "_D" + std::to_string(info.param.D) +
                                  (info.param.offset != 0 ? "_offset" : "");
                         });

struct RopeCase {
  int T, H, Dh;
  fast::RopeParams r;
  std::string name;
};

void PrintTo(const RopeCase& c, std::ostream* os) { *os << c.name; }

class Rope : public ::testing::TestWithParam<RopeCase> {};

TEST_P(Rope, MatchesReference) {
  const RopeCase& c = GetParam();
  const Tensor x = random_tensor({c.T, c.H, c.Dh}, 31);
  Tensor want = x;
  oracle::rope(want, c.r);
  std::vector<float> got = x.data;
  fast::ThreadPool pool(3);
  fast::rope(pool, got.data(), c.T, c.H, c.Dh, c.r);
  EXPECT_TRUE(near_relative(got, want, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, Rope,
    ::testing::Values(RopeCase{1, 1, 2, {0, 2, 1e4, false, 0}, "single_pair"},
                      RopeCase{9, 3, 8, {0, 8, 1e4, false, 0}, "half_split"},
                      RopeCase{9, 3, 8, {0, 8, 1e4, true, 0}, "interleaved"},
                      RopeCase{7, 2, 24, {16, 8, 1e4, true, 0}, "mla_rope_part"},
                      RopeCase{5, 4, 64, {0, 32, 5e5, false, 0}, "partial_rotary"},
                      RopeCase{300, 2, 64, {0, 64, 1e6, false, 17}, "long_offset_positions"}),
    [](const auto& info) { return info.param.name; });

TEST(Rope, RefusesARangeOutsideTheHead) {
  fast::ThreadPool pool(1);
  std::vector<float> x(16);
  EXPECT_THROW(fast::rope(pool, x.data(), 1, 2, 8, {4, 6, 1e4, false, 0}), std::invalid_argument);
  EXPECT_THROW(fast::rope(pool, x.data(), 1, 2, 8, {0, 3, 1e4, false, 0}), std::invalid_argument);
}

}  // namespace
