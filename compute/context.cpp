// Instance with optional validation, device choice, and the shared queue.
#include "compute/context.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace archscope::gpu {

struct ValidationLog {
  std::mutex mutex;
  std::vector<std::string> list;
};

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                     VkDebugUtilsMessageTypeFlagsEXT,
                                                     const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                     void* user) {
  if (severity < VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) return VK_FALSE;
  auto* log = static_cast<ValidationLog*>(user);
  std::lock_guard lock(log->mutex);
  log->list.push_back(data && data->pMessage ? data->pMessage : "(no message)");
  return VK_FALSE;
}

const char* type_name(vk::PhysicalDeviceType t) {
  switch (t) {
    case vk::PhysicalDeviceType::eDiscreteGpu: return "discrete";
    case vk::PhysicalDeviceType::eIntegratedGpu: return "integrated";
    case vk::PhysicalDeviceType::eVirtualGpu: return "virtual";
    case vk::PhysicalDeviceType::eCpu: return "cpu";
    default: return "other";
  }
}

// Lower is better: a real GPU first, lavapipe last.
int preference(vk::PhysicalDeviceType t) {
  switch (t) {
    case vk::PhysicalDeviceType::eDiscreteGpu: return 0;
    case vk::PhysicalDeviceType::eIntegratedGpu: return 1;
    case vk::PhysicalDeviceType::eVirtualGpu: return 2;
    case vk::PhysicalDeviceType::eCpu: return 3;
    default: return 4;
  }
}

std::optional<uint32_t> graphics_compute_family(const vk::raii::PhysicalDevice& pd) {
  const auto families = pd.getQueueFamilyProperties();
  for (uint32_t i = 0; i < families.size(); ++i) {
    const auto flags = families[i].queueFlags;
    if ((flags & vk::QueueFlagBits::eGraphics) && (flags & vk::QueueFlagBits::eCompute)) return i;
  }
  return std::nullopt;
}

DeviceInfo describe(const vk::raii::PhysicalDevice& pd, int index) {
  const auto props = pd.getProperties();
  const auto memory = pd.getMemoryProperties();
  DeviceInfo info;
  info.index = index;
  info.name = props.deviceName.data();
  info.type = type_name(props.deviceType);
  info.api_version = version_string(props.apiVersion);
  for (uint32_t h = 0; h < memory.memoryHeapCount; ++h)
    if (memory.memoryHeaps[h].flags & vk::MemoryHeapFlagBits::eDeviceLocal)
      info.memory_bytes = std::max<uint64_t>(info.memory_bytes, memory.memoryHeaps[h].size);
  info.usable = graphics_compute_family(pd).has_value();
  try {
    auto chain = pd.getProperties2<vk::PhysicalDeviceProperties2, vk::PhysicalDeviceDriverProperties>();
    const auto& driver = chain.get<vk::PhysicalDeviceDriverProperties>();
    info.driver = std::string(driver.driverName.data()) + " " + driver.driverInfo.data();
  } catch (const vk::SystemError&) {
    info.driver = "driver " + std::to_string(props.driverVersion);
  }
  return info;
}

bool layer_installed(const vk::raii::Context& loader, const char* name) {
  for (const auto& layer : loader.enumerateInstanceLayerProperties())
    if (std::strcmp(layer.layerName.data(), name) == 0) return true;
  return false;
}

bool want_validation(Validation v) {
  if (v == Validation::On) return true;
  if (v == Validation::Off) return false;
  if (const char* env = std::getenv("ARCHSCOPE_VALIDATION")) return std::strcmp(env, "0") != 0;
#ifdef NDEBUG
  return false;
#else
  return true;
#endif
}

std::optional<int> requested_device(const ContextOptions& o) {
  if (o.device_index) return o.device_index;
  const char* env = std::getenv("ARCHSCOPE_DEVICE");
  if (!env || !*env) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(env, &end, 10);
  if (*end != '\0' || v < 0 || v > 1000)
    throw DeviceError(std::string("ARCHSCOPE_DEVICE: expected a device index (see `archscope devices`), found '") +
                      env + "'");
  return static_cast<int>(v);
}

vk::raii::Instance make_instance(const vk::raii::Context& loader, bool validation) {
  vk::ApplicationInfo app("Archscope", 1, "Archscope", 1, VK_API_VERSION_1_2);
  std::vector<const char*> layers, extensions;
  if (validation) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  return vk::raii::Instance(loader, vk::InstanceCreateInfo({}, &app, layers, extensions));
}

}  // namespace

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

std::vector<DeviceInfo> Context::list_devices() {
  try {
    vk::raii::Context loader;
    vk::raii::Instance instance = make_instance(loader, false);
    vk::raii::PhysicalDevices devices(instance);
    std::vector<DeviceInfo> out;
    for (size_t i = 0; i < devices.size(); ++i) out.push_back(describe(devices[i], static_cast<int>(i)));
    return out;
  } catch (const vk::SystemError& e) {
    throw DeviceError(std::string("no Vulkan device: ") + e.what() +
                      " (install mesa-vulkan-drivers for the CPU device lavapipe)");
  } catch (const std::runtime_error& e) {  // the loader itself is missing
    throw DeviceError(std::string("no Vulkan loader: ") + e.what() + " (install libvulkan1)");
  }
}

Context::Context(const ContextOptions& options) try : messages_(std::make_unique<ValidationLog>()) {
  bool validation = want_validation(options.validation);
  if (validation && !layer_installed(loader_, kValidationLayer)) {
    validation = false;
    validation_note_ = std::string(kValidationLayer) + " is not installed (vulkan-validationlayers)";
  }
  instance_ = make_instance(loader_, validation);
  validation_enabled_ = validation;
  if (validation) {
    using S = vk::DebugUtilsMessageSeverityFlagBitsEXT;
    using T = vk::DebugUtilsMessageTypeFlagBitsEXT;
    messenger_ = vk::raii::DebugUtilsMessengerEXT(
        instance_, vk::DebugUtilsMessengerCreateInfoEXT({}, S::eWarning | S::eError,
                                                         T::eGeneral | T::eValidation | T::ePerformance,
                                                         &on_validation_message, messages_.get()));
  }

  vk::raii::PhysicalDevices devices(instance_);
  if (devices.empty()) throw DeviceError("no Vulkan device (install mesa-vulkan-drivers for lavapipe)");
  int chosen = -1;
  if (auto wanted = requested_device(options)) {
    if (*wanted >= static_cast<int>(devices.size()))
      throw DeviceError("device " + std::to_string(*wanted) + " does not exist: there are " +
                        std::to_string(devices.size()) + " (see `archscope devices`)");
    if (!graphics_compute_family(devices[*wanted]))
      throw DeviceError("device " + std::to_string(*wanted) + " has no queue for graphics and compute");
    chosen = *wanted;
  } else {
    for (size_t i = 0; i < devices.size(); ++i) {
      if (!graphics_compute_family(devices[i])) continue;
      if (chosen < 0 || preference(devices[i].getProperties().deviceType) <
                            preference(devices[chosen].getProperties().deviceType))
        chosen = static_cast<int>(i);
    }
    if (chosen < 0) throw DeviceError("no Vulkan device has a queue for graphics and compute");
  }
  physical_device_ = std::move(devices[chosen]);
  info_ = describe(physical_device_, chosen);
  api_version_ = physical_device_.getProperties().apiVersion;
  queue_family_ = *graphics_compute_family(physical_device_);

  const float priority = 1.0f;
  vk::DeviceQueueCreateInfo queue_info({}, queue_family_, 1, &priority);
  device_ = vk::raii::Device(physical_device_, vk::DeviceCreateInfo({}, queue_info));
  queue_ = vk::raii::Queue(device_, queue_family_, 0);
} catch (const DeviceError&) {
  throw;
} catch (const vk::SystemError& e) {
  throw DeviceError(std::string("Vulkan: ") + e.what());
} catch (const std::runtime_error& e) {  // vk::raii::Context could not load libvulkan
  throw DeviceError(std::string("no Vulkan loader: ") + e.what() + " (install libvulkan1)");
}

Context::~Context() {
  if (*device_) device_.waitIdle();
}

void Context::submit(const vk::SubmitInfo& submit, vk::Fence fence) const {
  std::lock_guard lock(queue_mutex_);
  queue_.submit(submit, fence);
}

void Context::wait_idle() const {
  std::lock_guard lock(queue_mutex_);
  queue_.waitIdle();
}

uint32_t Context::memory_type(uint32_t type_bits, vk::MemoryPropertyFlags wanted) const {
  const auto memory = physical_device_.getMemoryProperties();
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
    if ((type_bits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & wanted) == wanted) return i;
  throw DeviceError("no Vulkan memory type with the properties " + vk::to_string(wanted));
}

std::vector<std::string> Context::validation_messages() const {
  std::lock_guard lock(messages_->mutex);
  return messages_->list;
}

}  // namespace archscope::gpu
