// Safetensors reading (mmap, header validated field by field) and writing.
#include "engine/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/io/file_input.h"
#include "engine/io/file_output.h"
#include "engine/io/json_input.h"

namespace archscope {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // the format's own limit is 100 MB

int dtype_size(StDType d) {
  switch (d) {
    case StDType::F32: return 4;
    case StDType::F16: return 2;
    case StDType::BF16: return 2;
    case StDType::I64: return 8;
    case StDType::I32: return 4;
  }
  return 0;
}

bool parse_dtype(const std::string& s, StDType& out) {
  static const std::pair<const char*, StDType> known[] = {{"F32", StDType::F32},
                                                          {"F16", StDType::F16},
                                                          {"BF16", StDType::BF16},
                                                          {"I64", StDType::I64},
                                                          {"I32", StDType::I32}};
  for (auto [name, d] : known)
    if (s == name) {
      out = d;
      return true;
    }
  return false;
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

float bf16_to_float(uint16_t bits) {
  uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float f16_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      u = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  const OpenedFile opened = open_regular_file(path);  // refuses FIFOs and devices without blocking
  const int fd = opened.fd;
  size_ = static_cast<size_t>(opened.size);
  if (size_ < 8) {
    ::close(fd);
    throw InputError(path + ": truncated: " + std::to_string(size_) +
                     " bytes, too short for the 8-byte header length");
  }
  void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) throw InputError(path + ": cannot map into memory");
  map_ = static_cast<const uint8_t*>(m);

  try {
    const uint64_t header_len = read_u64_le(map_);
    if (header_len > kMaxHeaderBytes)
      throw InputError(path + ": header length " + std::to_string(header_len) +
                       " exceeds the 100 MB limit");
    if (header_len > size_ - 8)
      throw InputError(path + ": truncated: header length " + std::to_string(header_len) +
                       " points past the end of the " + std::to_string(size_) + "-byte file");
    data_ = map_ + 8 + header_len;
    const uint64_t data_size = size_ - 8 - header_len;

    const char* text = reinterpret_cast<const char*>(map_ + 8);
    const nlohmann::json header = parse_json_document(text, text + header_len, path + ": header");
    if (!header.is_object()) throw InputError(path + ": header is not a JSON object");

    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
      const std::string& name = it.key();
      if (name == "__metadata__") continue;
      const auto& v = it.value();
      auto bad = [&](const std::string& what) {
        return InputError(path + ": tensor " + quote_text(name, 120, '\'') + ": " + what);
      };
      if (!v.is_object()) throw bad("entry is not an object");
      if (!v.contains("dtype") || !v["dtype"].is_string()) throw bad("missing dtype");
      TensorEntry e;
      std::string dt = v["dtype"].get<std::string>();
      if (!parse_dtype(dt, e.dtype))
        throw bad("dtype " + quote_text(dt, 20) +
                  " is not supported (expected F32, F16 or BF16; I64/I32 for ids)");
      if (!v.contains("shape") || !v["shape"].is_array()) throw bad("missing shape");
      const nlohmann::json& shape = v["shape"];
      if (shape.size() > 8) throw bad("shape " + summarize_json(shape) + " has more than 8 dimensions");
      uint64_t count = 1;
      for (const auto& d : shape) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() > std::numeric_limits<int>::max())
          throw bad("shape " + summarize_json(shape) + " holds a non-integer or oversized dimension");
        uint64_t dim = d.get<uint64_t>();
        if (dim != 0 && count > std::numeric_limits<uint64_t>::max() / 8 / dim)
          throw bad("shape " + summarize_json(shape) + " overflows");
        count *= dim;
        e.shape.push_back(static_cast<int>(dim));
      }
      if (!v.contains("data_offsets")) throw bad("data_offsets must be [begin, end]");
      const nlohmann::json& off = v["data_offsets"];
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
          !off[1].is_number_unsigned())
        throw bad("data_offsets must be [begin, end], found " + summarize_json(off));
      e.begin = off[0].get<uint64_t>();
      e.end = off[1].get<uint64_t>();
      if (e.begin > e.end) throw bad("data_offsets begin after they end");
      if (e.end > data_size)
        throw bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                  "] point outside the file's " + std::to_string(data_size) + " data bytes");
      if (e.end - e.begin != count * dtype_size(e.dtype))
        throw bad("shape " + summarize_json(shape) + " of " + dt + " needs " +
                  std::to_string(count * dtype_size(e.dtype)) + " bytes but data_offsets span " +
                  std::to_string(e.end - e.begin));
      ranges.push_back({e.begin, e.end});
      entries_[name] = e;
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second)
        throw InputError(path + ": tensors overlap in the data section at byte " +
                         std::to_string(ranges[i].first));
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(map_), size_);
    map_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)),
      map_(o.map_),
      size_(o.size_),
      data_(o.data_),
      entries_(std::move(o.entries_)) {
  o.map_ = nullptr;
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw InputError(path_ + ": missing tensor " + quote_text(name, 120, '\''));
  return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : entries_) out.push_back(name);
  return out;
}

Tensor SafetensorsFile::load(const std::string& name) const {
  const TensorEntry& e = entry(name);
  Tensor t(e.shape);
  const uint8_t* src = data_ + e.begin;
  const int64_t n = t.numel();
  switch (e.dtype) {
    case StDType::F32:
      if (n > 0) std::memcpy(t.data.data(), src, static_cast<size_t>(n) * 4);
      break;
    case StDType::F16:
    case StDType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, src + 2 * i, 2);
        t.data[i] = e.dtype == StDType::BF16 ? bf16_to_float(bits) : f16_to_float(bits);
      }
      break;
    default:
      throw InputError(path_ + ": tensor '" + name + "' holds integers, expected F32, F16 or BF16");
  }
  return t;
}

std::string_view SafetensorsFile::raw_bytes(const std::string& name) const {
  const TensorEntry& e = entry(name);
  return {reinterpret_cast<const char*>(data_ + e.begin), static_cast<size_t>(e.end - e.begin)};
}

std::vector<int64_t> SafetensorsFile::load_ints(const std::string& name) const {
  const TensorEntry& e = entry(name);
  const uint8_t* src = data_ + e.begin;
  std::vector<int64_t> out(element_count(e.shape));
  for (size_t i = 0; i < out.size(); ++i) {
    if (e.dtype == StDType::I64) {
      std::memcpy(&out[i], src + 8 * i, 8);
    } else if (e.dtype == StDType::I32) {
      int32_t v;
      std::memcpy(&v, src + 4 * i, 4);
      out[i] = v;
    } else {
      throw InputError(path_ + ": tensor '" + name + "' is not an integer tensor");
    }
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * 4;
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // keep the data 8-byte aligned
  OutputFile out(path);
  uint64_t n = text.size();
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  out.write(len, 8);
  out.write(text);
  for (const auto& [name, t] : tensors) out.write(t.data.data(), static_cast<size_t>(t.numel()) * 4);
  out.commit();
}

}  // namespace archscope
