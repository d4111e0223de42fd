// Token strips coloured by expert.
#include "app/views/tokens_view.h"

#include <algorithm>

#include "app/views/moe_common.h"
#include "app/views/plot.h"

namespace archscope::views {

namespace {

void cross_out(Canvas& c, const Rect& r, Colour colour, float thickness) {
  const Rect in = r.inset(std::min(r.width(), r.height()) * 0.2f);
  c.line(in.min, in.max, colour, thickness);
  c.line({in.min.x, in.max.y}, {in.max.x, in.min.y}, colour, thickness);
}

}  // namespace

void TokensView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  const Stack stack = moe_stack(s);
  const auto& layers = moe_records(s, stack);
  draw_title(c, th, area, title(), "each token in the colours of the experts it was sent to, one strip per MoE layer");
  if (layers.empty()) {
    draw_notice(c, th, area, s.spec.is_moe() ? "Running…" : "This model has no experts",
                s.spec.is_moe() ? "" : "tokens are routed to experts only in mixture-of-experts models");
    return;
  }
  const auto& labels = s.labels(stack);
  const int T = layers.front().routing.tokens;
  const int selected = s.selected_stack == stack ? s.selected_token : -1;

  area.take_bottom(2 * th.small + th.pad * 3);  // room for the key under the strips
  const TextStyle word{th.normal, th.text, Weight::Bold};
  // The drop rates sit right of the strips when there is room, else under each strip.
  const float label_w = c.text_size("layer 00", th.body()).x + th.pad;
  const float rate_w = c.text_size("100.0% of choices dropped", {th.small, th.text, Weight::Bold}).x + 2 * th.pad;
  const bool rates_beside = area.width() - label_w - rate_w >= T * 12.0f;
  Rect strips{{area.min.x + label_w, area.min.y}, {area.max.x - (rates_beside ? rate_w : 0.0f), area.max.y}};
  const float col_w = std::max(strips.width() / T, 2.0f);
  const float header_h = th.normal * 1.6f;
  const float rate_h = rates_beside ? 0.0f : th.small * 1.4f;
  const float row_h = std::min(std::max(th.normal * 2.2f, (strips.height() - header_h) / layers.size() - rate_h),
                               th.normal * 4.5f);

  // Header: the sentence, one word per column.
  for (int t = 0; t < T; ++t) {
    Rect cell{{strips.min.x + t * col_w, strips.min.y}, {strips.min.x + (t + 1) * col_w, strips.min.y + header_h}};
    if (t == selected) c.fill_rect(cell, with_alpha(th.highlight, 0.35f), 3);
    text_at(c, cell.centre(), Anchor::Centre, fit_text(c, labels[t], word, col_w - 4), word);
  }
  float y = strips.min.y + header_h;
  for (const MoeRecord& m : layers) {
    const Routing& r = m.routing;
    text_at(c, {area.min.x, y + row_h / 2}, Anchor::Left, "layer " + std::to_string(m.layer), th.body());
    TextStyle rate{th.small, m.metrics.dropped_pairs ? th.drop : th.muted, Weight::Bold};
    const int lost = m.metrics.dropped_tokens;
    const std::string rate_text = percent(m.metrics.drop_rate_pairs) + " of choices dropped";
    const std::string lost_text = std::to_string(lost) + (lost == 1 ? " token lost all" : " tokens lost all");
    if (rates_beside) {
      text_at(c, {strips.max.x + th.pad, y + row_h / 2 - th.small * 0.6f}, Anchor::Left, rate_text, rate);
      text_at(c, {strips.max.x + th.pad, y + row_h / 2 + th.small * 0.6f}, Anchor::Left, lost_text,
              {th.small, th.muted, Weight::Regular});
    } else {
      text_at(c, {strips.min.x, y + row_h}, Anchor::TopLeft, fit_text(c, rate_text + ", " + lost_text, rate, strips.width()),
              rate);
    }
    for (int t = 0; t < r.tokens && t < T; ++t) {
      Rect chip{{strips.min.x + t * col_w + 2, y + 3}, {strips.min.x + (t + 1) * col_w - 2, y + row_h - 3}};
      int dropped = 0;
      for (int k = 0; k < r.top_k; ++k) {
        const int i = r.at(t, k), e = r.expert[i];
        const float h = chip.height() / r.top_k;
        Rect seg{{chip.min.x, chip.min.y + k * h}, {chip.max.x, chip.min.y + (k + 1) * h}};
        c.fill_rect(seg, expert_colour(e));
        const std::string name = "E" + std::to_string(e);
        TextStyle on{std::min(th.small, h * 0.8f), contrasting_text(expert_colour(e)), Weight::Bold};
        if (c.text_size(name, on).x < seg.width() - 2 && h >= 8) text_at(c, seg.centre(), Anchor::Centre, name, on);
        if (!r.kept[i]) {
          ++dropped;
          c.fill_rect(seg, with_alpha(th.background, 0.55f));
          cross_out(c, seg, th.drop, 2.5f);
        }
      }
      if (dropped == r.top_k) {
        // Lost every choice: only the residual carries this token through the layer.
        c.stroke_rect(chip.inset(-2), th.drop, 3);
        c.line({chip.min.x - 2, chip.centre().y}, {chip.max.x + 2, chip.centre().y}, th.drop, 3);
      }
      if (t == selected) c.stroke_rect(chip.inset(-3), th.highlight, 3);
      if (&m == &layers.front()) ctx.hotspot("token:" + std::to_string(t), chip);
      if (ctx.hovering(chip)) {
        std::vector<std::string> tip{"'" + labels[t] + "' in layer " + std::to_string(m.layer)};
        for (int k = 0; k < r.top_k; ++k) {
          const int i = r.at(t, k);
          tip.push_back("E" + std::to_string(r.expert[i]) + "  weight " + fixed(r.weight[i], 3) +
                        (r.kept[i] ? "" : "  dropped"));
        }
        if (dropped == r.top_k) tip.push_back("every choice dropped: the residual carries the token");
        ctx.tooltip = tip;
        if (ctx.pointer->clicked) ctx.act().select_token(stack, t);
      }
    }
    y += row_h + rate_h;
  }
  // Key: the expert colours, and what a drop looks like.
  const Vec2 key_at{area.min.x, y + th.pad};
  const int E = layers.front().routing.experts;
  std::vector<KeyItem> experts;
  for (int e = 0; e < std::min(E, expert_palette_size()); ++e) experts.push_back({expert_colour(e), "E" + std::to_string(e)});
  if (E <= expert_palette_size()) {
    draw_key(c, th, key_at, experts);
  } else {
    text_at(c, key_at, Anchor::TopLeft,
            std::to_string(E) + " experts: colours repeat every " + std::to_string(expert_palette_size()) +
                ", the numbers name them",
            th.label());
  }
  draw_key(c, th, key_at + Vec2(0, th.pad + th.small),
           {{th.drop, "choice dropped by capacity", false, true}, {th.drop, "token lost every choice (struck through)"}});

}

nlohmann::json TokensView::data(const Scene& s) const {
  const Stack stack = moe_stack(s);
  nlohmann::json layers = nlohmann::json::array();
  for (const MoeRecord& m : moe_records(s, stack)) {
    const Routing& r = m.routing;
    nlohmann::json tokens = nlohmann::json::array();
    for (int t = 0; t < r.tokens; ++t) {
      nlohmann::json experts = nlohmann::json::array(), kept = nlohmann::json::array();
      for (int k = 0; k < r.top_k; ++k) {
        experts.push_back(r.expert[r.at(t, k)]);
        kept.push_back(r.kept[r.at(t, k)] != 0);
      }
      tokens.push_back({{"experts", experts}, {"kept", kept}});
    }
    layers.push_back({{"layer", m.layer},
                      {"drop_rate_pairs", m.metrics.drop_rate_pairs},
                      {"dropped_tokens", m.metrics.dropped_tokens},
                      {"tokens", tokens}});
  }
  return {{"view", "tokens"}, {"tokens", s.labels(stack)}, {"selected_token", s.selected_token}, {"layers", layers}};
}

std::vector<std::vector<std::string>> TokensView::table(const Scene& s) const {
  std::vector<std::vector<std::string>> t{{"layer", "token", "token_text", "rank", "expert", "weight", "kept"}};
  const Stack stack = moe_stack(s);
  const auto& labels = s.labels(stack);
  for (const MoeRecord& m : moe_records(s, stack))
    for (int tok = 0; tok < m.routing.tokens; ++tok)
      for (int k = 0; k < m.routing.top_k; ++k) {
        const int i = m.routing.at(tok, k);
        t.push_back({std::to_string(m.layer), std::to_string(tok), labels[tok], std::to_string(k + 1),
                     std::to_string(m.routing.expert[i]), fixed(m.routing.weight[i], 6), m.routing.kept[i] ? "1" : "0"});
      }
  return t;
}

}  // namespace archscope::views
