// Every op on many shapes on every backend of this build, compared with the
// reference (tests/backend_ops/ holds the harness and the cases). A case
// name carries its parameters: reference_attention_Tq33_Tk33_H16_KV4_... An
// op a backend declines is reported as skipped. The harness tests itself on
// backends that are wrong on purpose, so it is known to fail when it should.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "engine/errors.h"
#include "tests/backend_ops/harness.h"
#include "tests/support/forwarding_backend.h"
#ifdef ARCHSCOPE_HAVE_VULKAN
#include "tests/compute/vulkan_test_context.h"
#endif

using namespace archscope;
using namespace archscope::op_tests;

namespace {

struct BackendFactory {
  const char* name;
  std::unique_ptr<Backend> (*make)();
  // Messages of the device's validation layers so far (a device backend); a new one fails the case.
  std::vector<std::string> (*validation_messages)() = nullptr;
};

// The backends judged against the reference; adding one is one line here.
// The reference itself is listed too: its row checks that every case runs,
// gives finite numbers and is deterministic.
const std::vector<BackendFactory> kBackends = {
    {"reference", make_reference_backend},
    {"cpu", make_cpu_backend},
#ifdef ARCHSCOPE_HAVE_VULKAN
    {"vulkan", testing_support::make_test_vulkan_backend, testing_support::test_validation_messages},
#endif
};

const std::vector<OpCase>& cases() {
  static const std::vector<OpCase> all = all_cases();
  return all;
}

struct Param {
  size_t backend, op_case;
};

void PrintTo(const Param& p, std::ostream* os) { *os << kBackends[p.backend].name << " " << cases()[p.op_case].name; }

std::vector<Param> every_pair() {
  std::vector<Param> out;
  for (size_t b = 0; b < kBackends.size(); ++b)
    for (size_t c = 0; c < cases().size(); ++c) out.push_back({b, c});
  return out;
}

class BackendOps : public ::testing::TestWithParam<Param> {};

TEST_P(BackendOps, MatchesTheReference) {
  const OpCase& c = cases()[GetParam().op_case];
  const BackendFactory& factory = kBackends[GetParam().backend];
  auto tested = factory.make();
  auto reference = make_reference_backend();
  const size_t messages_before = factory.validation_messages ? factory.validation_messages().size() : 0;
  const Result r = check(c, *tested, *reference);
  tested.reset();  // a device backend's last work and its handles released, under validation too
  if (factory.validation_messages) {
    const std::vector<std::string> messages = factory.validation_messages();
    for (size_t i = messages_before; i < messages.size(); ++i) ADD_FAILURE() << "validation: " << messages[i];
  }
  if (r.verdict == Verdict::Skipped) GTEST_SKIP() << r.message;
  EXPECT_EQ(r.verdict, Verdict::Pass) << c.name << ": " << r.message;
}

INSTANTIATE_TEST_SUITE_P(AllOps, BackendOps, ::testing::ValuesIn(every_pair()), [](const auto& info) {
  return std::string(kBackends[info.param.backend].name) + "_" + cases()[info.param.op_case].name;
});

// ---- The harness on backends that are wrong on purpose --------------------

// Attention output 1% too large.
class PerturbedAttention : public testing_support::ForwardingBackend {
 public:
  PerturbedAttention() : ForwardingBackend(make_reference_backend()) {}
  AttentionOutputs attention(const AttentionInputs& in) override {
    AttentionOutputs o = inner().attention(in);
    o.out = inner().scale(o.out, 1.01f);
    return o;
  }
};

// One slot fewer per expert than asked.
class PerturbedCapacity : public testing_support::ForwardingBackend {
 public:
  PerturbedCapacity() : ForwardingBackend(make_reference_backend()) {}
  CapacityOutputs capacity_cut(const DeviceTensor& e, const DeviceTensor& s, const CapacityParams& p) override {
    CapacityParams fewer = p;
    if (fewer.capacity > 0) --fewer.capacity;
    return inner().capacity_cut(e, s, fewer);
  }
};

// A NaN in the first element of every RMSNorm.
class NanNorm : public testing_support::ForwardingBackend {
 public:
  NanNorm() : ForwardingBackend(make_reference_backend()) {}
  DeviceTensor rms_norm(const DeviceTensor& x, const DeviceTensor& g, float eps) override {
    Tensor y = inner().download(inner().rms_norm(x, g, eps));
    y.data[0] = std::nanf("");
    return inner().upload(y);
  }
};

// Declines the grouped expert FFN and attention that writes probabilities.
class Declining : public testing_support::ForwardingBackend {
 public:
  Declining() : ForwardingBackend(make_reference_backend()) {}
  bool supports(const OpQuery& q) const override {
    return q.op != Op::ExpertFfn && !(q.op == Op::Attention && q.writes_probs);
  }
  DeviceTensor expert_ffn(const ExpertBatch&, const ExpertWeights&) override {
    throw UnsupportedOp("declining: expert_ffn");
  }
};

std::map<Verdict, int> verdicts(Backend& tested, Op only, std::map<std::string, Result>* failures = nullptr) {
  std::map<Verdict, int> count;
  auto reference = make_reference_backend();
  for (const OpCase& c : cases()) {
    if (c.op != only) continue;
    const Result r = check(c, tested, *reference);
    ++count[r.verdict];
    if (failures && r.verdict == Verdict::Fail) (*failures)[c.name] = r;
  }
  return count;
}

}  // namespace

TEST(HarnessSelfTest, EveryOpHasCasesWithDistinctNames) {
  std::set<Op> covered;
  std::set<std::string> names;
  for (const OpCase& c : cases()) {
    covered.insert(c.op);
    EXPECT_TRUE(names.insert(c.name).second) << "two cases named " << c.name;
    EXPECT_TRUE(std::all_of(c.name.begin(), c.name.end(), [](char ch) { return std::isalnum(ch) || ch == '_'; }))
        << "'" << c.name << "' is not a test name";
    EXPECT_EQ(c.query.op, c.op) << c.name;
  }
  for (int op = 0; op <= static_cast<int>(Op::MoeCounts); ++op)
    EXPECT_TRUE(covered.count(static_cast<Op>(op))) << to_string(static_cast<Op>(op)) << " has no case";
  EXPECT_GT(cases().size(), 250u);
}

TEST(HarnessSelfTest, CatchesAPerturbedOpAndOnlyIt) {
  PerturbedAttention wrong;
  auto reference = make_reference_backend();
  int failed = 0;
  for (const OpCase& c : cases()) {
    const Result r = check(c, wrong, *reference);
    if (c.op == Op::Attention) {
      EXPECT_EQ(r.verdict, Verdict::Fail) << c.name << " passed with a 1% error";
      failed += r.verdict == Verdict::Fail;
    } else {
      EXPECT_EQ(r.verdict, Verdict::Pass) << c.name << ": " << r.message;
    }
  }
  EXPECT_GT(failed, 60);
}

TEST(HarnessSelfTest, RoutingDecisionsMustBeIdentical) {
  PerturbedCapacity wrong;
  std::map<std::string, Result> failures;
  std::map<Verdict, int> v = verdicts(wrong, Op::CapacityCut, &failures);
  // Dropless cases are untouched; every cut with a positive capacity drops one more.
  EXPECT_GE(v[Verdict::Fail], 6);
  for (const auto& [name, r] : failures) EXPECT_NE(r.message.find("kept"), std::string::npos) << name << r.message;
}

TEST(HarnessSelfTest, NanIsNeverClose) {
  NanNorm wrong;
  std::map<std::string, Result> failures;
  std::map<Verdict, int> v = verdicts(wrong, Op::RmsNorm, &failures);
  EXPECT_EQ(v[Verdict::Pass], 0);
  EXPECT_EQ(v[Verdict::Fail], 12);
  for (const auto& [name, r] : failures) EXPECT_NE(r.message.find("nan"), std::string::npos) << name << r.message;
}

TEST(HarnessSelfTest, DeclinedOpsAreSkippedNeverPassed) {
  Declining partial;
  std::map<Verdict, int> experts = verdicts(partial, Op::ExpertFfn);
  EXPECT_EQ(experts[Verdict::Pass], 0);
  EXPECT_EQ(experts[Verdict::Fail], 0);
  EXPECT_GT(experts[Verdict::Skipped], 0);
  std::map<Verdict, int> attention = verdicts(partial, Op::Attention);
  EXPECT_GT(attention[Verdict::Skipped], 0);  // the form that writes probabilities
  EXPECT_GT(attention[Verdict::Pass], 0);     // the fused form
  EXPECT_EQ(attention[Verdict::Fail], 0);
}

TEST(ReferenceBackend, RefusesForeignAndMistypedHandles) {
  auto b = make_reference_backend();
  struct Foreign : DeviceStorage {};
  DeviceTensor foreign{{2, 2}, ElementType::F32, std::make_shared<Foreign>()};
  DeviceTensor ids = b->upload_ints({0, 1}, {2});
  DeviceTensor x = b->upload(Tensor({2, 2}, 1.0f));
  EXPECT_THROW(b->add(foreign, x), std::invalid_argument);
  EXPECT_THROW(b->add(ids, ids), std::invalid_argument);      // int32 where float32 is needed
  EXPECT_THROW(b->gather_rows(x, x), std::invalid_argument);  // float32 ids
  EXPECT_THROW(b->add(DeviceTensor{}, x), std::invalid_argument);
  try {
    b->gather_rows(x, b->upload_ints({0, 2}, {2}));
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gather_rows: id 2 outside a table of 2 rows"), std::string::npos) << e.what();
  }
}

// Every backend checks operands by the same contracts (op_contracts.h), so
// a malformed call is refused by each with the same message: one that the
// fast backend's own checks once let through (a rotary range past the head,
// expert biases of the wrong size) included.
TEST(OpContracts, EveryBackendRefusesMalformedOperandsAlike) {
  for (const BackendFactory& factory : kBackends) {
    SCOPED_TRACE(factory.name);
    auto b = factory.make();
    const auto message = [&](auto&& call) -> std::string {
      try {
        call();
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "no error";
    };
    const DeviceTensor x = b->upload(Tensor({4, 2, 8}, 0.5f));  // (T, H, Dh)
    RopeInputs past_the_head;
    past_the_head.rotary_offset = 4;
    past_the_head.rotary_dim = 6;
    EXPECT_EQ(message([&] { b->rope(x, past_the_head); }),
              "rope: bad rotary range for [4, 2, 8] f32: dims 4 to 10 of each head (an even count needed)");
    const DeviceTensor w = b->upload(Tensor({3, 5}, 0.5f)), rows = b->upload(Tensor({2, 4}, 0.5f));
    EXPECT_EQ(message([&] { b->linear(rows, w, nullptr); }),
              "linear: x [2, 4] f32 does not match weight [3, 5] f32");
    // Two experts of D 4, F 3, with a down bias of the wrong width.
    Tensor up({3, 4}, 0.1f), down({4, 3}, 0.1f), bias({3}, 0.0f);
    const DeviceTensor ups = b->resident_stack({&up, &up}), downs = b->resident_stack({&down, &down});
    const DeviceTensor down_bias = b->resident_stack({&bias, &bias});  // (2, 3): should be (2, 4)
    ExpertBatch batch{b->upload(Tensor({2, 4}, 0.5f)), b->upload_ints({0, 1, 2}, {3}), {}};
    ExpertWeights weights;
    weights.up = &ups, weights.down = &downs, weights.down_bias = &down_bias;
    weights.act = Activation::Relu;
    EXPECT_EQ(message([&] { b->expert_ffn(batch, weights); }),
              "expert_ffn: bias shapes: gate none, up none, down [2, 3] f32 for E, F, D = 2, 3, 4");
    const DeviceTensor q = b->upload(Tensor({4, 6, 8}, 0.5f)), kv = b->upload(Tensor({4, 4, 8}, 0.5f));
    AttentionMask causal;
    AttentionInputs in{&q, &kv, &kv, nullptr, nullptr, &causal};
    EXPECT_EQ(message([&] { b->attention(in); }),
              "attention: q [4, 6, 8] f32, k [4, 4, 8] f32, v [4, 4, 8] f32");  // 6 heads over 4 KV heads
  }
}

TEST(ReferenceBackend, StackedWeightsReadAsOneTensor) {
  auto b = make_reference_backend();
  Tensor a({2, 3}, 1.0f), c({2, 3}, 2.0f);
  DeviceTensor stacked = b->resident_stack({&a, &c});
  EXPECT_EQ(stacked.shape, (std::vector<int>{2, 2, 3}));
  Tensor back = b->download(stacked);
  EXPECT_EQ(back.data, (std::vector<float>{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}));
  EXPECT_EQ(b->download(b->resident(a)).data, a.data);
}
