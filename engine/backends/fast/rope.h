// Rotary position embedding in place, threaded across tokens; the same
// angles, in the same float arithmetic, as the reference backend.
#pragma once

#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

struct RopeParams {
  int rotary_offset = 0;  // first rotated dim inside each head (MLA: after the no-position part)
  int rotary_dim = 0;     // dims rotated, even
  double theta = 10000.0;
  bool interleaved = false;  // pairs (2i, 2i+1) instead of (i, i + rot/2)
  int position_offset = 0;   // token t sits at position t + position_offset
};

// Rotates dims [offset, offset + rot) of every head of x (T, H, Dh).
// Throws std::invalid_argument when the range does not fit in Dh or rot is odd.
void rope(ThreadPool& pool, float* x, int T, int H, int Dh, const RopeParams& r);

}  // namespace archscope::fast
