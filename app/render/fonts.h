// The fonts every view surface shares: DejaVu Sans baked at the sizes the
// views use, regular and bold, into one ImGui atlas. Text is drawn at the
// baked size nearest to the size asked for, so it stays crisp from the back
// of a classroom and in presentation mode.
#pragma once

#include <string>

#include <imgui.h>

namespace archscope::render {

class Fonts {
 public:
  Fonts();
  Fonts(const Fonts&) = delete;
  Fonts& operator=(const Fonts&) = delete;

  ImFontAtlas* atlas() { return &atlas_; }
  // The baked font for `pixels`: the smallest size at least that large, or the largest.
  ImFont* regular(float pixels) const;
  ImFont* bold(float pixels) const;
  // Empty when DejaVu Sans was found; otherwise what was used instead.
  const std::string& note() const { return note_; }

  // Pixel sizes baked into the atlas.
  static constexpr float kSizes[] = {12, 14, 16, 19, 23, 28, 34, 42};

 private:
  ImFontAtlas atlas_;
  ImFont* regular_[std::size(kSizes)] = {};
  ImFont* bold_[std::size(kSizes)] = {};
  std::string note_;
};

}  // namespace archscope::render
