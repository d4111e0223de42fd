// How the fast kernels' tests judge an output against the reference's.
// Non-finite values fail unless the
// reference has the same value at the same place.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "tests/fast/random_tensor.h"

namespace archscope::testing {

namespace detail {
inline ::testing::AssertionResult judge(std::span<const float> got, const Tensor& want, double tolerance,
                                        bool relative) {
  if (static_cast<int64_t>(got.size()) != want.numel())
    return ::testing::AssertionFailure() << got.size() << " values against " << want.numel();
  double sum_squares = 0;
  for (float w : want.data) sum_squares += static_cast<double>(w) * w;
  const double rms = want.numel() ? std::sqrt(sum_squares / want.numel()) : 0.0;
  double worst = 0;
  int64_t worst_at = -1;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got[i], w = want.data[i];
    if (!std::isfinite(g) || !std::isfinite(w)) {
      if (g == w || (std::isnan(g) && std::isnan(w))) continue;
      return ::testing::AssertionFailure() << "at " << i << ": got " << g << ", reference " << w;
    }
    // Relative: to the element, or to the tensor's rms where the element is
    // near zero (a dot product that cancels has no meaningful relative error).
    const double err = std::fabs(g - w) / (relative ? std::max({std::fabs(w), rms, 1e-30}) : 1.0);
    if (err > worst) worst = err, worst_at = i;
  }
  if (worst <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << (relative ? "relative" : "absolute") << " error " << worst
                                       << " > " << tolerance << " at " << worst_at << ": got "
                                       << got[worst_at] << ", reference " << want.data[worst_at];
}
}  // namespace detail

inline ::testing::AssertionResult near_relative(std::span<const float> got, const Tensor& want, double rel) {
  return detail::judge(got, want, rel, true);
}
inline ::testing::AssertionResult near_absolute(std::span<const float> got, const Tensor& want, double abs) {
  return detail::judge(got, want, abs, false);
}

}  // namespace archscope::testing
