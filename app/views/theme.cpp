// The two themes.
#include "app/views/theme.h"

namespace archscope::views {

Theme Theme::classroom(ColourMap heat) {
  Theme t;
  t.heat = heat;
  return t;
}

Theme Theme::presentation_mode(ColourMap heat) {
  Theme t;
  t.presentation = true;
  t.heat = heat;
  t.small = 19;
  t.normal = 23;
  t.large = 28;
  t.title = 34;
  t.line = 2.5f;
  t.pad = 14;
  t.panel = rgb(0xFFFFFF);
  t.text = rgb(0x000000);
  t.muted = rgb(0x222222);
  t.grid = rgb(0x8A8F98);
  return t;
}

}  // namespace archscope::views
