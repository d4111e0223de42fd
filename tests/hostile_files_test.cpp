// Files an adversary would hand over: deeply nested JSON, numbers of 400
// digits, FIFOs, devices and oversized configs. Each must end in an
// InputError naming the file (and the key), quickly, with a short message.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"
#include "engine/errors.h"
#include "engine/io/file_input.h"
#include "engine/io/json_input.h"
#include "engine/io/safetensors.h"
#include "engine/model/hf_config.h"

using namespace archscope;
using archscope::testing::TempDir;
namespace fs = std::filesystem;

namespace {


std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

const std::string kLlamaHead = R"({"model_type": "llama", "vocab_size": 128, "num_hidden_layers": 2,
  "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 64, "hidden_size": )";

std::string import_error(const std::string& text) {
  try {
    import_hf_config_text(text, "hostile/config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A safetensors file whose header is `header`, followed by `data`.
void write_safetensors_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * i));
  write_file(path, bytes + header + data);
}

std::string open_error(const std::string& path) {
  try {
    SafetensorsFile f(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// Class 1: a 100 KB value of 50,000 nested arrays crashed while the message
// dumped it recursively.
TEST(HostileJson, FiftyThousandNestedArraysInAConfigValue) {
  const std::string text = kLlamaHead + nested_arrays(50000) + "}";
  const std::string e = import_error(text);
  EXPECT_NE(e.find("hostile/config.json: JSON nested deeper than 64 levels"), std::string::npos) << e;
  EXPECT_NE(e.find("'hidden_size'"), std::string::npos) << e;
  EXPECT_LT(e.size(), 300u);
}

TEST(HostileJson, NestedValueWithinTheDepthLimitIsSummarised) {
  const std::string e = import_error(kLlamaHead + nested_arrays(60) + "}");
  EXPECT_NE(e.find("key 'hidden_size': expected a positive integer up to 65,536, found [[...]] (an array of 1)"),
            std::string::npos)
      << e;
}

TEST(HostileJson, FiftyThousandNestedArraysAsASafetensorsShape) {
  TempDir dir("archscope-hostile");
  write_safetensors_raw(dir.file("m.safetensors"),
                        R"({"a":{"dtype":"F32","shape":)" + nested_arrays(50000) + R"(,"data_offsets":[0,4]}})",
                        std::string(4, '\0'));
  const std::string e = open_error(dir.file("m.safetensors"));
  EXPECT_NE(e.find("m.safetensors: header: JSON nested deeper than 64 levels (at key 'a.shape')"),
            std::string::npos)
      << e;
  EXPECT_LT(e.size(), 400u);
}

TEST(HostileJson, OversizedShapeIsQuotedBriefly) {
  TempDir dir("archscope-hostile");
  std::string shape = "[";
  for (int i = 0; i < 5000; ++i) shape += (i ? "," : "") + std::string("\"x\"");
  shape += "]";
  write_safetensors_raw(dir.file("m.safetensors"),
                        R"({"a":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,4]}})",
                        std::string(4, '\0'));
  const std::string e = open_error(dir.file("m.safetensors"));
  EXPECT_NE(e.find("tensor 'a': shape [\"x\", \"x\""), std::string::npos) << e;
  EXPECT_NE(e.find("(an array of 5000)"), std::string::npos) << e;
  EXPECT_LT(e.size(), 400u);
}

TEST(HostileJson, SummariesAreBoundedAndFlat) {
  nlohmann::json deep = nlohmann::json::array();
  for (int i = 0; i < 40; ++i) deep = nlohmann::json::array({deep});
  EXPECT_EQ(summarize_json(deep), "[[...]] (an array of 1)");
  EXPECT_EQ(summarize_json(nlohmann::json::parse("[1, 2, 3]")), "[1, 2, 3]");
  EXPECT_EQ(summarize_json(nlohmann::json::parse(R"({"a": 1, "b": [2]})")),
            R"({"a": 1, "b": [...]} (an object of 2 keys))");
  EXPECT_EQ(summarize_json("silu"), "\"silu\"");
  const std::string long_text(10000, 'x');
  EXPECT_LT(summarize_json(long_text).size(), 100u);
  EXPECT_NE(summarize_json(long_text).find("(10000 bytes)"), std::string::npos);
  EXPECT_EQ(quote_text("a\nb\"c"), "\"a\\x0ab\\\"c\"");
}

// Class 8: a 400-digit number ended in the JSON library's "internal error".
TEST(HostileJson, FourHundredDigitNumberNamesFileAndKey) {
  const std::string e = import_error(kLlamaHead + std::string(400, '9') + "}");
  EXPECT_NE(e.find("hostile/config.json: number overflow"), std::string::npos) << e;
  EXPECT_NE(e.find("(at key 'hidden_size')"), std::string::npos) << e;
  EXPECT_LT(e.size(), 400u);
}

TEST(HostileJson, NumberBeyondDoubleRangeInANestedKey) {
  const std::string e = import_error(kLlamaHead + R"(32, "rope_scaling": {"factor": 1e999}})");
  EXPECT_NE(e.find("(at key 'rope_scaling.factor')"), std::string::npos) << e;
}

TEST(HostileJson, HugeIntegersAreOutOfRangeNotWrapped) {
  for (const char* value : {"18446744073709551615", "9223372036854775808", "-9223372036854775809",
                            "2147483648", "1e300"}) {
    const std::string e = import_error(kLlamaHead + value + "}");
    EXPECT_NE(e.find("key 'hidden_size': expected a positive integer up to 65,536"), std::string::npos)
        << value << ": " << e;
  }
}

TEST(HostileJson, SyntaxErrorsNameTheFileAndPosition) {
  const std::string e = import_error(R"({"model_type": "llama", "hidden_size": 32,)");
  EXPECT_NE(e.find("hostile/config.json: not valid JSON: parse error at line 1"), std::string::npos) << e;
  EXPECT_EQ(e.find("[json.exception"), std::string::npos) << e;
}

TEST(HostileJson, SafetensorsOffsetsOfFourHundredDigits) {
  TempDir dir("archscope-hostile");
  write_safetensors_raw(dir.file("m.safetensors"),
                        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,)" + std::string(400, '7') + "]}}",
                        std::string(4, '\0'));
  const std::string e = open_error(dir.file("m.safetensors"));
  EXPECT_NE(e.find("(at key 'a.data_offsets')"), std::string::npos) << e;
}

// Class 6: a config.json that is a FIFO blocked forever; one linked to
// /dev/zero read until memory ran out.
TEST(HostileFiles, FifoConfigIsRefusedWithoutBlocking) {
  TempDir dir("archscope-hostile");
  ASSERT_EQ(::mkfifo(dir.file("config.json").c_str(), 0600), 0);
  try {
    import_hf_config(dir.file(""));
    FAIL() << "imported a FIFO";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: expected a regular file, found a FIFO"),
              std::string::npos)
        << e.what();
  }
}

TEST(HostileFiles, DeviceLinkedAsConfigIsRefused) {
  TempDir dir("archscope-hostile");
  fs::create_symlink("/dev/zero", dir.file("config.json"));
  try {
    import_hf_config(dir.file(""));
    FAIL() << "imported /dev/zero";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("found a character device"), std::string::npos) << e.what();
  }
}

TEST(HostileFiles, OversizedConfigIsRefusedBeforeReading) {
  TempDir dir("archscope-hostile");
  { std::ofstream(dir.file("config.json")) << "{}"; }
  fs::resize_file(dir.file("config.json"), 17u << 20);  // sparse: nothing is written
  try {
    import_hf_config(dir.file("config.json"));
    FAIL() << "read a 17 MiB config";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("17.0 MiB is more than 16.0 MiB, the limit for a config.json"),
              std::string::npos)
        << e.what();
  }
}

TEST(HostileFiles, FifoOrDirectoryAsWeightsIsRefused) {
  TempDir dir("archscope-hostile");
  ASSERT_EQ(::mkfifo(dir.file("fifo.safetensors").c_str(), 0600), 0);
  EXPECT_NE(open_error(dir.file("fifo.safetensors")).find("expected a regular file, found a FIFO"),
            std::string::npos);
  fs::create_directory(dir.file("dir.safetensors"));
  EXPECT_NE(open_error(dir.file("dir.safetensors")).find("found a directory"), std::string::npos);
}

TEST(HostileFiles, ProcFilesAreReadOnlyUpToTheBound) {
  // /proc files say they are empty yet produce bytes: the bound still holds.
  EXPECT_THROW(read_bounded_file("/proc/self/maps", 16, "test file"), InputError);
}
