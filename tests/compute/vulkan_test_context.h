// The Vulkan context tests run on: one per test process, validation layers
// on (when installed), so a test can require that no message appeared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compute/context.h"
#include "compute/vulkan_backend.h"

namespace archscope::testing_support {

inline gpu::Context& test_context() {
  static gpu::Context context({std::nullopt, gpu::Validation::On});
  return context;
}

inline std::unique_ptr<Backend> make_test_vulkan_backend() { return gpu::make_vulkan_backend(&test_context()); }

inline std::vector<std::string> test_validation_messages() { return test_context().validation_messages(); }

}  // namespace archscope::testing_support
