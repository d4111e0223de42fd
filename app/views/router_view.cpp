// Tokens x experts router grid, choices, groups and a token's path.
#include "app/views/router_view.h"

#include <algorithm>

#include <imgui.h>

#include "app/views/moe_common.h"
#include "app/views/plot.h"

namespace archscope::views {

namespace {

std::string stack_label(const Scene& s, Stack stack) {
  if (s.spec.family != Family::EncoderDecoder) return "";
  return stack == Stack::Encoder ? "encoder " : "decoder ";
}

// A cross over a cell: the dropped choice.
void cross_out(Canvas& c, const Rect& r, Colour colour, float thickness) {
  const Rect in = r.inset(std::min(r.width(), r.height()) * 0.18f);
  c.line(in.min, in.max, colour, thickness);
  c.line({in.min.x, in.max.y}, {in.max.x, in.min.y}, colour, thickness);
}

}  // namespace

void moe_layer_picker(const Scene& s, const Actions& actions) {
  const Stack stack = moe_stack(s);
  const auto& list = moe_records(s, stack);
  if (list.empty()) return;
  const MoeRecord* current = focused_moe(s);
  std::string preview = stack_label(s, stack) + "layer " + std::to_string(current->layer);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo("MoE layer", preview.c_str())) {
    for (const MoeRecord& m : list) {
      const bool selected = &m == current;
      if (ImGui::Selectable((stack_label(s, stack) + "layer " + std::to_string(m.layer)).c_str(), selected)) {
        Focus f = s.focus;
        f.stack = stack;
        f.layer = m.layer;
        f.cross = false;
        actions.set_focus(f);
      }
    }
    ImGui::EndCombo();
  }
}

void RouterView::toolbar(const Scene& s, const Actions& actions, const Theme&) { moe_layer_picker(s, actions); }

void RouterView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  const MoeRecord* rec = focused_moe(s);
  if (!rec) {
    draw_title(c, th, area, title());
    draw_notice(c, th, area, s.spec.is_moe() ? "Running…" : "This model has no experts",
                s.spec.is_moe() ? "" : "pick an MoE preset (mixtral, switch-base-8, deepseek-v3, qwen-moe) to see routing");
    return;
  }
  const Routing& r = rec->routing;
  const MoeSpec& moe = s.spec.moe;
  const Stack stack = moe_stack(s);
  draw_title(c, th, area, title(),
             stack_label(s, stack) + "layer " + std::to_string(rec->layer) + " · " + describe_router(moe) + " · " +
                 describe_capacity(moe, r));
  const auto& labels = s.labels(stack);
  const bool selected = s.selected_token >= 0 && s.selected_token < r.tokens && s.selected_stack == stack;

  Rect key_row = area.take_bottom(th.small + th.pad * 2);
  if (selected) draw_path(ctx, area.take_right(std::min(360.0f, area.width() * 0.3f)));
  Rect legend = area.take_right(colour_legend_width(th));
  area.take_right(th.pad);

  // Group bands above the expert columns.
  const int G = std::max(1, moe.groups), per_group = r.experts / G;
  const Rect band_row = G > 1 ? area.take_top(th.small + 10) : Rect{};
  std::vector<std::string> expert_labels;
  for (int e = 0; e < r.experts; ++e) expert_labels.push_back("E" + std::to_string(e));
  GridLabels grid_labels{&labels, &expert_labels, "token", "expert", true};
  const CellGrid g = layout_grid(c, th, area, r.tokens, r.experts, grid_labels, false, th.small);
  if (G > 1) {
    for (int grp = 0; grp < G; ++grp) {
      Rect band{{g.cell(0, grp * per_group).min.x, band_row.min.y},
                {g.cell(0, (grp + 1) * per_group - 1).max.x, band_row.max.y - 4}};
      c.fill_rect(band, with_alpha(th.accent, grp % 2 ? 0.25f : 0.5f), 3);
      if (band.width() > c.text_size("G00", th.label()).x)
        text_at(c, band.centre(), Anchor::Centre, "G" + std::to_string(grp), {th.small, th.text, Weight::Bold});
    }
  }
  // Which groups each token kept (group-limited routing): the others are hatched.
  auto group_kept = [&](int t, int e) {
    if (G <= 1 || r.groups.empty()) return true;
    const int per_token = static_cast<int>(r.groups.size()) / std::max(1, r.tokens);
    for (int i = 0; i < per_token; ++i)
      if (r.groups[t * per_token + i] == e / per_group) return true;
    return false;
  };
  const uint64_t key = hash_key({reinterpret_cast<uintptr_t>(&r), reinterpret_cast<uintptr_t>(s.trace.get()), 0x120});
  draw_cells(c, th, g, key, [&](int t, int e) {
    CellValue v{r.scores.row(t)[e]};
    v.masked = !group_kept(t, e);
    return v;
  });
  c.stroke_rect(g.cells, th.text, 1);
  if (G > 1)
    for (int grp = 1; grp < G; ++grp) {
      const float x = g.cell(0, grp * per_group).min.x;
      c.line({x, g.cells.min.y}, {x, g.cells.max.y}, th.text, 1.5f);
    }

  // The choices: outlined when kept, crossed out when the capacity cut dropped them.
  const bool room_for_weights = g.cell_w >= c.text_size(".00", th.label()).x + 4 && g.cell_h >= th.small;
  for (int t = 0; t < r.tokens; ++t)
    for (int k = 0; k < r.top_k; ++k) {
      const int i = r.at(t, k), e = r.expert[i];
      const Rect cell = g.cell(t, e);
      const float stroke = std::clamp(std::min(cell.width(), cell.height()) * 0.15f, 1.5f, 3.0f);
      if (r.kept[i]) {
        c.stroke_rect(cell.inset(-1), th.text, stroke);
        c.stroke_rect(cell.inset(stroke - 1), th.background, 1);
      } else {
        c.stroke_rect(cell.inset(-1), th.drop, stroke);
        cross_out(c, cell, th.drop, stroke);
      }
      if (room_for_weights && r.kept[i]) {
        const Colour bg = sample(th.heat, r.scores.row(t)[e]);
        text_at(c, cell.centre(), Anchor::Centre, fixed(r.weight[i], 2).substr(r.weight[i] < 1 ? 1 : 0),
                {th.small * 0.9f, contrasting_text(bg), Weight::Bold});
      }
    }
  if (selected)
    c.stroke_rect(Rect{g.cell(s.selected_token, 0).min, g.cell(s.selected_token, r.experts - 1).max}.inset(-3),
                  th.highlight, 3);
  draw_colour_legend(c, th, {{legend.min.x, g.cells.min.y - th.small - 8}, {legend.max.x, g.cells.max.y}},
                     moe.router == RouterFunction::Softmax ? "probability" : "score", 0, 1, false, false);
  std::vector<KeyItem> items{{th.text, "chosen (combine weight)", false, true}, {th.drop, "dropped by capacity", false, true}};
  if (G > 1) items.push_back({th.masked, "group not kept", true});
  draw_key(c, th, key_row.min + Vec2(0, th.pad), items);

  if (auto cell = g.hit(ctx.pointer ? ctx.pointer->pos : Vec2(-1e6f))) {
    const auto [t, e] = *cell;
    const int k = choice_rank(r, t, e);
    std::vector<std::string> tip{"token " + std::to_string(t) + " '" + labels[t] + "' → expert " + std::to_string(e),
                                 std::string(moe.router == RouterFunction::Softmax ? "probability " : "score ") +
                                     fixed(r.scores.row(t)[e], 4)};
    if (!group_kept(t, e)) tip.push_back("its group was not among the kept groups");
    if (k >= 0) {
      const int i = r.at(t, k);
      tip.push_back("choice " + std::to_string(k + 1) + " of " + std::to_string(r.top_k) + ", combine weight " +
                    fixed(r.weight[i], 4));
      tip.push_back(r.kept[i] ? "kept in slot " + std::to_string(r.slot[i]) + (r.capacity >= 0 ? " of " + std::to_string(r.capacity) : "")
                              : "dropped: expert " + std::to_string(e) + " was full");
    }
    ctx.tooltip = tip;
    if (ctx.pointer->clicked) ctx.act().select_token(stack, t);
  }
}

void RouterView::draw_path(ViewContext& ctx, Rect area) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  const Stack stack = moe_stack(s);
  const int t = s.selected_token;
  area.take_left(th.pad);
  c.fill_rect(area, th.panel, 4);
  area = area.inset(th.pad);
  const auto& labels = s.labels(stack);
  text_at(c, area.min, Anchor::TopLeft, fit_text(c, "'" + labels[t] + "' through the layers", th.strong(), area.width()),
          th.strong());
  float y = area.min.y + th.large + th.pad;
  TextStyle body = th.body();
  for (const MoeRecord& m : moe_records(s, stack)) {
    if (y > area.max.y - th.normal) break;
    const Routing& r = m.routing;
    if (t >= r.tokens) continue;
    text_at(c, {area.min.x, y}, Anchor::TopLeft, "layer " + std::to_string(m.layer), {th.normal, th.muted, Weight::Bold});
    y += th.normal * 1.4f;
    for (int k = 0; k < r.top_k && y < area.max.y - th.normal; ++k) {
      const int i = r.at(t, k), e = r.expert[i];
      Rect chip = Rect::from_size({area.min.x + 8, y + 2}, {th.normal, th.normal});
      c.fill_rect(chip, expert_colour(e), 3);
      std::string line = "E" + std::to_string(e) + "  weight " + fixed(r.weight[i], 3);
      if (!r.kept[i]) {
        line += "  dropped";
        cross_out(c, chip, th.drop, 2);
      }
      text_at(c, {chip.max.x + 8, chip.centre().y}, Anchor::Left, line,
              r.kept[i] ? body : TextStyle{th.normal, th.drop, Weight::Bold});
      y += th.normal * 1.35f;
    }
    y += th.pad * 0.5f;
  }
}

nlohmann::json RouterView::data(const Scene& s) const {
  const MoeRecord* rec = focused_moe(s);
  if (!rec) return {{"view", "router"}, {"moe", false}};
  const Routing& r = rec->routing;
  nlohmann::json choices = nlohmann::json::array();
  std::vector<std::vector<float>> scores(r.tokens, std::vector<float>(r.experts));
  for (int t = 0; t < r.tokens; ++t) {
    for (int e = 0; e < r.experts; ++e) scores[t][e] = r.scores.row(t)[e];
    nlohmann::json row = nlohmann::json::array();
    for (int k = 0; k < r.top_k; ++k) {
      const int i = r.at(t, k);
      row.push_back({{"expert", r.expert[i]}, {"weight", r.weight[i]}, {"kept", r.kept[i] != 0}, {"slot", r.slot[i]}});
    }
    choices.push_back(row);
  }
  const Stack stack = moe_stack(s);
  return {{"view", "router"},
          {"stack", stack == Stack::Encoder ? "encoder" : "decoder"},
          {"layer", rec->layer},
          {"router", describe_router(s.spec.moe)},
          {"capacity", r.capacity},
          {"tokens", s.labels(stack)},
          {"scores", scores},
          {"choices", choices},
          {"kept_groups", r.groups}};
}

std::vector<std::vector<std::string>> RouterView::table(const Scene& s) const {
  std::vector<std::vector<std::string>> t{{"layer", "token", "token_text", "expert", "score", "rank", "weight", "kept", "slot"}};
  const Stack stack = moe_stack(s);
  const auto& labels = s.labels(stack);
  for (const MoeRecord& m : moe_records(s, stack)) {
    const Routing& r = m.routing;
    for (int tok = 0; tok < r.tokens; ++tok)
      for (int e = 0; e < r.experts; ++e) {
        const int k = choice_rank(r, tok, e);
        const int i = k >= 0 ? r.at(tok, k) : -1;
        t.push_back({std::to_string(m.layer), std::to_string(tok), labels[tok], std::to_string(e), fixed(r.scores.row(tok)[e], 6),
                     k >= 0 ? std::to_string(k + 1) : "", k >= 0 ? fixed(r.weight[i], 6) : "",
                     k >= 0 ? (r.kept[i] ? "1" : "0") : "", k >= 0 ? std::to_string(r.slot[i]) : ""});
      }
  }
  return t;
}

}  // namespace archscope::views
