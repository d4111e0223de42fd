#include "engine/backends/fast/heap.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace archscope::fast {

void keep_freed_blocks_in_heap() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && (std::strstr(tunables, "mmap_threshold") || std::strstr(tunables, "trim_threshold")))
      return;
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
}

}  // namespace archscope::fast
