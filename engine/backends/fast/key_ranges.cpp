// Interval form of AttentionMask::allows, trimmed to the valid keys at each end.
#include "engine/backends/fast/key_ranges.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace archscope::fast {

namespace {

// The keys allows(q, ·) admits before key padding, clipped to [0, Tk).
KeyRange untrimmed(const AttentionMask& m, int q, int Tk) {
  int begin = 0, end = Tk;
  if (!m.cross) {
    switch (m.kind) {
      case MaskKind::Bidirectional:
        break;
      case MaskKind::Causal:
        end = q + 1;
        break;
      case MaskKind::Prefix:
        end = std::max(m.prefix_length, q + 1);
        break;
      case MaskKind::SlidingWindow:
        end = q + 1;
        begin = m.window_counts_self ? q - m.window + 1 : q - m.window;
        break;
      case MaskKind::Chunked:
        end = q + 1;
        begin = q / m.chunk_size * m.chunk_size;
        break;
    }
  }
  return {std::max(begin, 0), std::min(end, Tk)};
}

}  // namespace

KeyRanges::KeyRanges(const AttentionMask& mask, int Tq, int Tk) : rows_(Tq), valid_before_(Tk + 1) {
  if (!mask.cross && mask.kind == MaskKind::Chunked && mask.chunk_size < 1)
    throw std::invalid_argument("attention mask: chunk size " + std::to_string(mask.chunk_size) +
                                " must be at least 1");
  if (!mask.key_valid.empty()) {
    if (static_cast<int>(mask.key_valid.size()) != Tk)
      throw std::invalid_argument("attention mask: " + std::to_string(mask.key_valid.size()) +
                                  " key-padding flags for " + std::to_string(Tk) + " keys");
    key_valid_ = mask.key_valid.data();
  }
  for (int j = 0; j < Tk; ++j) valid_before_[j + 1] = valid_before_[j] + (key_visible(j) ? 1 : 0);
  // first_at[j]: the first valid key >= j (Tk if none); end_at[j]: one past
  // the last valid key < j (0 if none).
  std::vector<int> first_at(Tk + 1, Tk), end_at(Tk + 1, 0);
  for (int j = Tk - 1; j >= 0; --j) first_at[j] = key_visible(j) ? j : first_at[j + 1];
  for (int j = 1; j <= Tk; ++j) end_at[j] = key_visible(j - 1) ? j : end_at[j - 1];
  for (int q = 0; q < Tq; ++q) {
    KeyRange r = untrimmed(mask, q, Tk);
    if (!r.empty()) r = {first_at[r.begin], end_at[r.end]};
    rows_[q] = r.empty() ? KeyRange{0, 0} : r;
  }
}

KeyRange KeyRanges::hull(int q0, int q1) const {
  KeyRange h{0, 0};
  bool any = false;
  for (int q = q0; q < q1; ++q) {
    const KeyRange r = rows_[q];
    if (r.empty()) continue;
    h = any ? KeyRange{std::min(h.begin, r.begin), std::max(h.end, r.end)} : r;
    any = true;
  }
  return h;
}

}  // namespace archscope::fast
