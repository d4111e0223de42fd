// Bars of expert load against capacity.
#include "app/views/load_view.h"

#include <algorithm>
#include <cmath>

#include "app/views/moe_common.h"
#include "app/views/plot.h"
#include "app/views/router_view.h"

namespace archscope::views {

namespace {

struct Chart {
  Rect plot;     // the bars' area
  float top = 1;  // load at the top of the plot
  float y(float load) const { return plot.max.y - plot.height() * load / top; }
  float bar_w = 0;
  float x(int e) const { return plot.min.x + e * bar_w; }
};

// Hatching inside a rectangle: the overflow's second cue besides its colour.
void hatch(Canvas& c, const Rect& r, Colour colour) {
  if (r.height() < 3 || r.width() < 3) return;
  c.push_clip(r);
  const float step = 6;
  for (float d = -r.height(); d < r.width(); d += step)
    c.line({r.min.x + d, r.max.y}, {r.min.x + d + r.height(), r.min.y}, colour, 1.5f);
  c.pop_clip();
}

// Draws one layer's bars; returns the chart for hit tests. `detail`: axes, labels and lines named.
Chart draw_bars(ViewContext& ctx, Rect area, const MoeRecord& m, bool detail, int selected_token) {
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  const Routing& r = m.routing;
  const MoeMetrics& x = m.metrics;
  const int E = r.experts;
  const float balanced = static_cast<float>(r.tokens) * r.top_k / E;
  float top = std::max(balanced, 1.0f);
  for (int e = 0; e < E; ++e) top = std::max(top, static_cast<float>(x.load_before[e]));
  if (r.capacity >= 0) top = std::max(top, static_cast<float>(r.capacity));
  top = std::ceil(top * 1.1f);

  Chart ch;
  TextStyle label = th.label();
  label.colour = th.text;
  const float axis_w = detail ? c.text_size("000", label).x + 10 : 0;
  const float axis_h = detail ? th.small + 8 : 0;
  ch.plot = {{area.min.x + axis_w, area.min.y + (detail ? th.small : 2)}, {area.max.x, area.max.y - axis_h}};
  ch.top = top;
  ch.bar_w = ch.plot.width() / E;
  c.fill_rect(ch.plot, th.panel);

  if (detail) {
    const int step = std::max(1, static_cast<int>(std::ceil(top / 6)));
    for (int v = 0; v <= top; v += step) {
      const float y = ch.y(static_cast<float>(v));
      c.line({ch.plot.min.x, y}, {ch.plot.max.x, y}, with_alpha(th.grid, 0.6f), 1);
      text_at(c, {ch.plot.min.x - 6, y}, Anchor::Right, std::to_string(v), label);
    }
    const int label_step = std::max(1, static_cast<int>(std::ceil(c.text_size("E000", label).x / ch.bar_w)));
    for (int e = 0; e < E; e += label_step)
      text_at(c, {ch.x(e) + ch.bar_w / 2, ch.plot.max.y + 4}, Anchor::Top, "E" + std::to_string(e), label);
  }

  const float gap = ch.bar_w >= 6 ? std::max(1.0f, ch.bar_w * 0.15f) : 0;
  for (int e = 0; e < E; ++e) {
    const float x0 = ch.x(e) + gap / 2, x1 = ch.x(e + 1) - gap / 2;
    const float kept = static_cast<float>(x.load_after[e]), before = static_cast<float>(x.load_before[e]);
    Rect kept_bar{{x0, ch.y(kept)}, {x1, ch.plot.max.y}};
    c.fill_rect(kept_bar, th.accent);
    if (before > kept) {
      Rect overflow{{x0, ch.y(before)}, {x1, ch.y(kept)}};
      c.fill_rect(overflow, th.drop);
      hatch(c, overflow, th.background);
    }
  }
  // Lines: the perfectly balanced level and the capacity.
  const float yb = ch.y(balanced);
  for (float x0 = ch.plot.min.x; x0 < ch.plot.max.x; x0 += 12)
    c.line({x0, yb}, {std::min(x0 + 7, ch.plot.max.x), yb}, th.balanced, detail ? 2.5f : 1.5f);
  if (r.capacity >= 0) {
    const float yc = ch.y(static_cast<float>(r.capacity));
    c.line({ch.plot.min.x, yc}, {ch.plot.max.x, yc}, th.capacity, detail ? 2.5f : 1.5f);
    if (detail)
      text_on_box(c, th, {ch.plot.max.x - 6, yc - 4}, Anchor::BottomRight, "capacity " + std::to_string(r.capacity),
                  {th.normal, th.capacity, Weight::Bold});
  }
  if (detail)
    text_on_box(c, th, {ch.plot.max.x - 6, yb + 4}, Anchor::TopRight,
                "balanced T·k/E = " + fixed(balanced, balanced < 10 ? 2 : 1), {th.normal, th.balanced, Weight::Bold});
  // The selected token's experts: a marker above each bar it chose.
  if (selected_token >= 0 && selected_token < r.tokens)
    for (int k = 0; k < r.top_k; ++k) {
      const int i = r.at(selected_token, k), e = r.expert[i];
      const Vec2 at{ch.x(e) + ch.bar_w / 2, ch.y(static_cast<float>(x.load_before[e])) - (detail ? 10.0f : 5.0f)};
      const float size = detail ? 8.0f : 4.0f;
      const Vec2 tri[3] = {at + Vec2(-size, -size), at + Vec2(size, -size), at + Vec2(0, 0)};
      c.fill_convex(tri, r.kept[i] ? th.highlight : th.drop);
    }
  c.stroke_rect(ch.plot, th.grid, 1);
  return ch;
}

}  // namespace

void LoadView::toolbar(const Scene& s, const Actions& actions, const Theme&) { moe_layer_picker(s, actions); }

void LoadView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  const MoeRecord* rec = focused_moe(s);
  if (!rec) {
    draw_title(c, th, area, title());
    draw_notice(c, th, area, s.spec.is_moe() ? "Running…" : "This model has no experts",
                s.spec.is_moe() ? "" : "expert load needs a mixture-of-experts model");
    return;
  }
  const Stack stack = moe_stack(s);
  const Routing& r = rec->routing;
  const MoeMetrics& x = rec->metrics;
  draw_title(c, th, area, title(),
             "layer " + std::to_string(rec->layer) + " · " + std::to_string(r.tokens) + " tokens × top-" +
                 std::to_string(r.top_k) + " = " + std::to_string(r.tokens * r.top_k) + " choices over " +
                 std::to_string(r.experts) + " experts · " + describe_capacity(s.spec.moe, r));
  const int selected = s.selected_stack == stack ? s.selected_token : -1;
  const auto& layers = moe_records(s, stack);

  // Summary line and key.
  Rect summary = area.take_top(th.large + th.pad);
  std::string line = std::to_string(x.dropped_pairs) + " of " + std::to_string(r.tokens * r.top_k) + " choices dropped";
  if (x.dropped_tokens > 0)
    line += ", " + std::to_string(x.dropped_tokens) + (x.dropped_tokens == 1 ? " token" : " tokens") + " lost every choice";
  text_at(c, summary.min, Anchor::TopLeft, line, {th.large, x.dropped_pairs ? th.drop : th.text, Weight::Bold});
  Rect key_row = area.take_bottom(th.small + th.pad * 2);
  draw_key(c, th, key_row.min + Vec2(0, th.pad),
           {{th.accent, "kept"}, {th.drop, "over capacity: dropped", true}, {th.capacity, "capacity line"},
            {th.balanced, "balanced T·k/E"}});

  const bool multiples = layers.size() > 1 && area.height() > 300;
  Rect small_area = multiples ? area.take_bottom(std::min(area.height() * 0.28f, 150.0f)) : Rect{};
  const Chart main = draw_bars(ctx, area.inset(0, th.pad * 0.5f), *rec, true, selected);

  if (auto e = ctx.pointer && main.plot.contains(ctx.pointer->pos)
                   ? std::optional<int>(static_cast<int>((ctx.pointer->pos.x - main.plot.min.x) / main.bar_w))
                   : std::nullopt) {
    const int ex = std::clamp(*e, 0, r.experts - 1);
    c.stroke_rect({{main.x(ex), main.plot.min.y}, {main.x(ex + 1), main.plot.max.y}}, th.highlight, 2);
    ctx.tooltip = {"expert " + std::to_string(ex),
                   std::to_string(x.load_before[ex]) + " choices routed, " + std::to_string(x.load_after[ex]) + " kept",
                   x.load_before[ex] > x.load_after[ex]
                       ? std::to_string(x.load_before[ex] - x.load_after[ex]) + " over capacity, dropped"
                       : "nothing dropped"};
  }

  if (multiples) {
    small_area.take_top(th.pad);
    const int n = static_cast<int>(layers.size());
    const float gap = th.pad;
    const float w = (small_area.width() - gap * (n - 1)) / n;
    for (int i = 0; i < n; ++i) {
      Rect cell = Rect::from_size({small_area.min.x + i * (w + gap), small_area.min.y}, {w, small_area.height()});
      Rect head = cell.take_top(th.small + 4);
      const MoeRecord& m = layers[i];
      const bool focused = &m == rec;
      text_at(c, head.min, Anchor::TopLeft,
              fit_text(c, "layer " + std::to_string(m.layer) + " · " + percent(m.metrics.drop_rate_pairs, 0) + " dropped",
                       th.label(), w),
              {th.small, focused ? th.text : th.muted, focused ? Weight::Bold : Weight::Regular});
      draw_bars(ctx, cell, m, false, selected);
      if (focused) c.stroke_rect(cell.inset(-2), th.highlight, 2.5f);
      ctx.hotspot("layer:" + std::to_string(m.layer), cell);
      if (ctx.hovering(cell)) {
        ctx.tooltip = {"layer " + std::to_string(m.layer), "click to show it above"};
        if (ctx.pointer->clicked) {
          Focus f = s.focus;
          f.stack = stack;
          f.layer = m.layer;
          ctx.act().set_focus(f);
        }
      }
    }
  }
}

nlohmann::json LoadView::data(const Scene& s) const {
  const Stack stack = moe_stack(s);
  nlohmann::json layers = nlohmann::json::array();
  for (const MoeRecord& m : moe_records(s, stack)) {
    const Routing& r = m.routing;
    layers.push_back({{"layer", m.layer},
                      {"load_before", m.metrics.load_before},
                      {"load_after", m.metrics.load_after},
                      {"capacity", r.capacity},
                      {"balanced", static_cast<double>(r.tokens) * r.top_k / r.experts},
                      {"dropped_pairs", m.metrics.dropped_pairs},
                      {"dropped_tokens", m.metrics.dropped_tokens}});
  }
  const MoeRecord* rec = focused_moe(s);
  return {{"view", "load"},
          {"stack", stack == Stack::Encoder ? "encoder" : "decoder"},
          {"focused_layer", rec ? rec->layer : -1},
          {"layers", layers}};
}

std::vector<std::vector<std::string>> LoadView::table(const Scene& s) const {
  std::vector<std::vector<std::string>> t{{"layer", "expert", "load_before", "load_after", "dropped", "capacity"}};
  for (const MoeRecord& m : moe_records(s, moe_stack(s)))
    for (int e = 0; e < m.routing.experts; ++e)
      t.push_back({std::to_string(m.layer), std::to_string(e), std::to_string(m.metrics.load_before[e]),
                   std::to_string(m.metrics.load_after[e]),
                   std::to_string(m.metrics.load_before[e] - m.metrics.load_after[e]), std::to_string(m.routing.capacity)});
  return t;
}

}  // namespace archscope::views
