// Mask grids side by side.
#include "app/views/mask_view.h"

#include <algorithm>

#include <imgui.h>

#include "app/views/plot.h"

namespace archscope::views {

namespace {

const std::vector<std::string>& query_labels(const Scene& s, const MaskPanel& p) {
  if (p.cross) return s.decoder_tokens;
  if (s.spec.family == Family::EncoderDecoder && p.title.rfind("encoder", 0) == 0) return s.tokens;
  return s.labels(s.spec.family == Family::EncoderDecoder && p.title.rfind("decoder", 0) == 0 ? Stack::Decoder
                                                                                                : s.focus.stack);
}

const std::vector<std::string>& key_labels(const Scene& s, const MaskPanel& p) {
  return p.cross ? s.tokens : query_labels(s, p);
}

int visible_pairs(const AttentionMask& m, int tq, int tk) {
  int n = 0;
  for (int q = 0; q < tq; ++q)
    for (int k = 0; k < tk; ++k) n += m.allows(q, k);
  return n;
}

// Is this panel the model's own mask (so the trace's record applies)?
bool own_panel(const Scene& s, const MaskPanel& p, int index) {
  if (p.cross) return true;
  if (s.spec.family == Family::EncoderDecoder) return index < 2;
  return index == 0 && p.mask == s.spec.mask;
}

}  // namespace

std::string describe_mask(const MaskSpec& m, bool cross) {
  if (cross) return "cross: every encoder token";
  switch (m.kind) {
    case MaskKind::Causal: return "causal";
    case MaskKind::Bidirectional: return "bidirectional";
    case MaskKind::Prefix: return "prefix of " + std::to_string(m.prefix_length);
    case MaskKind::SlidingWindow:
      return "sliding window " + std::to_string(m.window) + (m.window_counts_self ? "" : " (+ itself)");
    case MaskKind::Chunked: return "chunks of " + std::to_string(m.chunk_size);
  }
  return "?";
}

std::pair<int, int> panel_shape(const Scene& s, const MaskPanel& p) {
  return {static_cast<int>(query_labels(s, p).size()), static_cast<int>(key_labels(s, p).size())};
}

AttentionMask panel_mask(const Scene& s, const MaskPanel& p, int index) {
  if (s.trace && own_panel(s, p, index)) {
    const bool encoder_panel = s.spec.family == Family::EncoderDecoder ? index == 0
                                                                        : s.spec.family == Family::EncoderOnly;
    const StackTrace& st = encoder_panel ? s.trace->encoder : s.trace->decoder;
    const auto& list = p.cross ? st.cross_attention : st.self_attention;
    if (!list.empty()) {
      const int layer = std::clamp(s.focus.layer, 0, static_cast<int>(list.size()) - 1);
      return list[layer].mask;
    }
  }
  if (p.cross) return AttentionMask::cross_attention();
  return AttentionMask::from_spec(p.mask);
}

std::string mask_reason(const AttentionMask& m, int q, int kv) {
  if (!m.key_valid.empty() && kv < static_cast<int>(m.key_valid.size()) && !m.key_valid[kv])
    return "masked: the key is padding";
  if (m.cross) return "visible: cross-attention sees every encoder token";
  const bool ok = m.allows(q, kv);
  switch (m.kind) {
    case MaskKind::Bidirectional: return "visible: every token sees every token";
    case MaskKind::Causal: return ok ? "visible: the key is not after the query" : "masked: the key is in the future";
    case MaskKind::Prefix:
      if (kv < m.prefix_length) return "visible: the key is in the prefix, which everyone sees";
      return ok ? "visible: the key is not after the query" : "masked: the key is after the query and the prefix";
    case MaskKind::SlidingWindow:
      if (kv > q) return "masked: the key is in the future";
      return ok ? "visible: within the window of " + std::to_string(m.window)
                : "masked: " + std::to_string(q - kv) + " back, outside the window of " + std::to_string(m.window);
    case MaskKind::Chunked:
      if (kv > q) return "masked: the key is in the future";
      return ok ? "visible: same chunk of " + std::to_string(m.chunk_size) : "masked: the key is in an earlier chunk";
  }
  return ok ? "visible" : "masked";
}

void MaskView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  draw_title(c, th, area, title(), "which keys each query may see, on the same sentence");
  const int n = static_cast<int>(s.masks.size());
  if (n == 0 || s.tokens.empty()) {
    draw_notice(c, th, area, "No sentence yet", "type a sentence or token ids to see the masks");
    return;
  }
  area.take_bottom(th.small + th.pad * 2);  // room for the key under the grids
  float grids_bottom = area.min.y;

  const float gap = th.pad * 2;
  const float panel_w = (area.width() - gap * (n - 1)) / n;
  if (!ctx.pointer || !ctx.pointer->down) dragging_prefix_ = -1;
  for (int i = 0; i < n; ++i) {
    const MaskPanel& p = s.masks[i];
    Rect panel = Rect::from_size({area.min.x + i * (panel_w + gap), area.min.y}, {panel_w, area.height()});
    const AttentionMask mask = panel_mask(s, p, i);
    const auto [tq, tk] = panel_shape(s, p);
    const int visible = visible_pairs(mask, tq, tk);
    Rect head = panel.take_top(th.large + th.small + th.pad * 1.2f);
    text_at(c, head.min, Anchor::TopLeft, fit_text(c, p.title, th.strong(), panel_w), th.strong());
    TextStyle sub = th.label();
    std::string line = std::to_string(visible) + " of " + std::to_string(tq * tk) + " pairs visible";
    const std::string kind = describe_mask(p.mask, p.cross);
    if (p.title.find(kind) == std::string::npos) line = kind + " · " + line;
    text_at(c, {head.min.x, head.min.y + th.large + 4}, Anchor::TopLeft, fit_text(c, line, sub, panel_w), sub);

    GridLabels labels{&query_labels(s, p), &key_labels(s, p), "query", "key", true};
    const CellGrid g = layout_grid(c, th, panel, tq, tk, labels, true, th.small);
    const uint64_t key = hash_key({0x3a5c0ULL, static_cast<uint64_t>(mask.kind), static_cast<uint64_t>(mask.prefix_length),
                                   static_cast<uint64_t>(mask.window), static_cast<uint64_t>(mask.chunk_size),
                                   static_cast<uint64_t>(mask.cross), static_cast<uint64_t>(mask.window_counts_self),
                                   static_cast<uint64_t>(tq), static_cast<uint64_t>(tk), mask.key_valid.size()});
    // Visible cells in the accent colour whatever the colour map; masked cells hatched.
    draw_cells(c, th, g, key, [&](int q, int k) {
      CellValue v;
      v.masked = !mask.allows(q, k);
      v.own_colour = true;
      v.colour = th.accent;
      return v;
    });
    // Thin grid lines once cells are large enough to count.
    if (g.cell_w >= 10) {
      for (int k = 0; k <= tk; ++k)
        c.line({g.cells.min.x + k * g.cell_w, g.cells.min.y}, {g.cells.min.x + k * g.cell_w, g.cells.max.y},
               with_alpha(th.background, 0.9f), 1);
      for (int q = 0; q <= tq; ++q)
        c.line({g.cells.min.x, g.cells.min.y + q * g.cell_h}, {g.cells.max.x, g.cells.min.y + q * g.cell_h},
               with_alpha(th.background, 0.9f), 1);
    }
    c.stroke_rect(g.cells, th.text, 1);
    grids_bottom = std::max(grids_bottom, g.cells.max.y);

    // The selected token's row and column.
    const bool selected_here = s.selected_token >= 0 && !p.cross;
    if (selected_here && s.selected_token < tq) {
      const int t = s.selected_token;
      c.stroke_rect({g.cell(t, 0).min, g.cell(t, tk - 1).max}, th.highlight, 3);
    }

    // The prefix boundary: a handle between key p-1 and key p that can be dragged.
    if (p.mask.kind == MaskKind::Prefix && !p.cross) {
      const float x = g.cells.min.x + std::clamp(p.mask.prefix_length, 0, tk) * g.cell_w;
      Rect handle{{x - 6, g.cells.min.y - 4}, {x + 6, g.cells.max.y + 4}};
      c.line({x, g.cells.min.y - 4}, {x, g.cells.max.y + 4}, th.highlight, 4);
      c.fill_rect(Rect::from_size({x - 7, g.cells.max.y + 2}, {14, 14}), th.highlight, 3);
      ctx.hotspot("prefix:" + std::to_string(i), handle);
      if (ctx.clicked(handle)) dragging_prefix_ = i;
      if (ctx.hovering(handle) && dragging_prefix_ < 0)
        ctx.tooltip = {"prefix boundary", "drag to change the prefix length (" + std::to_string(p.mask.prefix_length) + ")"};
      if (dragging_prefix_ == i && ctx.pointer) {
        const int len = std::clamp(static_cast<int>(std::lround((ctx.pointer->pos.x - g.cells.min.x) / g.cell_w)), 0, tk);
        if (len != p.mask.prefix_length) {
          MaskPanel changed = p;
          changed.mask.prefix_length = len;
          changed.title = i == 0 && own_panel(s, p, i) ? p.title : "prefix LM";
          ctx.act().set_mask_panel(i, changed);
        }
        ctx.tooltip = {"prefix length " + std::to_string(len)};
      }
    }

    if (dragging_prefix_ < 0)
      if (auto cell = g.hit(ctx.pointer ? ctx.pointer->pos : Vec2(-1e6f))) {
        const auto [q, k] = *cell;
        c.stroke_rect(g.cell(q, k), th.highlight, 2);
        ctx.tooltip = {"query " + std::to_string(q) + " '" + query_labels(s, p)[q] + "' → key " + std::to_string(k) +
                           " '" + key_labels(s, p)[k] + "'",
                       mask_reason(mask, q, k)};
        if (ctx.pointer->clicked && !p.cross) ctx.act().select_token(s.focus.stack, q);
      }
  }
  draw_key(c, th, {area.min.x, grids_bottom + th.pad * 1.5f},
           {{th.accent, "may attend"}, {th.masked, "masked", true}, {th.highlight, "selected token", false, true}});
}

void MaskView::toolbar(const Scene& s, const Actions& actions, const Theme&) {
  static const char* kinds[] = {"causal", "bidirectional", "prefix", "sliding window", "chunked"};
  for (int i = 0; i < static_cast<int>(s.masks.size()); ++i) {
    const MaskPanel& p = s.masks[i];
    if (p.cross) continue;
    ImGui::PushID(i);
    if (i > 0) ImGui::SameLine(0, 24);
    MaskPanel changed = p;
    int kind = static_cast<int>(p.mask.kind);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    if (ImGui::Combo("##kind", &kind, kinds, 5)) {
      changed.mask.kind = static_cast<MaskKind>(kind);
      if (changed.mask.kind == MaskKind::Prefix && changed.mask.prefix_length <= 0) changed.mask.prefix_length = 4;
      if (changed.mask.kind == MaskKind::SlidingWindow && changed.mask.window <= 0) changed.mask.window = 4;
      if (changed.mask.kind == MaskKind::Chunked && changed.mask.chunk_size <= 0) changed.mask.chunk_size = 4;
      changed.title = kinds[kind];
      actions.set_mask_panel(i, changed);
    }
    const int tokens = std::max(1, panel_shape(s, p).second);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    if (p.mask.kind == MaskKind::SlidingWindow) {
      ImGui::SameLine();
      if (ImGui::SliderInt("window", &changed.mask.window, 1, std::max(tokens, 2))) actions.set_mask_panel(i, changed);
    } else if (p.mask.kind == MaskKind::Chunked) {
      ImGui::SameLine();
      if (ImGui::SliderInt("chunk", &changed.mask.chunk_size, 1, std::max(tokens, 2))) actions.set_mask_panel(i, changed);
    } else if (p.mask.kind == MaskKind::Prefix) {
      ImGui::SameLine();
      if (ImGui::SliderInt("prefix", &changed.mask.prefix_length, 0, tokens)) actions.set_mask_panel(i, changed);
    }
    ImGui::PopID();
  }
}

nlohmann::json MaskView::data(const Scene& s) const {
  nlohmann::json panels = nlohmann::json::array();
  for (int i = 0; i < static_cast<int>(s.masks.size()); ++i) {
    const MaskPanel& p = s.masks[i];
    const AttentionMask m = panel_mask(s, p, i);
    const auto [tq, tk] = panel_shape(s, p);
    std::vector<std::vector<int>> rows(tq, std::vector<int>(tk));
    for (int q = 0; q < tq; ++q)
      for (int k = 0; k < tk; ++k) rows[q][k] = m.allows(q, k);
    panels.push_back({{"title", p.title},
                      {"mask", describe_mask(p.mask, p.cross)},
                      {"queries", query_labels(s, p)},
                      {"keys", key_labels(s, p)},
                      {"visible_pairs", visible_pairs(m, tq, tk)},
                      {"allowed", rows}});
  }
  return {{"view", "mask"}, {"layer", s.focus.layer}, {"panels", panels}};
}

std::vector<std::vector<std::string>> MaskView::table(const Scene& s) const {
  std::vector<std::vector<std::string>> t{{"panel", "mask", "query", "query_token", "key", "key_token", "allowed"}};
  for (int i = 0; i < static_cast<int>(s.masks.size()); ++i) {
    const MaskPanel& p = s.masks[i];
    const AttentionMask m = panel_mask(s, p, i);
    const auto [tq, tk] = panel_shape(s, p);
    for (int q = 0; q < tq; ++q)
      for (int k = 0; k < tk; ++k)
        t.push_back({p.title, describe_mask(p.mask, p.cross), std::to_string(q), query_labels(s, p)[q],
                     std::to_string(k), key_labels(s, p)[k], m.allows(q, k) ? "1" : "0"});
  }
  return t;
}

}  // namespace archscope::views
