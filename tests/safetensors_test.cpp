// The safetensors reader against well-formed, truncated and hostile files,
// and the weight loader against missing and mis-shaped tensors.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"
#include "engine/errors.h"
#include "engine/io/hf_weights.h"
#include "engine/io/safetensors.h"

using namespace archscope;
using archscope::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = ARCHSCOPE_FIXTURES;


// A file of a given header text and data bytes, with a correct length prefix
// unless `declared_length` overrides it.
void write_raw(const std::string& path, const std::string& header, const std::string& data,
               int64_t declared_length = -1) {
  std::ofstream out(path, std::ios::binary);
  uint64_t n = declared_length < 0 ? header.size() : static_cast<uint64_t>(declared_length);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
  out << header << data;
}

std::string error_opening(const std::string& path) {
  try {
    SafetensorsFile f(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& path, const std::string& part) {
  std::string e = error_opening(path);
  ASSERT_FALSE(e.empty()) << "opened without error";
  EXPECT_NE(e.find(path), std::string::npos) << e;
  EXPECT_NE(e.find(part), std::string::npos) << "'" << part << "' not in: " << e;
}

const std::string kEightBytes(8, '\0');

}  // namespace

TEST(Safetensors, RoundTripsFloat32) {
  TempDir dir;
  Tensor a({2, 3});
  for (int i = 0; i < 6; ++i) a.data[i] = 0.5f * i - 1;
  write_safetensors(dir.file("x.safetensors"), {{"a", a}, {"b", Tensor({4}, 2.0f)}});
  SafetensorsFile f(dir.file("x.safetensors"));
  EXPECT_EQ(f.names(), (std::vector<std::string>{"a", "b"}));
  Tensor back = f.load("a");
  EXPECT_EQ(back.shape, a.shape);
  EXPECT_EQ(back.data, a.data);
  EXPECT_EQ(f.load("b").data, std::vector<float>(4, 2.0f));
}

TEST(Safetensors, ConvertsBf16AndF16) {
  TempDir dir;
  // 1.5 in bf16 = 0x3FC0; -2.0 in f16 = 0xC000; 65504 (f16 max) = 0x7BFF.
  const std::string data("\xC0\x3F\x00\xC0\xFF\x7B", 6);
  write_raw(dir.file("h.safetensors"),
            R"({"b":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},)"
            R"("h":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}})",
            data);
  SafetensorsFile f(dir.file("h.safetensors"));
  EXPECT_EQ(f.load("b").data[0], 1.5f);
  EXPECT_EQ(f.load("h").data[0], -2.0f);
  EXPECT_EQ(f.load("h").data[1], 65504.0f);
}

TEST(SafetensorsErrors, ShorterThanTheLengthPrefix) {
  TempDir dir;
  std::ofstream(dir.file("s.safetensors")) << "abc";
  expect_error(dir.file("s.safetensors"), "truncated");
}

TEST(SafetensorsErrors, HeaderLengthPastTheEnd) {
  TempDir dir;
  write_raw(dir.file("l.safetensors"), "{}", "", 4096);
  expect_error(dir.file("l.safetensors"), "points past the end");
}

TEST(SafetensorsErrors, HugeHeaderLength) {
  TempDir dir;
  write_raw(dir.file("g.safetensors"), "{}", "", int64_t{1} << 40);
  expect_error(dir.file("g.safetensors"), "exceeds the 100 MB limit");
}

TEST(SafetensorsErrors, MalformedHeaderJson) {
  TempDir dir;
  write_raw(dir.file("j.safetensors"), R"({"a":{"dtype":"F32",)", "");
  expect_error(dir.file("j.safetensors"), "not valid JSON");
}

TEST(SafetensorsErrors, UnsupportedDtype) {
  TempDir dir;
  write_raw(dir.file("d.safetensors"), R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
            kEightBytes);
  expect_error(dir.file("d.safetensors"), "dtype \"F64\" is not supported");
}

TEST(SafetensorsErrors, ShapeDisagreesWithByteRange) {
  TempDir dir;
  write_raw(dir.file("r.safetensors"), R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
            kEightBytes);
  expect_error(dir.file("r.safetensors"), "needs 12 bytes but data_offsets span 8");
}

TEST(SafetensorsErrors, RangeOutsideTheFile) {
  TempDir dir;
  write_raw(dir.file("o.safetensors"),
            R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", kEightBytes);
  expect_error(dir.file("o.safetensors"), "point outside the file");
}

TEST(SafetensorsErrors, OverlappingTensors) {
  TempDir dir;
  write_raw(dir.file("v.safetensors"),
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            kEightBytes);
  expect_error(dir.file("v.safetensors"), "overlap");
}

TEST(SafetensorsErrors, NegativeDimension) {
  TempDir dir;
  write_raw(dir.file("n.safetensors"), R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
            kEightBytes);
  expect_error(dir.file("n.safetensors"), "non-integer or oversized dimension");
}

TEST(SafetensorsErrors, TruncatedRealCheckpoint) {
  TempDir dir;
  std::ifstream in(kFixtures + "/llama_gqa/model.safetensors", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("t.safetensors"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error(dir.file("t.safetensors"), "point outside the file");
}

TEST(SafetensorsErrors, MissingFile) {
  expect_error("/nonexistent/model.safetensors", "cannot open");
}

namespace {

// A copy of a fixture model whose weights are edited by `edit`.
std::string edited_fixture(const TempDir& dir, const std::string& name,
                           void (*edit)(std::vector<std::pair<std::string, Tensor>>&)) {
  const std::string src = kFixtures + "/" + name;
  fs::copy_file(src + "/config.json", dir.file("config.json"));
  SafetensorsFile original(src + "/model.safetensors");
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& key : original.names()) tensors.push_back({key, original.load(key)});
  edit(tensors);
  write_safetensors(dir.file("model.safetensors"), tensors);
  return dir.file("");
}

std::string error_loading(const std::string& folder) {
  try {
    load_hf_model(folder);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(WeightErrors, MissingTensorIsNamed) {
  TempDir dir;
  std::string folder = edited_fixture(dir, "llama_gqa", [](auto& t) {
    std::erase_if(t, [](const auto& kv) { return kv.first == "model.layers.1.self_attn.k_proj.weight"; });
  });
  std::string e = error_loading(folder);
  EXPECT_NE(e.find("missing tensor 'model.layers.1.self_attn.k_proj.weight'"), std::string::npos) << e;
}

TEST(WeightErrors, WrongShapeIsNamedWithBothShapes) {
  TempDir dir;
  std::string folder = edited_fixture(dir, "mixtral", [](auto& t) {
    for (auto& [k, v] : t)
      if (k == "model.layers.0.block_sparse_moe.gate.weight") v = Tensor({3, 32});
  });
  std::string e = error_loading(folder);
  EXPECT_NE(e.find("'model.layers.0.block_sparse_moe.gate.weight': expected shape [4, 32], found [3, 32]"),
            std::string::npos)
      << e;
}

TEST(WeightErrors, IntegerTensorWhereWeightsBelong) {
  TempDir dir;
  fs::copy_file(kFixtures + "/gpt2/config.json", dir.file("config.json"));
  write_raw(dir.file("model.safetensors"),
            R"({"transformer.wte.weight":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", kEightBytes);
  std::string e = error_loading(dir.file(""));
  EXPECT_FALSE(e.empty());
}

TEST(WeightErrors, CheckpointOfAnotherFamily) {
  TempDir dir;
  fs::copy_file(kFixtures + "/bert/config.json", dir.file("config.json"));
  fs::copy_file(kFixtures + "/gpt2/model.safetensors", dir.file("model.safetensors"));
  std::string e = error_loading(dir.file(""));
  EXPECT_NE(e.find("missing tensor"), std::string::npos) << e;
}

TEST(SafetensorsFuzz, RandomHeaderMutationsNeverCrashOrReadOutOfBounds) {
  // Flip, replace and truncate bytes of a real checkpoint's header and data;
  // every variant must open and load cleanly or fail with an InputError.
  std::ifstream in(kFixtures + "/gpt2/model.safetensors", std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(original[i]);
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  int opened = 0, refused = 0;
  for (int round = 0; round < 600; ++round) {
    std::string bytes = original;
    const int edits = 1 + static_cast<int>(next() >> 61);
    for (int e = 0; e < edits; ++e) {
      // Mostly the header (digits, brackets, quotes), sometimes the length prefix.
      const uint64_t span = (next() >> 60) == 0 ? 8 : 8 + header_len;
      const size_t at = static_cast<size_t>((next() >> 16) % span);
      const char replacements[] = "0123456789[]{},:\"-eE .F";
      bytes[at] = (next() >> 63) ? replacements[(next() >> 40) % (sizeof replacements - 1)]
                                  : static_cast<char>(next() >> 56);
    }
    if (round % 5 == 0) bytes.resize(static_cast<size_t>((next() >> 16) % bytes.size()));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      SafetensorsFile f(path);
      for (const auto& name : f.names())
        if (f.entry(name).dtype != StDType::I64 && f.entry(name).dtype != StDType::I32) f.load(name);
      ++opened;
    } catch (const InputError&) {
      ++refused;
    }
  }
  EXPECT_EQ(opened + refused, 600);
  EXPECT_GT(refused, 100);
}
