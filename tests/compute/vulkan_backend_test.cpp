// The Vulkan backend beyond the op cases of backend_ops_test: handles it
// refuses, bad indices named, ops it declines, downloads in one submission,
// and its registration under the name `run --backend` takes. Every test
// runs with validation on and requires that no message appeared.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/errors.h"
#include "tests/compute/vulkan_test_context.h"

namespace archscope {
namespace {

using testing_support::test_context;

class VulkanBackendTest : public ::testing::Test {
 protected:
  void SetUp() override { before_ = test_context().validation_messages().size(); }
  void TearDown() override {
    backend_.reset();
    const auto messages = test_context().validation_messages();
    for (size_t i = before_; i < messages.size(); ++i) ADD_FAILURE() << "validation: " << messages[i];
  }
  gpu::VulkanBackend& b() { return *backend_; }

  std::unique_ptr<gpu::VulkanBackend> backend_ = std::make_unique<gpu::VulkanBackend>(&test_context());
  size_t before_ = 0;
};

TEST_F(VulkanBackendTest, RunsUnderValidation) {
  // "No validation message" proves something only with the layers on.
  EXPECT_TRUE(test_context().validation_enabled()) << test_context().validation_note();
}

TEST_F(VulkanBackendTest, RefusesForeignAndMistypedHandles) {
  auto reference = make_reference_backend();
  DeviceTensor foreign = reference->upload(Tensor({2, 2}, 1.0f));
  DeviceTensor x = b().upload(Tensor({2, 2}, 1.0f));
  DeviceTensor ids = b().upload_ints({0, 1}, {2});
  EXPECT_THROW(b().add(foreign, x), std::invalid_argument);
  EXPECT_THROW(b().add(ids, ids), std::invalid_argument);
  EXPECT_THROW(b().gather_rows(x, x), std::invalid_argument);
  EXPECT_THROW(b().add(DeviceTensor{}, x), std::invalid_argument);
  // And the reference refuses this backend's handles.
  EXPECT_THROW(reference->add(x, x), std::invalid_argument);
}

TEST_F(VulkanBackendTest, NamesAnIdOutsideTheTable) {
  DeviceTensor table = b().upload(Tensor({2, 3}, 1.0f));
  try {
    b().gather_rows(table, b().upload_ints({0, 2}, {2}));
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gather_rows: id 2 outside a table of 2 rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(b().gather_rows(table, b().upload_ints({-1}, {1})), std::invalid_argument);
}

TEST_F(VulkanBackendTest, DeclinesHeadsWiderThanItsRegisters) {
  const OpQuery wide{Op::Attention, {{4, 2, 512}, {4, 2, 512}, {4, 2, 64}, {}}, 0, false};
  EXPECT_FALSE(b().supports(wide));
  DeviceTensor q = b().upload(Tensor({4, 2, 512}, 0.1f)), v = b().upload(Tensor({4, 2, 64}, 0.1f));
  AttentionMask mask;
  AttentionInputs in{&q, &q, &v, nullptr, nullptr, &mask, 1.0f, {}};
  EXPECT_THROW(b().attention(in), UnsupportedOp);
  EXPECT_TRUE(b().supports({Op::Attention, {{4, 2, 128}, {4, 2, 128}, {4, 2, 128}, {}}, 0, true}));
}

TEST_F(VulkanBackendTest, WorkStaysOnTheDeviceUntilOneDownload) {
  Tensor host({3, 4});
  for (size_t i = 0; i < host.data.size(); ++i) host.data[i] = static_cast<float>(i) - 5.0f;
  const uint32_t before = b().stream().submissions();
  DeviceTensor x = b().upload(host);
  DeviceTensor y = b().add(x, x);
  DeviceTensor z = b().scale(y, 0.5f);
  DeviceTensor r = b().activate(z, Activation::Relu);
  EXPECT_EQ(b().stream().submissions(), before) << "an op submitted before anything was read";
  Tensor got_y, got_r;
  std::vector<int32_t> got_ids;
  DeviceTensor ids = b().upload_ints({3, 1, 4}, {3});
  b().download_batch({{&y, &got_y, nullptr}, {&r, &got_r, nullptr}, {&ids, nullptr, &got_ids}});
  EXPECT_LE(b().stream().submissions(), before + 1) << "the batch took more than one submission";
  for (size_t i = 0; i < host.data.size(); ++i) {
    EXPECT_EQ(got_y.data[i], 2 * host.data[i]);
    EXPECT_EQ(got_r.data[i], std::max(host.data[i], 0.0f));
  }
  EXPECT_EQ(got_ids, (std::vector<int32_t>{3, 1, 4}));
  EXPECT_EQ(got_r.shape, (std::vector<int>{3, 4}));
}

TEST_F(VulkanBackendTest, StackedWeightsReadAsOneTensor) {
  Tensor a({2, 3}, 1.0f), c({2, 3}, 2.0f);
  DeviceTensor stacked = b().resident_stack({&a, &c});
  EXPECT_EQ(stacked.shape, (std::vector<int>{2, 2, 3}));
  EXPECT_EQ(b().download(stacked).data, (std::vector<float>{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}));
  EXPECT_EQ(b().download(b().resident(a)).data, a.data);
}

TEST_F(VulkanBackendTest, EmptyTensorsAreFine) {
  DeviceTensor x = b().upload(Tensor({0, 4}));
  DeviceTensor y = b().add(x, x);
  EXPECT_EQ(b().download(y).shape, (std::vector<int>{0, 4}));
}

TEST_F(VulkanBackendTest, RegisteredUnderItsName) {
  gpu::register_vulkan_backend(&test_context());
  const std::vector<std::string> names = backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "vulkan"), names.end());
  auto made = make_backend("vulkan");
  EXPECT_EQ(made->name(), "vulkan");
  EXPECT_EQ(made->download(made->upload(Tensor({2}, 3.0f))).data, (std::vector<float>{3, 3}));
}

}  // namespace
}  // namespace archscope
