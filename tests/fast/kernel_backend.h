// The fast kernels behind the Backend interface, for tests and benchmarks:
// it derives from the reference backend (sharing its host storage) and
// replaces the ops the kernels cover (linear, norms, activations, add, RoPE,
// attention, expert_ffn); routing, gathers, slices, dispatch and combine stay
// the reference's. It lets the engine's own forward pass run end to end on the
// kernels: the parity tests over every preset and fixture, and the
// whole-model benchmarks. The user-facing fast backend ("cpu" in make_backend)
// is the next step and will live in engine/backends/fast.
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace archscope::fast {

// `threads` as ThreadPool counts them: 0 = one per hardware thread.
std::unique_ptr<Backend> make_kernel_backend(int threads = 0);

}  // namespace archscope::fast
