// The built-in word list and its tokenizer.
#include "engine/io/vocabulary.h"

#include <algorithm>
#include <cctype>

namespace archscope {

namespace {

std::vector<std::string> builtin_words() {
  return {
      "<pad>", "</s>", "<unk>", "<s>", "<mask>", ".", ",", "?", "!", "'", "-", ":",
      "the", "a", "an", "of", "to", "in", "on", "at", "by", "for", "with", "from",
      "and", "or", "but", "not", "no", "yes", "is", "are", "was", "were", "be", "been",
      "it", "its", "this", "that", "these", "those", "he", "she", "they", "we", "you", "i",
      "his", "her", "their", "our", "your", "my", "who", "what", "which", "where", "when", "why",
      "how", "all", "some", "each", "every", "many", "few", "more", "most", "one", "two", "three",
      "first", "last", "next", "new", "old", "big", "small", "long", "short", "good", "bad", "same",
      "other", "cat", "dog", "bird", "fish", "sat", "ran", "jumped", "mat", "tree", "house", "river",
      "city", "king", "queen", "man", "woman", "child", "teacher", "student", "class", "book",
      "word", "words", "sentence", "token", "tokens", "model", "models", "layer", "layers", "head",
      "heads", "attention", "expert", "experts", "router", "routes", "capacity", "mask", "window",
      "prefix", "encoder", "decoder", "language", "learns", "reads", "writes", "sees", "looks",
      "attends", "predicts", "sends", "drops", "keeps", "gets", "makes", "says", "goes", "comes",
      "can", "will", "may", "must", "should", "would", "could", "do", "does", "did", "has", "have",
      "had", "there", "here", "then", "now", "before", "after", "over", "under", "up", "down",
      "very", "only", "also", "just", "again", "together", "any", "because", "if", "so", "than",
      "paris", "france", "london", "rome", "capital", "day", "night", "time", "year", "world",
      "red", "blue", "green", "quick", "brown", "fox", "lazy", "jumps", "hello", "thanks",
  };
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

WordVocabulary::WordVocabulary(std::vector<std::string> words) : words_(std::move(words)) {}

const WordVocabulary& WordVocabulary::builtin() {
  static const WordVocabulary vocab(builtin_words());
  return vocab;
}

int WordVocabulary::id_of(const std::string& w) const {
  auto it = std::find(words_.begin(), words_.end(), w);
  return it == words_.end() ? -1 : static_cast<int>(it - words_.begin());
}

const std::string& WordVocabulary::word(int id) const {
  static const std::string unknown = "<unk>";
  return id >= 0 && id < size() ? words_[id] : unknown;
}

namespace {

// BERT's bracketed special tokens (any case), as the built-in words that play their part.
int bert_special(const std::string& text, size_t at, size_t& length) {
  static const std::pair<const char*, int> specials[] = {
      {"[CLS]", WordVocabulary::kCls}, {"[SEP]", WordVocabulary::kSep}, {"[MASK]", WordVocabulary::kMask},
      {"[PAD]", WordVocabulary::kPad}, {"[UNK]", WordVocabulary::kUnk}};
  for (auto [name, id] : specials) {
    const std::string n = name;
    if (lower(text.substr(at, n.size())) == lower(n)) {
      length = n.size();
      return id;
    }
  }
  return -1;
}

}  // namespace

std::vector<WordVocabulary::Piece> WordVocabulary::tokenize(const std::string& text) const {
  std::vector<Piece> pieces;
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    std::string word = lower(current);
    const int id = id_of(word);
    pieces.push_back({std::move(word), id < 0 ? kUnk : id, id >= 0});
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    if (c == '[') {
      const int special = bert_special(text, i, length);
      if (special >= 0) {
        flush();
        std::string name = text.substr(i, length);
        for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        pieces.push_back({name, special, true});
        i += length - 1;
        continue;
      }
    }
    if (std::isspace(c)) {
      flush();
    } else if (std::ispunct(c) && c != '<' && c != '>' && c != '/') {
      flush();
      const std::string mark(1, static_cast<char>(c));
      const int id = id_of(mark);
      pieces.push_back({mark, id < 0 ? kUnk : id, id >= 0});
    } else {
      current.push_back(static_cast<char>(c));
    }
  }
  flush();
  return pieces;
}

std::vector<int> WordVocabulary::encode(const std::string& text, std::vector<std::string>* unknown) const {
  std::vector<int> ids;
  for (const Piece& p : tokenize(text)) {
    ids.push_back(p.id);
    if (!p.known && unknown) unknown->push_back(p.text);
  }
  return ids;
}

std::vector<int> sentence_pair_types(const std::vector<int>& ids) {
  std::vector<int> types(ids.size(), 0);
  bool after_sep = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    types[i] = after_sep ? 1 : 0;
    if (ids[i] == WordVocabulary::kSep) after_sep = true;
  }
  return types;
}

const char* demo_sentence() { return "the cat sat on the mat because the router sends each token to two experts ."; }

}  // namespace archscope
