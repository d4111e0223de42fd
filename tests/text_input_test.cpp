// Numbers and token ids as typed: every bad one is refused in words that say
// what was wanted and what was found; long inputs come from files or stdin.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/errors.h"
#include "engine/io/text_input.h"
#include "engine/io/vocabulary.h"
#include "engine/model/limits.h"
#include "engine/model/model_spec.h"
#include "engine/run/routing.h"

using namespace archscope;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(TextInput, IntegersSayWhatTheyWantInWords) {
  EXPECT_EQ(parse_integer("8192", "--context", 1, limits::kPositions), 8192);
  EXPECT_EQ(error_of([] { parse_integer("0", "--context", 1, limits::kPositions); }),
            "--context must be a positive integer up to 16,777,216, found \"0\"");
  EXPECT_NE(error_of([] { parse_integer("1000000000000000000", "--context", 1, limits::kPositions); })
                .find("found \"1000000000000000000\""),
            std::string::npos);
  for (const char* bad : {"", "12x", "1.5", "0x10", "99999999999999999999999", "- 3"})
    EXPECT_THROW(parse_integer(bad, "--capacity", 1, 100), InputError) << bad;
}

TEST(TextInput, NumbersMustBeFinitePositiveAndBounded) {
  EXPECT_DOUBLE_EQ(parse_positive_number("1.25", "--capacity-factor", 4096), 1.25);
  EXPECT_DOUBLE_EQ(parse_positive_number("1e-30", "--capacity-factor", 4096), 1e-30);
  for (const char* bad : {"nan", "inf", "-inf", "1e30", "0", "-1", "", "1,5", "1e999"})
    EXPECT_NE(error_of([&] { parse_positive_number(bad, "--capacity-factor", 4096); })
                  .find("--capacity-factor must be a positive finite number up to 4,096"),
              std::string::npos)
        << bad;
}

TEST(TextInput, TokenIdsAcceptCommasWhiteSpaceAndLines) {
  EXPECT_EQ(parse_token_ids("3,17,5", "--input-ids"), (std::vector<int>{3, 17, 5}));
  EXPECT_EQ(parse_token_ids("3, 17 ,5\n", "--input-ids"), (std::vector<int>{3, 17, 5}));
  EXPECT_EQ(parse_token_ids("3\n17\n5\n", "--input-ids"), (std::vector<int>{3, 17, 5}));
  EXPECT_EQ(parse_token_ids("3 17 5", "--input-ids"), (std::vector<int>{3, 17, 5}));
  EXPECT_EQ(error_of([] { parse_token_ids("3,,5", "--input-ids"); }),
            "--input-ids: item 2 must be a token id from 0 to 4,194,303, found \"\"");
  EXPECT_NE(error_of([] { parse_token_ids("3,-1", "--input-ids"); }).find("item 2"), std::string::npos);
  EXPECT_NE(error_of([] { parse_token_ids("99999999999", "--input-ids"); }).find("item 1"), std::string::npos);
  EXPECT_EQ(error_of([] { parse_token_ids(" \n", "--input-ids"); }), "--input-ids: no token ids given");
}

TEST(TextInput, LongInputsComeFromAFile) {
  // 60,000 ids are 350 KB of text: past the 128 KiB a single argument may hold.
  const std::string path = std::filesystem::temp_directory_path() / ("ids-" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    for (int i = 0; i < 60000; ++i) out << (i % 200) << (i % 10 == 9 ? "\n" : ",");
  }
  const std::vector<int> ids = parse_token_ids(resolve_text_argument("@" + path, "--input-ids"), "--input-ids");
  std::filesystem::remove(path);
  EXPECT_EQ(ids.size(), 60000u);
  EXPECT_EQ(ids[12345], 12345 % 200);
  EXPECT_EQ(resolve_text_argument("3,4", "--input-ids"), "3,4");
  EXPECT_NE(error_of([] { resolve_text_argument("@/nonexistent/ids.txt", "--input-ids"); })
                .find("/nonexistent/ids.txt: cannot open"),
            std::string::npos);
  EXPECT_NE(error_of([] { resolve_text_argument("@/dev/zero", "--text"); }).find("found a character device"),
            std::string::npos);
}

TEST(TextInput, UnknownWordsAreReported) {
  std::vector<std::string> unknown;
  auto ids = WordVocabulary::builtin().encode("The zebra sat on a xylophone.", &unknown);
  EXPECT_EQ(ids.size(), 7u);
  EXPECT_EQ(unknown, (std::vector<std::string>{"zebra", "xylophone"}));
}

// Class 4: 1e-30 gave zero slots (every token dropped); 1e30 overflowed int.
TEST(Capacity, AnyPositiveFactorGivesAtLeastOneSlotAndAtMostOnePerToken) {
  MoeSpec spec;
  spec.experts = 8;
  spec.top_k = 2;
  spec.capacity_mode = CapacityMode::Factor;
  spec.capacity_factor = 1e-30;
  EXPECT_EQ(capacity_for(spec, 16), 1);
  spec.capacity_factor = 4096;
  EXPECT_EQ(capacity_for(spec, 16), 16);
  spec.capacity_factor = 1e30;  // refused by validation and flags, and still no overflow here
  EXPECT_EQ(capacity_for(spec, 16), 16);
  spec.capacity_factor = std::nan("");
  EXPECT_EQ(capacity_for(spec, 16), 1);
  spec.capacity_factor = 1.25;
  EXPECT_EQ(capacity_for(spec, 16), 5);  // k-aware: ceil(1.25 * 16 * 2 / 8)
}
