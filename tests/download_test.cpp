// Downloads on the host backends: a handle the caller gives up (last_use)
// hands its memory to the destination without a copy when nothing else holds
// it, is copied when something does, and reads as an error, never as freed
// memory, once handed over. A whole run gives the same trace either way.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "engine/backends/backend.h"
#include "engine/io/random_weights.h"
#include "engine/io/vocabulary.h"
#include "engine/model/presets.h"
#include "engine/run/forward.h"

using namespace archscope;

namespace {

Tensor counting(std::vector<int> shape) {
  Tensor t(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i) * 0.5f;
  return t;
}

class HostDownload : public ::testing::TestWithParam<const char*> {};

TEST_P(HostDownload, LastUseHandsTheMemoryOverWhenNothingElseHoldsIt) {
  auto b = make_backend(GetParam());
  const Tensor x = counting({3, 4});
  DeviceTensor made = b->add(b->upload(x), b->upload(Tensor({3, 4})));  // a fresh tensor, held once
  {
    Tensor peek = b->download(made);  // an ordinary download copies
    EXPECT_EQ(peek.data, x.data);
  }
  Tensor to;
  b->download_batch({{&made, &to, nullptr, true}});
  EXPECT_EQ(to.shape, x.shape);
  EXPECT_EQ(to.data, x.data);
  // The handle is spent: reading it again is an error that says why.
  try {
    b->download(made);
    FAIL() << "a handed-over handle was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("handed to the host"), std::string::npos) << e.what();
  }
}

TEST_P(HostDownload, LastUseCopiesWhenAnotherHandleSharesTheStorage) {
  auto b = make_backend(GetParam());
  const Tensor x = counting({5});
  DeviceTensor made = b->add(b->upload(x), b->upload(Tensor({5})));
  const DeviceTensor kept = made;  // the Session keeps a layer's input like this
  Tensor to;
  b->download_batch({{&made, &to, nullptr, true}});
  EXPECT_EQ(to.data, x.data);
  EXPECT_EQ(b->download(kept).data, x.data);  // still readable, not emptied
  EXPECT_EQ(b->download(made).data, x.data);
}

TEST_P(HostDownload, ResidentWeightsAreNeverHandedOver) {
  auto b = make_backend(GetParam());
  const Tensor w = counting({2, 3});
  DeviceTensor alias = b->resident(w);
  Tensor to;
  b->download_batch({{&alias, &to, nullptr, true}});
  EXPECT_EQ(to.data, w.data);
  EXPECT_NE(to.data.data(), w.data.data());
  EXPECT_EQ(b->download(alias).data, w.data);
}

// The trace a run downloads (maps, hidden states, logits, all last_use) is
// the one a second run of the same input gives, value for value.
TEST_P(HostDownload, RunsAreRepeatable) {
  const ModelSpec& spec = find_preset("mixtral")->classroom;
  const ModelWeights w = make_random_weights(spec);
  ForwardInputs in;
  in.input_ids = WordVocabulary::builtin().encode(demo_sentence());
  auto b = make_backend(GetParam());
  const auto first = forward(spec, w, *b, in);
  const auto second = forward(spec, w, *b, in);
  ASSERT_FALSE(first->logits.data.empty());
  EXPECT_EQ(first->logits.data, second->logits.data);
  ASSERT_EQ(first->decoder.hidden.size(), second->decoder.hidden.size());
  for (size_t i = 0; i < first->decoder.hidden.size(); ++i)
    EXPECT_EQ(first->decoder.hidden[i].data, second->decoder.hidden[i].data) << "hidden " << i;
  ASSERT_EQ(first->decoder.self_attention.size(), second->decoder.self_attention.size());
  for (size_t i = 0; i < first->decoder.self_attention.size(); ++i) {
    EXPECT_FALSE(first->decoder.self_attention[i].probs.data.empty());
    EXPECT_EQ(first->decoder.self_attention[i].probs.data, second->decoder.self_attention[i].probs.data);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HostDownload, ::testing::Values("reference", "cpu"));

}  // namespace
