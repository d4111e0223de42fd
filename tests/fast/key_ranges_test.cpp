// The interval form of every mask equals AttentionMask::allows, key by key.
#include <gtest/gtest.h>

#include <random>

#include "engine/backends/fast/key_ranges.h"

namespace {

using namespace archscope;

struct MaskCase {
  std::string name;
  AttentionMask mask;
};

AttentionMask make(MaskKind kind, int prefix = 0, int window = 0, bool counts_self = true, int chunk = 0) {
  AttentionMask m;
  m.kind = kind;
  m.prefix_length = prefix;
  m.window = window;
  m.window_counts_self = counts_self;
  m.chunk_size = chunk;
  return m;
}

std::vector<MaskCase> masks() {
  return {{"causal", make(MaskKind::Causal)},
          {"bidirectional", make(MaskKind::Bidirectional)},
          {"prefix0", make(MaskKind::Prefix, 0)},
          {"prefix5", make(MaskKind::Prefix, 5)},
          {"prefix_longer_than_sequence", make(MaskKind::Prefix, 100)},
          {"window1", make(MaskKind::SlidingWindow, 0, 1)},
          {"window4", make(MaskKind::SlidingWindow, 0, 4)},
          {"window4_gym", make(MaskKind::SlidingWindow, 0, 4, false)},
          {"window0", make(MaskKind::SlidingWindow, 0, 0)},
          {"chunk1", make(MaskKind::Chunked, 0, 0, true, 1)},
          {"chunk5", make(MaskKind::Chunked, 0, 0, true, 5)},
          {"cross", AttentionMask::cross_attention()}};
}

// Key-padding patterns for Tk keys: none, random, both ends padded, all padded.
std::vector<std::vector<uint8_t>> paddings(int Tk) {
  std::vector<std::vector<uint8_t>> out = {{}};
  std::mt19937 rng(Tk);
  std::vector<uint8_t> random(Tk), ends(Tk, 1), none(Tk, 0);
  for (auto& v : random) v = rng() % 3 != 0;
  ends.front() = 0;
  ends.back() = 0;
  out.push_back(random);
  out.push_back(ends);
  out.push_back(none);
  return out;
}

class KeyRangesOf : public ::testing::TestWithParam<MaskCase> {};

TEST_P(KeyRangesOf, EqualTheMaskPredicate) {
  for (int Tq : {1, 2, 7, 13, 37})
    for (int Tk : {Tq, GetParam().mask.cross ? 3 : Tq, GetParam().mask.cross ? 19 : Tq})
      for (const auto& valid : paddings(Tk)) {
        AttentionMask m = GetParam().mask;
        m.key_valid = valid;
        const fast::KeyRanges ranges(m, Tq, Tk);
        for (int q = 0; q < Tq; ++q) {
          const fast::KeyRange r = ranges.row(q);
          for (int kv = 0; kv < Tk; ++kv) {
            const bool inside = kv >= r.begin && kv < r.end && ranges.key_visible(kv);
            ASSERT_EQ(inside, m.allows(q, kv)) << "Tq " << Tq << " Tk " << Tk << " q " << q << " kv " << kv
                                               << " padded " << !valid.empty();
          }
          if (!r.empty()) {
            EXPECT_TRUE(m.allows(q, r.begin));
            EXPECT_TRUE(m.allows(q, r.end - 1));
          }
        }
        for (int q0 = 0; q0 < Tq; q0 += 4) {
          const int q1 = std::min(Tq, q0 + 4);
          const fast::KeyRange h = ranges.hull(q0, q1);
          for (int q = q0; q < q1; ++q)
            if (!ranges.row(q).empty()) {
              EXPECT_LE(h.begin, ranges.row(q).begin);
              EXPECT_GE(h.end, ranges.row(q).end);
            }
        }
        for (int k0 = 0; k0 < Tk; ++k0)
          for (int k1 = k0; k1 <= Tk; ++k1) {
            bool any = false;
            for (int j = k0; j < k1; ++j) any = any || ranges.key_visible(j);
            ASSERT_EQ(ranges.any_valid(k0, k1), any) << k0 << ".." << k1;
          }
      }
}

INSTANTIATE_TEST_SUITE_P(Kinds, KeyRangesOf, ::testing::ValuesIn(masks()),
                         [](const auto& info) { return info.param.name; });

TEST(KeyRanges, RefusesMalformedMasks) {
  AttentionMask chunked;
  chunked.kind = MaskKind::Chunked;
  chunked.chunk_size = 0;
  EXPECT_THROW(fast::KeyRanges(chunked, 4, 4), std::invalid_argument);
  AttentionMask padded = AttentionMask::bidirectional();
  padded.key_valid = {1, 1, 0};
  EXPECT_THROW(fast::KeyRanges(padded, 4, 4), std::invalid_argument);
}

}  // namespace
