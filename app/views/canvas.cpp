// Text placement helpers shared by every canvas.
#include "app/views/canvas.h"

#include <string>

namespace archscope::views {

void text_at(Canvas& canvas, Vec2 at, Anchor anchor, std::string_view s, const TextStyle& style) {
  const Vec2 size = canvas.text_size(s, style);
  Vec2 pos = at;
  switch (anchor) {
    case Anchor::TopLeft: break;
    case Anchor::Top: pos.x -= size.x / 2; break;
    case Anchor::TopRight: pos.x -= size.x; break;
    case Anchor::Left: pos.y -= size.y / 2; break;
    case Anchor::Centre: pos -= size / 2.0f; break;
    case Anchor::Right: pos.x -= size.x; pos.y -= size.y / 2; break;
    case Anchor::BottomLeft: pos.y -= size.y; break;
    case Anchor::Bottom: pos.x -= size.x / 2; pos.y -= size.y; break;
    case Anchor::BottomRight: pos -= size; break;
  }
  canvas.text(pos, s, style);
}

std::string fit_text(const Canvas& canvas, std::string_view s, const TextStyle& style, float width) {
  if (canvas.text_size(s, style).x <= width) return std::string(s);
  std::string out(s);
  while (!out.empty()) {
    // Drop one UTF-8 character from the end: its continuation bytes, then its lead byte.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty()) out.pop_back();
    if (canvas.text_size(out + "…", style).x <= width) return out + "…";
  }
  return {};
}

}  // namespace archscope::views
