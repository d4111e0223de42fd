// Input and target rows of chips, and the matching mask.
#include "app/views/objective_view.h"

#include <algorithm>

#include <imgui.h>

#include "app/views/objective_example.h"
#include "app/views/plot.h"
#include "engine/run/mask.h"

namespace archscope::views {

namespace {

int prefix_of(const Scene& s) {
  for (const MaskPanel& p : s.masks)
    if (p.mask.kind == MaskKind::Prefix && p.mask.prefix_length > 0) return p.mask.prefix_length;
  return s.spec.mask.kind == MaskKind::Prefix ? s.spec.mask.prefix_length : 0;
}

ObjectiveExample example_of(const Scene& s) {
  return make_objective_example(s.objective, s.labels(s.spec.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder),
                                s.objective_seed, prefix_of(s));
}

// The encoder-decoder objectives run on the encoder's input text.
const std::vector<std::string>& sentence(const Scene& s) { return s.tokens; }

struct ChipStyle {
  Colour fill, border, text;
  float border_w;
};

void chip(Canvas& c, const Theme& th, const Rect& r, const ObjectiveToken& t, bool is_target) {
  ChipStyle st{th.panel, th.grid, th.text, 1};
  if (t.changed && !is_target) st = {rgb(0xFFE3B3), th.highlight, th.text, 2};
  if (is_target && t.loss) st = {rgb(0xD6E9F8), th.accent, th.text, 2.5f};
  if (is_target && !t.loss) st = {th.background, th.grid, th.muted, 1};
  c.fill_rect(r, st.fill, 5);
  c.stroke_rect(r, st.border, st.border_w, 5);
  TextStyle text{th.normal, st.text, t.changed || (is_target && t.loss) ? Weight::Bold : Weight::Regular};
  text_at(c, r.centre(), Anchor::Centre, fit_text(c, t.text, text, r.width() - 6), text);
}

// Chips in a row, wrapping; returns each chip's rectangle.
std::vector<Rect> lay_row(Canvas& c, const Theme& th, Rect area, const std::vector<ObjectiveToken>& row, float fixed_w) {
  std::vector<Rect> rects;
  const float h = th.normal * 1.9f, gap = 6;
  float x = area.min.x, y = area.min.y;
  for (const ObjectiveToken& t : row) {
    const float w = fixed_w > 0 ? fixed_w : c.text_size(t.text, {th.normal, th.text, Weight::Bold}).x + 18;
    if (x + w > area.max.x && x > area.min.x) {
      x = area.min.x;
      y += h + gap;
    }
    rects.push_back(Rect::from_size({x, y}, {w, h}));
    x += w + gap;
  }
  return rects;
}

}  // namespace

void ObjectiveView::toolbar(const Scene& s, const Actions& actions, const Theme&) {
  static const char* names[] = {"masked LM (BERT)", "causal LM (GPT)", "prefix LM", "span corruption (T5)",
                                "denoising (BART)"};
  int o = static_cast<int>(s.objective);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  if (ImGui::Combo("objective", &o, names, 5)) actions.set_objective(static_cast<Objective>(o));
}

void ObjectiveView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  draw_title(c, th, area, title(), to_string(s.objective));
  if (sentence(s).empty()) {
    draw_notice(c, th, area, "No sentence yet", "type a sentence to see what the model learns from it");
    return;
  }
  const ObjectiveExample ex = example_of(s);
  text_at(c, area.min, Anchor::TopLeft, fit_text(c, ex.summary, th.strong(), area.width()), th.strong());
  area.take_top(th.large + th.pad * 2);

  const float label_w = c.text_size("predicts", {th.normal, th.text, Weight::Bold}).x + th.pad * 2;
  Rect rows{{area.min.x + label_w, area.min.y}, area.max};
  const int T = static_cast<int>(ex.input.size());
  const float col = ex.same_length ? std::min(rows.width() / std::max(T, 1) - 6, th.normal * 6.0f) : 0;

  text_at(c, {area.min.x, rows.min.y + th.normal * 0.95f}, Anchor::Left, "reads", {th.normal, th.text, Weight::Bold});
  const std::vector<Rect> in = lay_row(c, th, rows, ex.input, col);
  for (size_t i = 0; i < in.size(); ++i) chip(c, th, in[i], ex.input[i], false);
  float y = in.empty() ? rows.min.y : in.back().max.y;
  if (ex.prefix > 0 && ex.prefix <= static_cast<int>(in.size())) {
    const float by = y + 6;
    c.line({in.front().min.x, by}, {in[ex.prefix - 1].max.x, by}, th.highlight, 3);
    text_at(c, {(in.front().min.x + in[ex.prefix - 1].max.x) / 2, by + 3}, Anchor::Top, "prefix: context only",
            {th.small, th.text, Weight::Bold});
    y += th.small + 10;
  }
  y += th.pad * 2.5f;

  const std::string target_label = ex.same_length ? "predicts" : "decoder writes";
  text_at(c, {area.min.x, y + th.normal * 0.95f}, Anchor::Left, ex.same_length ? "predicts" : "writes",
          {th.normal, th.text, Weight::Bold});
  (void)target_label;
  const std::vector<Rect> out = lay_row(c, th, {{rows.min.x, y}, rows.max}, ex.target, col);
  for (size_t i = 0; i < out.size(); ++i) chip(c, th, out[i], ex.target[i], true);
  if (ex.same_length)
    for (size_t i = 0; i < out.size() && i < in.size(); ++i)
      if (ex.target[i].loss) {
        const float x = in[i].centre().x;
        c.line({x, in[i].max.y + 2}, {x, out[i].min.y - 8}, th.accent, 2);
        const Vec2 tri[3] = {{x, out[i].min.y - 2}, {x - 5, out[i].min.y - 9}, {x + 5, out[i].min.y - 9}};
        c.fill_convex(tri, th.accent);
      }
  y = out.empty() ? y : out.back().max.y + th.pad * 2;

  // The attention mask that goes with a same-length objective, on the same columns.
  area.take_bottom(th.small + th.pad * 2);  // the key
  if (ex.same_length && !in.empty() && area.max.y - y > 6 * th.small) {
    MaskSpec m;
    m.kind = s.objective == Objective::MaskedLM ? MaskKind::Bidirectional
             : s.objective == Objective::PrefixLM ? MaskKind::Prefix
                                                   : MaskKind::Causal;
    m.prefix_length = ex.prefix;
    const AttentionMask mask = AttentionMask::from_spec(m);
    text_at(c, {area.min.x, y}, Anchor::TopLeft, "sees", {th.normal, th.text, Weight::Bold});
    const float cell = std::min(std::min(in.front().width() + 6, th.normal * 1.6f), (area.max.y - y) / T);
    for (int q = 0; q < T; ++q)
      for (int k = 0; k < T; ++k) {
        const float x0 = in[k].min.x, y0 = y + q * cell;
        Rect r{{x0, y0}, {x0 + in[k].width(), y0 + cell - 2}};
        c.fill_rect(r, mask.allows(q, k) ? th.accent : th.masked);
      }
    TextStyle note = th.label();
    text_at(c, {area.min.x, y + th.normal * 1.5f}, Anchor::TopLeft, "row i:", note);
    text_at(c, {area.min.x, y + th.normal * 1.5f + th.small * 1.3f}, Anchor::TopLeft, "position i", note);
  }
  draw_key(c, th, {ctx.area.min.x, ctx.area.max.y - th.small - 4},
           {{rgb(0xFFE3B3), "changed in the input"}, {rgb(0xD6E9F8), "target the loss uses"}, {th.accent, "may attend"}});
}

nlohmann::json ObjectiveView::data(const Scene& s) const {
  const ObjectiveExample ex = example_of(s);
  auto row = [](const std::vector<ObjectiveToken>& r) {
    nlohmann::json out = nlohmann::json::array();
    for (const ObjectiveToken& t : r)
      out.push_back({{"text", t.text}, {"source", t.source}, {"changed", t.changed}, {"loss", t.loss}});
    return out;
  };
  return {{"view", "objective"},
          {"objective", to_string(ex.objective)},
          {"summary", ex.summary},
          {"input", row(ex.input)},
          {"target", row(ex.target)},
          {"aligned", ex.same_length},
          {"prefix", ex.prefix},
          {"loss_positions", ex.loss_positions}};
}

std::vector<std::vector<std::string>> ObjectiveView::table(const Scene& s) const {
  const ObjectiveExample ex = example_of(s);
  std::vector<std::vector<std::string>> t{{"row", "position", "text", "source", "changed", "loss"}};
  auto add = [&](const char* name, const std::vector<ObjectiveToken>& r) {
    for (size_t i = 0; i < r.size(); ++i)
      t.push_back({name, std::to_string(i), r[i].text, std::to_string(r[i].source), r[i].changed ? "1" : "0",
                   r[i].loss ? "1" : "0"});
  };
  add("input", ex.input);
  add("target", ex.target);
  return t;
}

}  // namespace archscope::views
