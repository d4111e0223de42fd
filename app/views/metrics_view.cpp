// The metrics table.
#include "app/views/metrics_view.h"

#include <algorithm>
#include <cmath>

#include "app/views/moe_common.h"
#include "app/views/plot.h"

namespace archscope::views {

namespace {

struct Column {
  std::string name;   // header, first line
  std::string note;   // header, second line: the normalisation or what "good" is
  double (*value)(const MoeMetrics&);
  double (*bar)(const MoeMetrics&, double column_max);  // fraction of the cell the bar fills
  int digits;
  bool percent;
};

double relative(double v, double column_max) { return column_max > 0 ? v / column_max : 0; }

const std::vector<Column>& columns() {
  static const std::vector<Column> cols = {
      {"aux loss", "Switch: E·Σf·P, 1 = even", [](const MoeMetrics& m) { return m.aux_loss_switch; },
       [](const MoeMetrics& m, double mx) { return relative(m.aux_loss_switch, mx); }, 3, false},
      {"aux loss", "HF Mixtral: k = even", [](const MoeMetrics& m) { return m.aux_loss_hf; },
       [](const MoeMetrics& m, double mx) { return relative(m.aux_loss_hf, mx); }, 3, false},
      {"z-loss", "mean (logsumexp z)²", [](const MoeMetrics& m) { return m.z_loss; },
       [](const MoeMetrics& m, double mx) { return relative(m.z_loss, mx); }, 3, false},
      {"entropy", "of the max ln E", [](const MoeMetrics& m) { return m.entropy_max > 0 ? m.entropy_mean / m.entropy_max : 0; },
       [](const MoeMetrics& m, double) { return m.entropy_max > 0 ? m.entropy_mean / m.entropy_max : 0; }, 1, true},
      {"load CV", "std / mean · 0 = even", [](const MoeMetrics& m) { return m.load_cv; },
       [](const MoeMetrics& m, double mx) { return relative(m.load_cv, mx); }, 3, false},
      {"max / mean", "load · 1 = even", [](const MoeMetrics& m) { return m.max_over_mean; },
       [](const MoeMetrics& m, double mx) { return relative(m.max_over_mean, mx); }, 2, false},
      {"dropped", "of choices", [](const MoeMetrics& m) { return m.drop_rate_pairs; },
       [](const MoeMetrics& m, double) { return m.drop_rate_pairs; }, 1, true},
      {"dropped", "tokens (all choices)", [](const MoeMetrics& m) { return m.drop_rate_tokens; },
       [](const MoeMetrics& m, double) { return m.drop_rate_tokens; }, 1, true},
  };
  return cols;
}

std::string show(const Column& col, double v) { return col.percent ? percent(v, col.digits) : fixed(v, col.digits); }

}  // namespace

void MetricsView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  const Stack stack = moe_stack(s);
  const auto& layers = moe_records(s, stack);
  draw_title(c, th, area, title(), layers.empty() ? "" : describe_router(s.spec.moe) + " · " +
                                                           describe_capacity(s.spec.moe, layers.front().routing));
  if (layers.empty()) {
    draw_notice(c, th, area, s.spec.is_moe() ? "Running…" : "This model has no experts",
                s.spec.is_moe() ? "" : "routing metrics exist only for mixture-of-experts models");
    return;
  }
  const auto& cols = columns();
  const float first_w = c.text_size("decoder layer 00", th.body()).x + th.pad;
  const float col_w = (area.width() - first_w) / cols.size();
  const float head_h = th.normal + th.small + th.pad * 1.5f;
  const float row_h = std::clamp((area.height() - head_h - 3 * th.normal) / layers.size(), th.normal * 1.8f, th.normal * 3.0f);

  std::vector<double> col_max(cols.size(), 0);
  for (size_t j = 0; j < cols.size(); ++j)
    for (const MoeRecord& m : layers) col_max[j] = std::max(col_max[j], cols[j].value(m.metrics));

  for (size_t j = 0; j < cols.size(); ++j) {
    const float x = area.min.x + first_w + j * col_w;
    text_at(c, {x + 4, area.min.y}, Anchor::TopLeft, fit_text(c, cols[j].name, th.strong(), col_w - 8),
            {th.normal, th.text, Weight::Bold});
    text_at(c, {x + 4, area.min.y + th.normal + 4}, Anchor::TopLeft, fit_text(c, cols[j].note, th.label(), col_w - 8),
            th.label());
  }
  float y = area.min.y + head_h;
  c.line({area.min.x, y - 4}, {area.max.x, y - 4}, th.text, 1.5f);
  const bool enc_dec = s.spec.family == Family::EncoderDecoder;
  const MoeRecord* focused = focused_moe(s);
  for (const MoeRecord& m : layers) {
    Rect row{{area.min.x, y}, {area.max.x, y + row_h}};
    if (&m == focused) c.fill_rect(row, with_alpha(th.highlight, 0.18f));
    text_at(c, {area.min.x + 4, row.centre().y}, Anchor::Left,
            (enc_dec ? (stack == Stack::Encoder ? "encoder " : "decoder ") : std::string()) + "layer " + std::to_string(m.layer),
            th.body());
    for (size_t j = 0; j < cols.size(); ++j) {
      const float x = area.min.x + first_w + j * col_w;
      const double v = cols[j].value(m.metrics);
      const double frac = std::clamp(cols[j].bar(m.metrics, col_max[j]), 0.0, 1.0);
      Rect bar{{x + 4, row.max.y - 7}, {x + 4 + static_cast<float>(frac) * (col_w - 12), row.max.y - 3}};
      c.fill_rect({{x + 4, bar.min.y}, {x + col_w - 8, bar.max.y}}, th.panel, 2);
      const bool bad = (j >= 6 && v > 0);
      c.fill_rect(bar, bad ? th.drop : th.accent, 2);
      text_at(c, {x + 4, row.min.y + 3}, Anchor::TopLeft, show(cols[j], v),
              {th.normal, bad ? th.drop : th.text, Weight::Regular});
    }
    c.line({area.min.x, row.max.y}, {area.max.x, row.max.y}, th.grid, 1);
    if (ctx.hovering(row)) {
      ctx.tooltip = {"layer " + std::to_string(m.layer),
                     "entropy " + fixed(m.metrics.entropy_mean, 3) + " of ln E = " + fixed(m.metrics.entropy_max, 3),
                     "f and P: fraction of first choices and mean probability per expert",
                     "click to focus this layer"};
      if (ctx.pointer->clicked) {
        Focus f = s.focus;
        f.stack = stack;
        f.layer = m.layer;
        ctx.act().set_focus(f);
      }
    }
    y += row_h;
  }
  y += th.pad;
  if (s.trace && s.trace->aux_loss_hf) {
    text_at(c, {area.min.x, y}, Anchor::TopLeft,
            "Model-level aux loss as transformers reports it (Mixtral normalisation, all MoE layers' tokens together): " +
                fixed(*s.trace->aux_loss_hf, 4),
            th.body());
    y += th.normal * 1.5f;
  }
  TextStyle note = th.label();
  text_at(c, {area.min.x, y}, Anchor::TopLeft,
          fit_text(c, "aux loss weighted by the spec's coefficient " + fixed(s.spec.moe.aux_loss_coef, 3) +
                          " enters training; z-loss penalises large router logits (ST-MoE).",
                   note, area.width()),
          note);
}

nlohmann::json MetricsView::data(const Scene& s) const {
  nlohmann::json layers = nlohmann::json::array();
  for (const MoeRecord& m : moe_records(s, moe_stack(s))) {
    const MoeMetrics& x = m.metrics;
    layers.push_back({{"layer", m.layer},
                      {"aux_loss_switch", x.aux_loss_switch},
                      {"aux_loss_hf_mixtral", x.aux_loss_hf},
                      {"z_loss", x.z_loss},
                      {"entropy_mean", x.entropy_mean},
                      {"entropy_max", x.entropy_max},
                      {"load_cv", x.load_cv},
                      {"max_over_mean", x.max_over_mean},
                      {"drop_rate_pairs", x.drop_rate_pairs},
                      {"drop_rate_tokens", x.drop_rate_tokens},
                      {"dropped_pairs", x.dropped_pairs},
                      {"dropped_tokens", x.dropped_tokens}});
  }
  nlohmann::json out{{"view", "metrics"}, {"layers", layers}};
  if (s.trace && s.trace->aux_loss_hf) out["aux_loss_hf_model"] = *s.trace->aux_loss_hf;
  return out;
}

std::vector<std::vector<std::string>> MetricsView::table(const Scene& s) const {
  std::vector<std::vector<std::string>> t{{"layer", "aux_loss_switch", "aux_loss_hf_mixtral", "z_loss", "entropy_mean",
                                           "entropy_max", "load_cv", "max_over_mean", "drop_rate_pairs", "drop_rate_tokens"}};
  for (const MoeRecord& m : moe_records(s, moe_stack(s))) {
    const MoeMetrics& x = m.metrics;
    t.push_back({std::to_string(m.layer), fixed(x.aux_loss_switch, 6), fixed(x.aux_loss_hf, 6), fixed(x.z_loss, 6),
                 fixed(x.entropy_mean, 6), fixed(x.entropy_max, 6), fixed(x.load_cv, 6), fixed(x.max_over_mean, 6),
                 fixed(x.drop_rate_pairs, 6), fixed(x.drop_rate_tokens, 6)});
  }
  return t;
}

}  // namespace archscope::views
