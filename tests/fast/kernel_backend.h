// The fast kernels behind today's Backend interface, so the engine's own
// forward pass runs end to end on them: the parity tests over every preset and
// fixture, and the whole-model benchmarks. The user-facing fast backend will
// live in engine/backends/fast once the interface keeps tensors on the
// backend; until then this adapter is the only caller of the kernels from the
// forward pass.
#pragma once

#include <memory>

#include "engine/backends/backend.h"
#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// `threads` as ThreadPool counts them: 0 = one per hardware thread.
std::unique_ptr<Backend> make_kernel_backend(int threads = 0);

}  // namespace archscope::fast
