// The fast CPU backend's one thread pool for the whole process, sized from
// the hardware or the ARCHSCOPE_THREADS environment variable. Every CpuBackend
// shares it, so two backends (the window's and a render's) never run more busy
// threads than there are cores, and OpenBLAS stays single-threaded inside it.
// Making it also settles the heap for large short-lived tensors (heap.h).
#pragma once

#include "engine/backends/fast/thread_pool.h"

namespace archscope::fast {

// The largest ARCHSCOPE_THREADS accepted.
constexpr int kMaxThreads = 256;

// The pool's size for an ARCHSCOPE_THREADS value (null or empty: unset) on a
// machine offering `hardware` threads. Throws InputError naming the variable
// for anything but a whole number from 1 to kMaxThreads.
int pool_threads(const char* setting, int hardware);

// Made on first use from ARCHSCOPE_THREADS and hardware_threads(); lives until
// the process ends. A bad ARCHSCOPE_THREADS throws here, on every call.
ThreadPool& process_pool();

}  // namespace archscope::fast
