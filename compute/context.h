// The one Vulkan context of the process: instance, physical-device choice,
// logical device and queue. The window draws with it and the compute backend
// runs on it, so both see the same device. Every handle is a vk::raii owner.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <vulkan/vulkan_raii.hpp>

namespace archscope::gpu {

// No Vulkan loader, no device, or a device that cannot be created. The app
// shows the message in a banner; the command line prints it.
class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DeviceInfo {
  int index = 0;             // position in vkEnumeratePhysicalDevices order
  std::string name;          // "llvmpipe (LLVM 15.0.6, 256 bits)"
  std::string type;          // "discrete", "integrated", "virtual", "cpu", "other"
  std::string api_version;   // "1.3.230"
  std::string driver;        // "Mesa 22.3.6 (LLVM 15.0.6)"
  uint64_t memory_bytes = 0; // largest device-local heap
  bool usable = false;       // has a queue that does graphics and compute
};

enum class Validation {
  Auto,  // on in debug builds, or when ARCHSCOPE_VALIDATION=1; off when the layer is missing
  On,    // on when the layer is installed (tests); off, and said so, when it is not
  Off,
};

struct ContextOptions {
  // Which device: this index, else ARCHSCOPE_DEVICE, else the best one
  // (discrete GPU, then integrated, then virtual, then CPU such as lavapipe).
  std::optional<int> device_index;
  Validation validation = Validation::Auto;
};

struct ValidationLog;  // the messenger's sink; defined in context.cpp

class Context {
 public:
  explicit Context(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Every physical device the loader reports. Throws DeviceError when there is
  // no loader or no device.
  static std::vector<DeviceInfo> list_devices();

  const DeviceInfo& info() const { return info_; }
  const vk::raii::Instance& instance() const { return instance_; }
  const vk::raii::PhysicalDevice& physical_device() const { return physical_device_; }
  const vk::raii::Device& device() const { return device_; }
  uint32_t queue_family() const { return queue_family_; }
  uint32_t api_version() const { return api_version_; }

  // The queue is shared by the window (drawing) and the compute backend
  // (worker thread): submit through here, which serialises the calls.
  void submit(const vk::SubmitInfo& submit, vk::Fence fence) const;
  void wait_idle() const;
  // The raw queue, for libraries that insist on holding it (ImGui's Vulkan
  // backend stores it but never submits on it in the way the app uses it).
  vk::Queue queue_handle() const { return *queue_; }

  // A memory type index with these properties among `type_bits`; throws DeviceError.
  uint32_t memory_type(uint32_t type_bits, vk::MemoryPropertyFlags wanted) const;

  bool validation_enabled() const { return validation_enabled_; }
  // Why validation is off when it was asked for (layer not installed), else empty.
  const std::string& validation_note() const { return validation_note_; }
  // Validation warnings and errors seen so far; tests require none.
  std::vector<std::string> validation_messages() const;

 private:
  vk::raii::Context loader_;
  vk::raii::Instance instance_ = nullptr;
  std::unique_ptr<ValidationLog> messages_;  // declared before the messenger: outlives it
  vk::raii::DebugUtilsMessengerEXT messenger_ = nullptr;
  vk::raii::PhysicalDevice physical_device_ = nullptr;
  vk::raii::Device device_ = nullptr;
  vk::raii::Queue queue_ = nullptr;
  mutable std::mutex queue_mutex_;
  DeviceInfo info_;
  uint32_t queue_family_ = 0;
  uint32_t api_version_ = 0;
  bool validation_enabled_ = false;
  std::string validation_note_;
};

// "1.3.230"
std::string version_string(uint32_t version);

}  // namespace archscope::gpu
