// Building blocks the views share: a labelled grid of heatmap cells, colour
// legends, category keys and tooltips. Each draws on a Canvas, so the same
// picture appears in the window, in PNG and in SVG.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/views/canvas.h"
#include "app/views/theme.h"

namespace archscope::views {

// Where the cells of a rows x cols grid landed.
struct CellGrid {
  Rect cells;
  int rows = 0, cols = 0;
  float cell_w = 0, cell_h = 0;

  Rect cell(int r, int c) const {
    return {{cells.min.x + c * cell_w, cells.min.y + r * cell_h},
            {cells.min.x + (c + 1) * cell_w, cells.min.y + (r + 1) * cell_h}};
  }
  // (row, column) under p, if any.
  std::optional<std::pair<int, int>> hit(Vec2 p) const;
};

struct GridLabels {
  const std::vector<std::string>* rows = nullptr;  // one per row, or null for numbers
  const std::vector<std::string>* cols = nullptr;
  std::string row_title;  // "query"
  std::string col_title;  // "key"
  bool show = true;       // small multiples draw no labels
};

// Lays out square-ish cells in `area` with room for the labels, draws the
// labels (thinned out when they would overlap) and returns the cell geometry.
CellGrid layout_grid(Canvas& canvas, const Theme& theme, Rect area, int rows, int cols, const GridLabels& labels,
                     bool square_cells, float label_size);

// One cell's look: a value in [0, 1] on the colour map, a colour of its own,
// or masked (hatched).
struct CellValue {
  float t = 0;
  bool masked = false;
  bool own_colour = false;
  Colour colour{0, 0, 0, 1};
};
using CellFn = std::function<CellValue(int row, int col)>;

// Fills the grid's cells from `fn` as one image keyed by `key` (the same key
// must mean the same values). Masked cells are hatched when cells are large
// enough to show it, and drawn in the masked colour otherwise.
void draw_cells(Canvas& canvas, const Theme& theme, const CellGrid& grid, uint64_t key, const CellFn& fn);

// A vertical colour bar from `lo` to `hi` with ticks and a title; with a
// masked swatch when the heatmap has masked cells.
void draw_colour_legend(Canvas& canvas, const Theme& theme, Rect area, const std::string& title, float lo, float hi,
                        bool sqrt_scale, bool masked_swatch);
float colour_legend_width(const Theme& theme);

// A row of swatches with names ("kept", "dropped", ...).
struct KeyItem {
  Colour colour;
  std::string name;
  bool hatched = false;
  bool outline_only = false;
};
float draw_key(Canvas& canvas, const Theme& theme, Vec2 at, const std::vector<KeyItem>& items);

// A box of text lines near `at`, kept inside `bounds`.
void draw_tooltip(Canvas& canvas, const Theme& theme, Vec2 at, const std::vector<std::string>& lines, Rect bounds);

// Text on a small box of the background colour, readable over bars and lines.
void text_on_box(Canvas& canvas, const Theme& theme, Vec2 at, Anchor anchor, const std::string& s, const TextStyle& style);

// A message in the middle of an area ("no MoE layers in this model").
void draw_notice(Canvas& canvas, const Theme& theme, Rect area, const std::string& title, const std::string& detail);

// A view's title line at the top of `area`, which it removes from `area`.
void draw_title(Canvas& canvas, const Theme& theme, Rect& area, const std::string& title,
                const std::string& subtitle = "");

// Printing helpers: "0.1234", "12.3%", "1,234".
std::string fixed(double v, int digits);
std::string percent(double fraction, int digits = 1);

// A 64-bit key from any list of numbers, for image caches.
uint64_t hash_key(std::initializer_list<uint64_t> parts);

}  // namespace archscope::views
