// BERT token types reach the embedding (issue 8, item 15): segment B is
// computable, checked on an edited copy of the bert fixture.
#include <gtest/gtest.h>

#include "engine/errors.h"
#include "tests/fixture_copy.h"

using namespace archscope;
using namespace archscope::testing;

// With the two token-type rows swapped, segment ids all 1 give the fixture's
// numbers; ignoring the ids would use the other row.
TEST(TokenTypes, SegmentBIsReachable) {
  FixtureCopy bert("bert");
  Tensor& types = bert.tensor("bert.embeddings.token_type_embeddings.weight");
  types = permute_rows(types, {1, 0});
  ForwardInputs in = fixture_inputs("bert");
  in.token_type_ids.assign(in.input_ids.size(), 1);
  auto trace = run_folder(bert.write(), in);
  const Tensor want = expected_tensor("bert", "logits");
  EXPECT_LE(max_abs_diff(trace->logits, want), logits_tolerance(want));
}

TEST(TokenTypes, WrongCountOrValueIsAnInputError) {
  LoadedModel m = load_hf_model(kFixtures + "/bert");
  auto backend = make_reference_backend();
  ForwardInputs in = fixture_inputs("bert");
  in.token_type_ids = {0, 1};
  EXPECT_THROW(forward(m.spec, m.weights, *backend, in), InputError);
  in.token_type_ids.assign(in.input_ids.size(), 2);
  try {
    forward(m.spec, m.weights, *backend, in);
    FAIL() << "token type 2 accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("outside [0, 2)"), std::string::npos) << e.what();
  }
}
