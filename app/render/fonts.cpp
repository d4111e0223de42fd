// Baking the shared font atlas.
#include "app/render/fonts.h"

#include <filesystem>

namespace archscope::render {

namespace {

std::string find_font(const char* file) {
  const char* folders[] = {"/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/TTF/",
                           "/usr/share/fonts/dejavu/", "/usr/local/share/fonts/"};
  for (const char* folder : folders) {
    std::error_code ec;
    std::string path = std::string(folder) + file;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return {};
}

// Latin-1, general punctuation (– — …), arrows (→ ↑), math (≤ ≥ × ∑ √ ∞), box
// and block drawing, geometric shapes (■ ●), and Greek for the formulas.
const ImWchar kRanges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2010, 0x205E, 0x2190, 0x21FF,
                           0x2200, 0x23FF, 0x2500, 0x25FF, 0x2713, 0x2717, 0};

}  // namespace

Fonts::Fonts() {
  const std::string regular = find_font("DejaVuSans.ttf"), bold = find_font("DejaVuSans-Bold.ttf");
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 1;
  config.PixelSnapH = true;
  for (size_t i = 0; i < std::size(kSizes); ++i) {
    if (!regular.empty()) {
      regular_[i] = atlas_.AddFontFromFileTTF(regular.c_str(), kSizes[i], &config, kRanges);
      bold_[i] = bold.empty() ? regular_[i] : atlas_.AddFontFromFileTTF(bold.c_str(), kSizes[i], &config, kRanges);
    } else {
      ImFontConfig fallback;
      fallback.SizePixels = kSizes[i];
      regular_[i] = bold_[i] = atlas_.AddFontDefault(&fallback);
    }
  }
  if (regular.empty()) note_ = "DejaVu Sans was not found (install fonts-dejavu-core); using ImGui's built-in font";
  atlas_.Build();
}

ImFont* Fonts::regular(float pixels) const {
  for (size_t i = 0; i < std::size(kSizes); ++i)
    if (kSizes[i] >= pixels - 0.5f) return regular_[i];
  return regular_[std::size(kSizes) - 1];
}

ImFont* Fonts::bold(float pixels) const {
  for (size_t i = 0; i < std::size(kSizes); ++i)
    if (kSizes[i] >= pixels - 0.5f) return bold_[i];
  return bold_[std::size(kSizes) - 1];
}

}  // namespace archscope::render
