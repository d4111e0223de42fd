// fast::linear (OpenBLAS, split over the pool) against the reference's
// double-accumulated loops: 1e-3 relative, over odd and unit sizes, with and
// without bias, on one thread and on several.
#include <gtest/gtest.h>

#include "engine/backends/fast/blas.h"
#include "tests/fast/compare.h"
#include "tests/fast/oracle.h"

namespace {

using namespace archscope;
using archscope::testing::near_relative;
using archscope::testing::random_tensor;

struct LinearCase {
  int T, K, N;
  bool bias;
  int threads;
};

std::string name_of(const LinearCase& c);
void PrintTo(const LinearCase& c, std::ostream* os) { *os << name_of(c); }

std::string name_of(const LinearCase& c) {
  return "T" + std::to_string(c.T) + "_K" + std::to_string(c.K) + "_N" + std::to_string(c.N) +
         (c.bias ? "_bias" : "") + "_threads" + std::to_string(c.threads);
}

class Linear : public ::testing::TestWithParam<LinearCase> {};

TEST_P(Linear, MatchesReference) {
  const LinearCase& c = GetParam();
  const Tensor x = random_tensor({c.T, c.K}, 1);
  const Tensor w = random_tensor({c.N, c.K}, 2, 0.1f);
  const Tensor b = random_tensor({c.N}, 3);
  const Tensor want = oracle::linear(x, w, c.bias ? &b : nullptr);
  fast::ThreadPool pool(c.threads);
  std::vector<float> got(static_cast<size_t>(c.T) * c.N, -7.0f);
  fast::linear(pool, x.data.data(), c.T, c.K, w.data.data(), c.N, c.bias ? b.data.data() : nullptr, got.data());
  EXPECT_TRUE(near_relative(got, want, 1e-3));
}

std::vector<LinearCase> cases() {
  std::vector<LinearCase> out;
  for (int T : {1, 3, 16, 65})
    for (int K : {1, 7, 64, 129})
      for (int N : {1, 5, 64, 200, 513}) out.push_back({T, K, N, (T + K + N) % 2 == 0, 3});
  // Large enough to split: by columns (wide outputs) and by rows (a router's few outputs).
  for (int threads : {1, 2, 3}) {
    out.push_back({8, 256, 4096, true, threads});
    out.push_back({300, 1024, 8, false, threads});
    out.push_back({97, 300, 1001, true, threads});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Linear, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return name_of(info.param); });

}  // namespace

namespace {

TEST(Linear, EmptyInnerDimensionGivesTheBias) {
  archscope::fast::ThreadPool pool(2);
  const std::vector<float> b = {1.5f, -2.0f, 0.25f};
  std::vector<float> y(2 * 3, 99.0f);
  archscope::fast::linear(pool, nullptr, 2, 0, nullptr, 3, b.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1.5f, -2.0f, 0.25f, 1.5f, -2.0f, 0.25f}));
}

}  // namespace
