// Attention masks as index predicates (architecture-facts §4): allows(q, kv)
// says whether query q may attend to key kv. The CPU backend evaluates them
// per element, the GPU shaders will evaluate the same predicate in place.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/model_spec.h"

namespace archscope {

struct AttentionMask {
  MaskKind kind = MaskKind::Causal;
  int prefix_length = 0;
  int window = 0;
  bool window_counts_self = true;
  int chunk_size = 0;
  bool cross = false;               // decoder queries over encoder keys: no causality
  std::vector<uint8_t> key_valid;   // empty = every key valid (key padding)

  static AttentionMask from_spec(const MaskSpec& spec);
  static AttentionMask bidirectional();
  static AttentionMask cross_attention(std::vector<uint8_t> encoder_valid = {});

  bool allows(int q, int kv) const {
    if (!key_valid.empty() && !key_valid[kv]) return false;
    return allows_unpadded(q, kv);
  }

  // The predicate without key padding: what a backend evaluates, with the
  // padding flags given to it separately as a device tensor.
  bool allows_unpadded(int q, int kv) const {
    if (cross) return true;
    switch (kind) {
      case MaskKind::Bidirectional:
        return true;
      case MaskKind::Causal:
        return kv <= q;
      case MaskKind::Prefix:
        return kv < prefix_length || kv <= q;
      case MaskKind::SlidingWindow:
        // Hugging Face: q - W < kv <= q (W keys, itself included);
        // attention-gym: q - kv <= W (W + 1 keys).
        return kv <= q && (window_counts_self ? q - kv < window : q - kv <= window);
      case MaskKind::Chunked:
        return kv <= q && q / chunk_size == kv / chunk_size;
    }
    return false;
  }

  // (Tq, Tk) of 0/1, row-major: what the mask view draws.
  std::vector<uint8_t> matrix(int tq, int tk) const;
  // (Tq) 1 where a query row sees no key at all (every key padded or masked):
  // its attention output is 0 and the views draw the row as padding.
  std::vector<uint8_t> rows_without_keys(int tq, int tk) const;
};

}  // namespace archscope
