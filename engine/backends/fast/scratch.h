// Working memory a backend keeps between calls. The MoE experts' hidden
// activations are a hundred megabytes at a few thousand tokens; allocating
// them afresh each call makes the kernel clear that many new pages, which
// costs a tenth of the layer. A Scratch keeps its largest buffer instead.
// Not thread-safe: one per backend, used by one op at a time.
#pragma once

#include <cstddef>
#include <memory>

namespace archscope::fast {

class Scratch {
 public:
  // At least n floats, uninitialised, valid until the next call.
  float* floats(size_t n) {
    if (n > size_) {
      buffer_ = std::make_unique_for_overwrite<float[]>(n);
      size_ = n;
    }
    return buffer_.get();
  }

 private:
  std::unique_ptr<float[]> buffer_;
  size_t size_ = 0;
};

}  // namespace archscope::fast
