// Sizing and making the process's pool. Sized once: a pool cannot change size
// under running work, and one size for the run keeps timings comparable.
#include "engine/backends/fast/process_pool.h"

#include <cstdlib>
#include <string>

#include "engine/backends/fast/blas.h"
#include "engine/backends/fast/heap.h"
#include "engine/errors.h"

namespace archscope::fast {

int pool_threads(const char* setting, int hardware) {
  if (!setting || !*setting) return hardware < 1 ? 1 : hardware;
  const std::string text(setting);
  const std::string quoted = "'" + (text.size() > 40 ? text.substr(0, 40) + "..." : text) + "'";
  bool digits = text.size() <= 4;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  const int n = digits ? std::atoi(text.c_str()) : 0;
  if (!digits || n < 1 || n > kMaxThreads)
    throw InputError("ARCHSCOPE_THREADS: expected a whole number of threads from 1 to " +
                     std::to_string(kMaxThreads) + ", found " + quoted);
  return n;
}

ThreadPool& process_pool() {
  // Checked on every call so that a bad setting is an error each time it is
  // used, not only the first time (the static below is made once).
  const int threads = pool_threads(std::getenv("ARCHSCOPE_THREADS"), hardware_threads());
  use_single_threaded_blas();
  keep_freed_blocks_in_heap();
  static ThreadPool pool(threads);
  return pool;
}

}  // namespace archscope::fast
