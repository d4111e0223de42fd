// The built-in vocabulary: words, punctuation, and BERT sentence pairs.
#include <gtest/gtest.h>

#include "engine/io/vocabulary.h"

using namespace archscope;

TEST(Vocabulary, BertSpecialTokensAreTheBuiltInOnes) {
  const WordVocabulary& v = WordVocabulary::builtin();
  std::vector<int> ids = v.encode("[CLS] the cat sat [SEP] a dog ran [SEP]");
  ASSERT_EQ(ids.size(), 9u);
  EXPECT_EQ(ids[0], WordVocabulary::kCls);
  EXPECT_EQ(ids[1], v.id_of("the"));
  EXPECT_EQ(ids[4], WordVocabulary::kSep);
  EXPECT_EQ(ids[8], WordVocabulary::kSep);
  EXPECT_EQ(v.encode("[mask]"), std::vector<int>{WordVocabulary::kMask});
  // Other brackets stay punctuation.
  EXPECT_EQ(v.encode("[cat]").size(), 3u);
}

TEST(Vocabulary, SentencePairSplitsAfterTheFirstSep) {
  const WordVocabulary& v = WordVocabulary::builtin();
  std::vector<int> ids = v.encode("[CLS] the cat sat [SEP] a dog ran [SEP]");
  EXPECT_EQ(sentence_pair_types(ids), (std::vector<int>{0, 0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(sentence_pair_types(v.encode("the cat sat")), (std::vector<int>{0, 0, 0}));
}
