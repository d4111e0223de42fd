// The presets' built-in word-level vocabulary: enough words for classroom
// sentences, so `--text` works on every preset without a tokenizer file.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace archscope {

class WordVocabulary {
 public:
  static const WordVocabulary& builtin();

  int size() const { return static_cast<int>(words_.size()); }
  // Lowercases, splits on white space and punctuation (punctuation marks are
  // tokens of their own); unknown words map to <unk> and, when `unknown` is
  // given, are appended to it so the caller can say which ones were lost.
  // BERT's special tokens [CLS], [SEP], [MASK], [PAD] and [UNK] are read as
  // <s>, </s>, <mask>, <pad> and <unk>, so "[CLS] a b [SEP] c d [SEP]" is a
  // sentence pair.
  std::vector<int> encode(const std::string& text, std::vector<std::string>* unknown = nullptr) const;
  // The pieces encode() maps to ids, as written (words lowercased, BERT's
  // bracketed specials uppercased), with their ids; known = in the vocabulary.
  struct Piece {
    std::string text;
    int id = -1;
    bool known = false;
  };
  std::vector<Piece> tokenize(const std::string& text) const;
  const std::string& word(int id) const;
  int id_of(const std::string& word) const;  // -1 when absent

  static constexpr int kPad = 0;  // T5's pad and decoder start token
  static constexpr int kEos = 1;
  static constexpr int kUnk = 2;
  static constexpr int kBos = 3;
  static constexpr int kMask = 4;
  static constexpr int kCls = kBos;  // [CLS]
  static constexpr int kSep = kEos;  // [SEP]

 private:
  explicit WordVocabulary(std::vector<std::string> words);
  std::vector<std::string> words_;
  std::unordered_map<std::string, int> ids_;
};

// BERT segment ids of `ids`: 0 (sentence A) up to and including the first
// [SEP], 1 (sentence B) after it; all 0 when there is no [SEP].
std::vector<int> sentence_pair_types(const std::vector<int>& ids);

// The sentence the app opens with.
const char* demo_sentence();

}  // namespace archscope
