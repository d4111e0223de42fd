// The safetensors format: a memory-mapped reader whose header is validated
// before any tensor is touched, and a float32 writer for `run --dump`.
// Format: u64 little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}}, then the data bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace archscope {

enum class StDType { F32, F16, BF16, I64, I32 };

struct TensorEntry {
  StDType dtype;
  std::vector<int> shape;
  uint64_t begin = 0;  // offsets into the data section
  uint64_t end = 0;
};

class SafetensorsFile {
 public:
  // Maps and validates the file; throws InputError naming the file and problem.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) = delete;

  const std::string& path() const { return path_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  const TensorEntry& entry(const std::string& name) const;  // throws InputError if absent
  std::vector<std::string> names() const;

  // Any float dtype, converted to float32.
  Tensor load(const std::string& name) const;
  // Integer tensors (I64/I32), for token ids.
  std::vector<int64_t> load_ints(const std::string& name) const;
  // The stored bytes of a tensor, in its dtype's encoding; valid while the file is open.
  std::string_view raw_bytes(const std::string& name) const;

 private:
  std::string path_;
  const uint8_t* map_ = nullptr;
  size_t size_ = 0;
  const uint8_t* data_ = nullptr;  // start of the data section
  std::map<std::string, TensorEntry> entries_;
};

// Writes float32 tensors, keys in the given order, with optional string
// metadata ({"format": "pt"} for checkpoints transformers loads). Throws
// OutputError on any failed write, leaving no partial file behind.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

float bf16_to_float(uint16_t bits);
float f16_to_float(uint16_t bits);

}  // namespace archscope
