// Grids, legends, keys and tooltips.
#include "app/views/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <glm/common.hpp>

#include "app/views/colour_maps.h"

namespace archscope::views {

std::optional<std::pair<int, int>> CellGrid::hit(Vec2 p) const {
  if (!cells.contains(p) || cell_w <= 0 || cell_h <= 0) return std::nullopt;
  const int c = std::min(cols - 1, static_cast<int>((p.x - cells.min.x) / cell_w));
  const int r = std::min(rows - 1, static_cast<int>((p.y - cells.min.y) / cell_h));
  return std::make_pair(r, c);
}

namespace {

std::string label_of(const std::vector<std::string>* labels, int i) {
  if (labels && i < static_cast<int>(labels->size())) return (*labels)[i];
  return std::to_string(i);
}

// Every k-th label, so labels of height `text_h` do not overlap on cells of `cell` pixels.
int label_stride(float cell, float text_h) {
  if (cell <= 0) return 1;
  return std::max(1, static_cast<int>(std::ceil(text_h * 1.05f / cell)));
}

}  // namespace

CellGrid layout_grid(Canvas& canvas, const Theme& theme, Rect area, int rows, int cols, const GridLabels& labels,
                     bool square, float label_size) {
  CellGrid g;
  g.rows = std::max(rows, 1);
  g.cols = std::max(cols, 1);
  TextStyle style{label_size, theme.text, Weight::Regular};
  TextStyle title{theme.normal, theme.muted, Weight::Bold};
  float left = 0, top = 0;
  const float max_label = 0.28f * std::min(area.width(), area.height());
  if (labels.show) {
    float row_w = 0, col_h = 0;
    for (int r = 0; r < rows; ++r) row_w = std::max(row_w, canvas.text_size(label_of(labels.rows, r), style).x);
    for (int c = 0; c < cols; ++c) col_h = std::max(col_h, canvas.text_size(label_of(labels.cols, c), style).x);
    const float title_h = canvas.text_size("Ag", title).y;
    left = std::min(row_w, max_label) + 6 + (labels.row_title.empty() ? 0 : title_h + 6);
    top = std::min(col_h, max_label) + 6 + (labels.col_title.empty() ? 0 : title_h + 6);
  }
  Rect cells{area.min + Vec2(left, top), area.max};
  g.cell_w = cells.width() / g.cols;
  g.cell_h = cells.height() / g.rows;
  if (square) g.cell_w = g.cell_h = std::min(g.cell_w, g.cell_h);
  g.cell_w = std::max(g.cell_w, 0.0f);
  g.cell_h = std::max(g.cell_h, 0.0f);
  g.cells = Rect::from_size(cells.min, {g.cell_w * g.cols, g.cell_h * g.rows});
  if (!labels.show) return g;

  const float text_h = canvas.text_size("Ag", style).y;
  // Row labels, right-aligned against the cells.
  const int rs = label_stride(g.cell_h, text_h);
  for (int r = 0; r < rows; r += rs) {
    std::string s = fit_text(canvas, label_of(labels.rows, r), style, max_label);
    text_at(canvas, {g.cells.min.x - 6, g.cell(r, 0).centre().y}, Anchor::Right, s, style);
  }
  // Column labels, reading upwards, bottom-aligned against the cells.
  const int cs = label_stride(g.cell_w, text_h);
  for (int c = 0; c < cols; c += cs) {
    std::string s = fit_text(canvas, label_of(labels.cols, c), style, max_label);
    const Vec2 size = canvas.text_size(s, style);
    const float x = g.cell(0, c).centre().x - size.y / 2;
    canvas.text({x, g.cells.min.y - 6 - size.x}, s, style, true);
  }
  if (!labels.col_title.empty())
    text_at(canvas, {g.cells.centre().x, area.min.y}, Anchor::Top, labels.col_title + " →", title);
  if (!labels.row_title.empty()) {
    const Vec2 size = canvas.text_size(labels.row_title, title);
    canvas.text({area.min.x, g.cells.centre().y - size.x / 2}, labels.row_title, title, true);
  }
  return g;
}

void draw_cells(Canvas& canvas, const Theme& theme, const CellGrid& g, uint64_t key, const CellFn& fn) {
  if (g.cell_w < 0.5f || g.cell_h < 0.5f) return;
  // Texels per cell: enough to hatch masked cells when a cell is a few pixels wide.
  const float cell = std::min(g.cell_w, g.cell_h);
  int k = std::clamp(static_cast<int>(cell / 3), 1, 8);
  while (k > 1 && (static_cast<int64_t>(g.cols) * k > 2048 || static_cast<int64_t>(g.rows) * k > 2048)) --k;
  const int w = g.cols * k, h = g.rows * k;
  const auto masked = to_rgba8(theme.masked), hatch = to_rgba8(theme.masked_hatch);
  const ColourMap map = theme.heat;
  canvas.image(g.cells, hash_key({key, static_cast<uint64_t>(k), static_cast<uint64_t>(map),
                                  static_cast<uint64_t>(theme.presentation)}),
               w, h,
               [&](uint8_t* rgba) {
                 for (int r = 0; r < g.rows; ++r)
                   for (int c = 0; c < g.cols; ++c) {
                     const CellValue v = fn(r, c);
                     const auto colour = to_rgba8(v.own_colour ? v.colour : sample(map, v.t));
                     for (int y = 0; y < k; ++y)
                       for (int x = 0; x < k; ++x) {
                         uint8_t* p = rgba + (static_cast<int64_t>(r * k + y) * w + (c * k + x)) * 4;
                         // Diagonal stripes running across cells, one texel wide every four.
                         const int diagonal = (r * k + y) + (c * k + x);
                         const auto& src = !v.masked ? colour : (k >= 3 && diagonal % 4 == 0 ? hatch : masked);
                         std::copy(src.begin(), src.end(), p);
                       }
                   }
               });
}

float colour_legend_width(const Theme& theme) { return 3.6f * theme.normal + 30; }

void draw_colour_legend(Canvas& canvas, const Theme& theme, Rect area, const std::string& title, float lo, float hi,
                        bool sqrt_scale, bool masked_swatch) {
  TextStyle label = theme.label();
  label.colour = theme.text;
  const float text_h = canvas.text_size("0", label).y;
  text_at(canvas, {area.min.x, area.min.y}, Anchor::TopLeft, title, {theme.small, theme.muted, Weight::Bold});
  Rect bar{{area.min.x, area.min.y + text_h + 8}, {area.min.x + 18, area.max.y}};
  if (masked_swatch) bar.max.y -= 2 * text_h + 10;
  if (bar.height() < 20) return;
  const uint64_t key = hash_key({0x1e9e7dULL, static_cast<uint64_t>(theme.heat)});
  canvas.image(bar, key, 1, 256, [&](uint8_t* rgba) {
    for (int i = 0; i < 256; ++i) {
      const auto c = to_rgba8(sample(theme.heat, 1.0f - i / 255.0f));  // top is high
      std::copy(c.begin(), c.end(), rgba + i * 4);
    }
  });
  canvas.stroke_rect(bar, theme.grid, 1);
  const int ticks = 5;
  for (int i = 0; i < ticks; ++i) {
    const float f = static_cast<float>(i) / (ticks - 1);  // position along the bar, 0 = bottom
    const float value_t = sqrt_scale ? f * f : f;          // the colour at f shows this fraction of the range
    const float value = lo + (hi - lo) * value_t;
    const float y = bar.max.y - f * bar.height();
    canvas.line({bar.max.x, y}, {bar.max.x + 5, y}, theme.text, 1);
    text_at(canvas, {bar.max.x + 8, y}, Anchor::Left, fixed(value, hi - lo >= 10 ? 0 : 2), label);
  }
  if (masked_swatch) {
    Rect sw = Rect::from_size({area.min.x, bar.max.y + text_h}, {18, 18});
    canvas.fill_rect(sw, theme.masked);
    for (float d = 0; d < 36; d += 6)
      canvas.line({sw.min.x + std::max(0.0f, d - 18), sw.min.y + std::min(d, 18.0f)},
                  {sw.min.x + std::min(d, 18.0f), sw.min.y + std::max(0.0f, d - 18)}, theme.masked_hatch, 1);
    canvas.stroke_rect(sw, theme.grid, 1);
    text_at(canvas, {sw.max.x + 6, sw.centre().y}, Anchor::Left, "masked", label);
  }
}

float draw_key(Canvas& canvas, const Theme& theme, Vec2 at, const std::vector<KeyItem>& items) {
  TextStyle label = theme.label();
  label.colour = theme.text;
  const float sw = theme.small;
  float x = at.x;
  for (const KeyItem& item : items) {
    Rect box = Rect::from_size({x, at.y}, {sw, sw});
    if (item.outline_only) {
      canvas.stroke_rect(box, item.colour, 2.5f);
    } else {
      canvas.fill_rect(box, item.colour);
      if (item.hatched)
        for (float d = 4; d < 2 * sw; d += 5)
          canvas.line({box.min.x + std::max(0.0f, d - sw), box.min.y + std::min(d, sw)},
                      {box.min.x + std::min(d, sw), box.min.y + std::max(0.0f, d - sw)}, theme.background, 1.5f);
      canvas.stroke_rect(box, theme.text, 1);
    }
    text_at(canvas, {box.max.x + 6, box.centre().y}, Anchor::Left, item.name, label);
    x = box.max.x + 6 + canvas.text_size(item.name, label).x + 18;
  }
  return x - at.x;
}

void draw_tooltip(Canvas& canvas, const Theme& theme, Vec2 at, const std::vector<std::string>& lines, Rect bounds) {
  if (lines.empty()) return;
  TextStyle style = theme.body();
  TextStyle first = style;
  first.weight = Weight::Bold;
  float w = 0, h = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Vec2 s = canvas.text_size(lines[i], i == 0 ? first : style);
    w = std::max(w, s.x);
    h += s.y + 2;
  }
  const float pad = 8;
  Vec2 pos = at + Vec2(18, 18);
  if (pos.x + w + 2 * pad > bounds.max.x) pos.x = at.x - 18 - w - 2 * pad;
  if (pos.y + h + 2 * pad > bounds.max.y) pos.y = at.y - 18 - h - 2 * pad;
  pos = glm::max(pos, bounds.min);
  Rect box = Rect::from_size(pos, {w + 2 * pad, h + 2 * pad});
  canvas.fill_rect(box, with_alpha(theme.background, 0.96f), 4);
  canvas.stroke_rect(box, theme.text, 1.5f, 4);
  float y = box.min.y + pad;
  for (size_t i = 0; i < lines.size(); ++i) {
    canvas.text({box.min.x + pad, y}, lines[i], i == 0 ? first : style);
    y += canvas.text_size(lines[i], style).y + 2;
  }
}

void text_on_box(Canvas& canvas, const Theme& theme, Vec2 at, Anchor anchor, const std::string& s, const TextStyle& style) {
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
  canvas.fill_rect(Rect::from_size(pos - Vec2(4, 1), size + Vec2(8, 2)), with_alpha(theme.background, 0.92f), 3);
  canvas.text(pos, s, style);
}

void draw_notice(Canvas& canvas, const Theme& theme, Rect area, const std::string& title, const std::string& detail) {
  const Vec2 c = area.centre();
  text_at(canvas, c - Vec2(0, 4), Anchor::Bottom, title, theme.strong());
  if (!detail.empty()) {
    TextStyle body = theme.body();
    body.colour = theme.muted;
    text_at(canvas, c + Vec2(0, 4), Anchor::Top, fit_text(canvas, detail, body, area.width() - 20), body);
  }
}

void draw_title(Canvas& canvas, const Theme& theme, Rect& area, const std::string& title, const std::string& subtitle) {
  const TextStyle head = theme.heading();
  const float h = canvas.text_size("Ag", head).y;
  Rect line = area.take_top(h + theme.pad);
  canvas.text(line.min, title, head);
  if (!subtitle.empty()) {
    TextStyle sub = theme.body();
    sub.colour = theme.muted;
    const float x = line.min.x + canvas.text_size(title, head).x + 14;
    const float sub_h = canvas.text_size("Ag", sub).y;
    canvas.text({x, line.min.y + h - sub_h}, fit_text(canvas, subtitle, sub, line.max.x - x), sub);
  }
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string percent(double fraction, int digits) { return fixed(100.0 * fraction, digits) + "%"; }

uint64_t hash_key(std::initializer_list<uint64_t> parts) {
  // FNV-1a over the 8 bytes of each part.
  uint64_t h = 1469598103934665603ull;
  for (uint64_t p : parts)
    for (int i = 0; i < 8; ++i) {
      h ^= (p >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  return h;
}

}  // namespace archscope::views
