// The Vulkan context: device listing and choice, clear errors for a bad
// choice, and validation messages caught (a test's deliberate misuse must
// show up, or "no validation message" would prove nothing).
#include <cstdlib>

#include <gtest/gtest.h>

#include "compute/context.h"

namespace archscope::gpu {
namespace {

TEST(Context, ListsDevicesAndPicksAUsableOne) {
  const std::vector<DeviceInfo> devices = Context::list_devices();
  ASSERT_FALSE(devices.empty());
  Context context({std::nullopt, Validation::Off});
  EXPECT_TRUE(context.info().usable);
  EXPECT_FALSE(context.info().name.empty());
  EXPECT_FALSE(context.info().api_version.empty());
}

TEST(Context, ChoosesTheDeviceAsked) {
  Context context({0, Validation::Off});
  EXPECT_EQ(context.info().index, 0);
}

TEST(Context, RefusesADeviceThatDoesNotExist) {
  try {
    Context context({99, Validation::Off});
    FAIL() << "device 99 was accepted";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("device 99 does not exist"), std::string::npos) << e.what();
  }
}

TEST(Context, RefusesAMalformedEnvironmentChoice) {
  setenv("ARCHSCOPE_DEVICE", "first", 1);
  try {
    Context context({std::nullopt, Validation::Off});
    FAIL() << "ARCHSCOPE_DEVICE=first was accepted";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("ARCHSCOPE_DEVICE: expected a device index"), std::string::npos) << e.what();
  }
  unsetenv("ARCHSCOPE_DEVICE");
}

TEST(Context, ValidationCatchesAMisuse) {
  Context context({std::nullopt, Validation::On});
  if (!context.validation_enabled()) GTEST_SKIP() << context.validation_note();
  EXPECT_TRUE(context.validation_messages().empty());
  // A buffer of size 0 is invalid usage (VUID-VkBufferCreateInfo-size-00912).
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = 0;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  VkBuffer buffer = VK_NULL_HANDLE;
  const VkDevice device = *context.device();
  auto create = reinterpret_cast<PFN_vkCreateBuffer>(context.device().getProcAddr("vkCreateBuffer"));
  auto destroy = reinterpret_cast<PFN_vkDestroyBuffer>(context.device().getProcAddr("vkDestroyBuffer"));
  if (create(device, &info, nullptr, &buffer) == VK_SUCCESS && buffer) destroy(device, buffer, nullptr);
  const auto messages = context.validation_messages();
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages.front().find("size"), std::string::npos) << messages.front();
}

}  // namespace
}  // namespace archscope::gpu
