// The SLEEF routines behind exp, tanh and erf, on every instruction set this
// CPU runs, against libm in double: within 2 float ulps, special values exact,
// every tail length.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/backends/fast/vector_math.h"
#include "engine/backends/fast/vector_math_isa.h"

namespace {

using Kernel = void (*)(float*, int64_t);

struct Variant {
  std::string name;
  Kernel exp, tanh, erf;
  bool supported;
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

std::vector<Variant> variants() {
  __builtin_cpu_init();
  using namespace archscope::fast;
  return {
      {"dispatched", exp_inplace, tanh_inplace, erf_inplace, true},
      {"avx512f", avx512::exp_inplace, avx512::tanh_inplace, avx512::erf_inplace,
       __builtin_cpu_supports("avx512f") != 0},
      {"avx2", avx2::exp_inplace, avx2::tanh_inplace, avx2::erf_inplace,
       __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
  };
}

// Values from -range to range, denser near zero, plus the edges of float.
std::vector<float> sweep(float range) {
  std::vector<float> v;
  for (int i = -2000; i <= 2000; ++i) v.push_back(range * static_cast<float>(i * std::abs(i)) / 4e6f);
  for (float x : {1e-30f, -1e-30f, 1e-8f, -1e-8f, 0.0f, -0.0f}) v.push_back(x);
  return v;
}

void expect_within_ulps(Kernel f, double (*exact)(double), const std::vector<float>& in, const char* what) {
  std::vector<float> got = in;
  f(got.data(), static_cast<int64_t>(got.size()));
  for (size_t i = 0; i < in.size(); ++i) {
    const double want = exact(in[i]);
    if (std::fabs(want) < std::numeric_limits<float>::min()) {
      EXPECT_LE(std::fabs(got[i]), 1e-37) << what << "(" << in[i] << ")";
      continue;
    }
    const float wf = static_cast<float>(want);
    const double ulp = std::nextafter(std::fabs(wf), INFINITY) - std::fabs(wf);
    EXPECT_LE(std::fabs(got[i] - want), 2 * ulp) << what << "(" << in[i] << ") = " << got[i] << ", want " << want;
  }
}

class VectorMath : public ::testing::TestWithParam<Variant> {};

TEST_P(VectorMath, WithinTwoUlpsOfLibm) {
  const Variant& v = GetParam();
  if (!v.supported) GTEST_SKIP() << v.name << " is not supported by this CPU";
  expect_within_ulps(v.exp, [](double x) { return std::exp(x); }, sweep(87.0f), "exp");
  expect_within_ulps(v.tanh, [](double x) { return std::tanh(x); }, sweep(12.0f), "tanh");
  expect_within_ulps(v.erf, [](double x) { return std::erf(x); }, sweep(6.0f), "erf");
}

TEST_P(VectorMath, SpecialValues) {
  const Variant& v = GetParam();
  if (!v.supported) GTEST_SKIP() << v.name << " is not supported by this CPU";
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> e = {-inf, inf, -200.0f, 200.0f, std::nanf("")};
  v.exp(e.data(), 5);
  EXPECT_EQ(e[0], 0.0f);
  EXPECT_EQ(e[1], inf);
  EXPECT_EQ(e[2], 0.0f);
  EXPECT_EQ(e[3], inf);
  EXPECT_TRUE(std::isnan(e[4]));
  std::vector<float> t = {-inf, inf, -50.0f, 50.0f};
  v.tanh(t.data(), 4);
  EXPECT_EQ(t, (std::vector<float>{-1, 1, -1, 1}));
  std::vector<float> r = {-inf, inf};
  v.erf(r.data(), 2);
  EXPECT_EQ(r, (std::vector<float>{-1, 1}));
}

TEST_P(VectorMath, EveryTailLengthAndNothingPastTheEnd) {
  const Variant& v = GetParam();
  if (!v.supported) GTEST_SKIP() << v.name << " is not supported by this CPU";
  for (int n = 0; n <= 40; ++n) {
    std::vector<float> buf(n + 1, 0.5f);
    buf[n] = 1234.0f;  // a guard the routine must not touch
    v.exp(buf.data(), n);
    for (int i = 0; i < n; ++i) ASSERT_FLOAT_EQ(buf[i], std::exp(0.5f)) << "n " << n << " at " << i;
    ASSERT_EQ(buf[n], 1234.0f) << "n " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, VectorMath, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return info.param.name; });

TEST(VectorMath, ReportsItsInstructionSet) {
  const std::string isa = archscope::fast::vector_math_isa();
  EXPECT_TRUE(isa == "avx512f" || isa == "avx2" || isa == "scalar") << isa;
}

}  // namespace
