// The keys each query row may see, as an interval: every mask kind of
// engine/run/mask.h (causal, bidirectional, prefix, sliding window, chunked,
// cross) admits a contiguous run of keys per query, and key padding only
// punches holes in it. Attention computes scores over these intervals alone,
// so fully masked blocks of keys are never touched.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/run/mask.h"

namespace archscope::fast {

struct KeyRange {
  int begin = 0;
  int end = 0;  // exclusive; begin >= end means no key is visible
  bool empty() const { return begin >= end; }
};

class KeyRanges {
 public:
  // Throws std::invalid_argument when the mask cannot describe (Tq, Tk): a
  // chunk size below 1, or key-padding flags that do not number Tk.
  KeyRanges(const AttentionMask& mask, int Tq, int Tk);

  // Outside the range no key is visible; inside it, key j is visible iff
  // key_visible(j). The ends are visible keys themselves (trimmed).
  KeyRange row(int q) const { return rows_[q]; }
  // The smallest range holding row(q) for every q in [q0, q1).
  KeyRange hull(int q0, int q1) const;
  // Null when every key is valid; else Tk flags, 1 = visible.
  const uint8_t* key_valid() const { return key_valid_; }
  bool key_visible(int j) const { return !key_valid_ || key_valid_[j]; }
  // Does [k0, k1) hold any valid key?
  bool any_valid(int k0, int k1) const { return valid_before_[k1] > valid_before_[k0]; }

 private:
  std::vector<KeyRange> rows_;
  const uint8_t* key_valid_ = nullptr;
  std::vector<int> valid_before_;  // (Tk + 1) valid keys in [0, j)
};

}  // namespace archscope::fast
