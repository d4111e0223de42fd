// Mask construction and the dense picture of a mask.
#include "engine/run/mask.h"

namespace archscope {

AttentionMask AttentionMask::from_spec(const MaskSpec& s) {
  AttentionMask m;
  m.kind = s.kind;
  m.prefix_length = s.prefix_length;
  m.window = s.window;
  m.window_counts_self = s.window_counts_self;
  m.chunk_size = s.chunk_size;
  return m;
}

AttentionMask AttentionMask::bidirectional() {
  AttentionMask m;
  m.kind = MaskKind::Bidirectional;
  return m;
}

AttentionMask AttentionMask::cross_attention(std::vector<uint8_t> encoder_valid) {
  AttentionMask m;
  m.kind = MaskKind::Bidirectional;
  m.cross = true;
  m.key_valid = std::move(encoder_valid);
  return m;
}

std::vector<uint8_t> AttentionMask::matrix(int tq, int tk) const {
  std::vector<uint8_t> out(static_cast<size_t>(tq) * tk);
  for (int q = 0; q < tq; ++q)
    for (int kv = 0; kv < tk; ++kv) out[static_cast<size_t>(q) * tk + kv] = allows(q, kv) ? 1 : 0;
  return out;
}

std::vector<uint8_t> AttentionMask::rows_without_keys(int tq, int tk) const {
  std::vector<uint8_t> out(static_cast<size_t>(tq), 1);
  for (int q = 0; q < tq; ++q)
    for (int kv = 0; kv < tk && out[q]; ++kv)
      if (allows(q, kv)) out[q] = 0;
  return out;
}

}  // namespace archscope
