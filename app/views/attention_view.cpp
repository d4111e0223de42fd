// Layers x heads small multiples and the enlarged focused head.
#include "app/views/attention_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <imgui.h>

#include "app/views/mask_view.h"
#include "app/views/plot.h"

namespace archscope::views {

namespace {

std::string stack_name(const Scene& s, Stack stack, bool cross) {
  if (cross) return "cross-attention";
  if (s.spec.family != Family::EncoderDecoder) return "self-attention";
  return stack == Stack::Encoder ? "encoder self-attention" : "decoder self-attention";
}

// Head h's probability at (q, k) when its full map was kept; NaN otherwise.
float probability(const AttentionRecord& rec, int h, int q, int k) {
  const float* map = rec.map(h);
  return map ? map[static_cast<int64_t>(q) * rec.tk + k] : std::nanf("");
}

// Is every cell of a pool x pool block masked? Computed once per mask and size.
class BlockMasks {
 public:
  const std::vector<uint8_t>& get(const AttentionRecord& rec) {
    const int rows = (rec.tq + rec.pool - 1) / rec.pool, cols = (rec.tk + rec.pool - 1) / rec.pool;
    const std::string key = std::to_string(static_cast<int>(rec.mask.kind)) + "/" + std::to_string(rec.mask.prefix_length) +
                            "/" + std::to_string(rec.mask.window) + "/" + std::to_string(rec.mask.chunk_size) + "/" +
                            std::to_string(rec.mask.cross) + "/" + std::to_string(rec.mask.key_valid.size()) + "/" +
                            std::to_string(rec.tq) + "x" + std::to_string(rec.tk) + "/" + std::to_string(rec.pool);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    std::vector<uint8_t> masked(static_cast<size_t>(rows) * cols, 1);
    for (int q = 0; q < rec.tq; ++q)
      for (int k = 0; k < rec.tk; ++k)
        if (rec.mask.allows(q, k)) masked[static_cast<size_t>(q / rec.pool) * cols + k / rec.pool] = 0;
    if (cache_.size() > 16) cache_.clear();
    return cache_[key] = std::move(masked);
  }

 private:
  std::map<std::string, std::vector<uint8_t>> cache_;
};

BlockMasks& block_masks() {
  static BlockMasks masks;  // the views all draw on the UI thread
  return masks;
}

// Up to 6 significant digits, in scientific notation below 1e-3.
std::string exact(float p) {
  char buf[32];
  if (p != 0 && std::fabs(p) < 1e-3f) std::snprintf(buf, sizeof buf, "%.4e", p);
  else std::snprintf(buf, sizeof buf, "%.6f", p);
  return buf;
}

int kv_group(const ModelSpec& s, int head) {
  if (s.attention == AttentionKind::MLA || s.kv_heads <= 0) return head;
  return head / std::max(1, s.heads / s.kv_heads);
}

}  // namespace

const std::vector<AttentionRecord>* attention_records(const Scene& s, Stack stack, bool cross) {
  if (!s.trace) return nullptr;
  const StackTrace& st = stack == Stack::Encoder ? s.trace->encoder : s.trace->decoder;
  const auto& list = cross ? st.cross_attention : st.self_attention;
  return list.empty() ? nullptr : &list;
}

std::string kv_sharing(const ModelSpec& s) {
  const int H = s.heads, KV = s.kv_heads;
  switch (s.attention) {
    case AttentionKind::MHA: return "MHA: each of the " + std::to_string(H) + " heads has its own keys and values";
    case AttentionKind::MQA: return "MQA: all " + std::to_string(H) + " query heads share one key/value head";
    case AttentionKind::GQA:
      return "GQA: " + std::to_string(H) + " query heads share " + std::to_string(KV) + " key/value heads (" +
             std::to_string(H / std::max(KV, 1)) + " per group)";
    case AttentionKind::MLA:
      return "MLA: keys and values of all " + std::to_string(H) + " heads come from one latent of rank " +
             std::to_string(s.mla.kv_lora_rank);
  }
  return "";
}

void AttentionView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  Rect area = ctx.area;
  const Focus& f = s.focus;
  draw_title(ctx.canvas, ctx.theme, area, title(),
             stack_name(s, f.stack, f.cross) + " · layer " + std::to_string(f.layer) + " · head " +
                 std::to_string(f.head) + " · " + kv_sharing(s.spec));
  if (!attention_records(s, f.stack, f.cross)) {
    draw_notice(ctx.canvas, ctx.theme, area, s.running ? "Running…" : "No attention recorded",
                s.trace ? "this stack has no such attention" : "the model has not run yet");
    return;
  }
  const float grid_w = std::min(area.width() * 0.42f, area.height() * 1.1f);
  Rect grid = area.take_left(grid_w);
  area.take_left(ctx.theme.pad * 2);
  draw_grid(ctx, grid);
  draw_focus(ctx, area);
}

void AttentionView::draw_grid(ViewContext& ctx, Rect area) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  const auto& records = *attention_records(s, s.focus.stack, s.focus.cross);
  const int L = static_cast<int>(records.size()), H = records.front().heads;
  TextStyle label = th.label();
  const float label_w = c.text_size("L00", label).x + 8;
  const float group_h = th.small + 10;
  Rect cells{{area.min.x + label_w, area.min.y + group_h + th.small + 6}, area.max};
  const float gap = 3;
  const float size = std::max(4.0f, std::min((cells.width() + gap) / H, (cells.height() + gap) / L) - gap);

  // Query heads that share one KV head: a band over their columns, tinted alternately.
  const int groups = s.spec.attention == AttentionKind::MLA ? H : std::max(1, s.spec.kv_heads);
  const int per_group = std::max(1, H / groups);
  for (int g = 0; g < groups && per_group > 1; ++g) {
    const float x0 = cells.min.x + g * per_group * (size + gap), x1 = x0 + per_group * (size + gap) - gap;
    Rect band{{x0, area.min.y}, {x1, area.min.y + group_h - 4}};
    c.fill_rect(band, g % 2 ? with_alpha(th.accent, 0.25f) : with_alpha(th.accent, 0.55f), 3);
    text_at(c, band.centre(), Anchor::Centre, fit_text(c, "KV " + std::to_string(g), label, band.width()),
            {th.small, th.text, Weight::Bold});
    c.fill_rect({{x0, cells.min.y - 3}, {x1, cells.min.y + L * (size + gap)}}, with_alpha(th.accent, g % 2 ? 0.06f : 0.12f));
  }
  for (int h = 0; h < H; ++h) {
    const float x = cells.min.x + h * (size + gap) + size / 2;
    if (size >= c.text_size("00", label).x || h % 2 == 0)
      text_at(c, {x, cells.min.y - 4}, Anchor::Bottom, std::to_string(h), label);
  }
  // How to read the grid, under it, when there is room.
  const float guide_y = cells.min.y + L * (size + gap) + th.pad * 2;
  if (area.max.y - guide_y > 4 * th.normal) {
    TextStyle body = th.body();
    body.colour = th.muted;
    const std::string lines[] = {
        "Each small map is one head of one layer:", "rows are queries, columns are keys.",
        per_group > 1 ? "Heads under one KV band share keys and values." : "Click a map to enlarge it on the right."};
    float y = guide_y;
    for (const std::string& line : lines) {
      c.text({area.min.x, y}, fit_text(c, line, body, area.width()), body);
      y += th.normal * 1.35f;
    }
  }
  for (int l = 0; l < L; ++l) {
    const float y = cells.min.y + l * (size + gap);
    text_at(c, {cells.min.x - 6, y + size / 2}, Anchor::Right, "L" + std::to_string(l), label);
    const AttentionRecord& rec = records[l];
    for (int h = 0; h < H; ++h) {
      Rect r = Rect::from_size({cells.min.x + h * (size + gap), y}, {size, size});
      const uint64_t key = hash_key({reinterpret_cast<uintptr_t>(s.trace.get()), static_cast<uint64_t>(s.focus.stack),
                                     static_cast<uint64_t>(s.focus.cross), static_cast<uint64_t>(l),
                                     static_cast<uint64_t>(h), sqrt_scale_, 0x7ab});
      if (rec.map(h)) {
        CellGrid g{r, rec.tq, rec.tk, size / rec.tk, size / rec.tq};
        draw_cells(c, th, g, key, [&](int q, int k) {
          if (!rec.mask.allows(q, k)) return CellValue{0, true};
          const float p = probability(rec, h, q, k);
          return CellValue{sqrt_scale_ ? std::sqrt(p) : p};
        });
      } else if (rec.pool > 0 && !rec.thumbnail.empty()) {
        // A reduced map: each cell is the largest probability of its pool x pool block.
        const int rows = rec.thumbnail.dim(1), cols = rec.thumbnail.dim(2);
        const std::vector<uint8_t>& masked = block_masks().get(rec);
        CellGrid g{r, rows, cols, size / cols, size / rows};
        draw_cells(c, th, g, key, [&](int q, int k) {
          if (masked[static_cast<size_t>(q) * cols + k]) return CellValue{0, true};
          const float p = rec.thumbnail.data[(static_cast<int64_t>(h) * rows + q) * cols + k];
          return CellValue{sqrt_scale_ ? std::sqrt(p) : p};
        });
      } else {
        c.fill_rect(r, th.panel);
      }
      ctx.hotspot("head:" + std::to_string(l) + ":" + std::to_string(h), r);
      const bool focused = l == s.focus.layer && h == s.focus.head;
      if (focused) c.stroke_rect(r.inset(-3), th.highlight, 3);
      if (ctx.hovering(r)) {
        c.stroke_rect(r.inset(-2), th.accent, 2);
        ctx.tooltip = {"layer " + std::to_string(l) + " · head " + std::to_string(h),
                       per_group > 1 ? "shares KV head " + std::to_string(kv_group(s.spec, h)) : "its own keys and values",
                       rec.map(h) ? "click to enlarge"
                                  : "reduced: each cell is the max of a " + std::to_string(rec.pool) + " × " +
                                        std::to_string(rec.pool) + " block; click to enlarge"};
        if (ctx.pointer->clicked) {
          Focus f = s.focus;
          f.layer = l;
          f.head = h;
          ctx.act().set_focus(f);
        }
      }
    }
  }
}

void AttentionView::draw_focus(ViewContext& ctx, Rect area) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  const auto& records = *attention_records(s, s.focus.stack, s.focus.cross);
  const AttentionRecord& rec = records[std::min<size_t>(s.focus.layer, records.size() - 1)];
  const int h = std::min(s.focus.head, rec.heads - 1), tq = rec.tq, tk = rec.tk;
  const auto& q_labels = s.focus.cross ? s.decoder_tokens : s.labels(s.focus.stack);
  const auto& k_labels = s.focus.cross ? s.tokens : s.labels(s.focus.stack);
  if (!rec.map(h)) {
    draw_notice(c, th, area, "Fetching layer " + std::to_string(rec.layer) + ", head " + std::to_string(h),
                "this map was kept only as a thumbnail; the run that keeps it whole is under way");
    return;
  }

  Rect legend = area.take_right(colour_legend_width(th));
  GridLabels labels{&q_labels, &k_labels, "query", "key", true};
  const CellGrid g = layout_grid(c, th, area, tq, tk, labels, true, th.small);
  const uint64_t key = hash_key({reinterpret_cast<uintptr_t>(s.trace.get()), static_cast<uint64_t>(s.focus.stack),
                                 static_cast<uint64_t>(s.focus.cross), static_cast<uint64_t>(s.focus.layer),
                                 static_cast<uint64_t>(h), sqrt_scale_, 0xf0c});
  bool any_masked = false;
  draw_cells(c, th, g, key, [&](int q, int k) {
    if (!rec.mask.allows(q, k)) {
      any_masked = true;
      return CellValue{0, true};
    }
    const float p = probability(rec, h, q, k);
    return CellValue{sqrt_scale_ ? std::sqrt(p) : p};
  });
  for (int q = 0; q < tq && !any_masked; ++q)
    for (int k = 0; k < tk; ++k) any_masked = any_masked || !rec.mask.allows(q, k);
  c.stroke_rect(g.cells, th.text, 1);
  // Probabilities written in the cells when they are large enough to read.
  if (g.cell_w >= c.text_size("0.00", th.label()).x + 4 && g.cell_h >= th.small + 2)
    for (int q = 0; q < tq; ++q)
      for (int k = 0; k < tk; ++k)
        if (rec.mask.allows(q, k)) {
          const float p = probability(rec, h, q, k);
          const float t = sqrt_scale_ ? std::sqrt(p) : p;
          text_at(c, g.cell(q, k).centre(), Anchor::Centre, p >= 0.995f ? "1" : fixed(p, 2).substr(1),
                  {th.small * 0.9f, contrasting_text(sample(th.heat, t)), Weight::Regular});
        }
  if (s.selected_token >= 0 && s.selected_token < tq && !s.focus.cross)
    c.stroke_rect({g.cell(s.selected_token, 0).min, g.cell(s.selected_token, tk - 1).max}, th.highlight, 3);
  const float swatch = any_masked ? 2 * th.small + 14 : 0;
  Rect legend_area{{legend.min.x, g.cells.min.y - th.small - 8}, {legend.max.x, g.cells.max.y + swatch}};
  draw_colour_legend(c, th, legend_area, sqrt_scale_ ? "probability (√)" : "probability", 0, 1, sqrt_scale_,
                     any_masked);

  if (auto cell = g.hit(ctx.pointer ? ctx.pointer->pos : Vec2(-1e6f))) {
    const auto [q, k] = *cell;
    c.stroke_rect(g.cell(q, k), th.highlight, 2);
    std::vector<std::string> tip{"query " + std::to_string(q) + " '" + q_labels[q] + "' → key " + std::to_string(k) +
                                 " '" + k_labels[k] + "'"};
    if (!rec.mask.allows(q, k)) {
      tip.push_back(mask_reason(rec.mask, q, k));
      tip.push_back("probability exactly 0");
    } else {
      const float p = probability(rec, h, q, k);
      tip.push_back("probability " + exact(p) + (p < 1e-3f ? "  (visible, but near zero)" : ""));
    }
    ctx.tooltip = tip;
    if (ctx.pointer->clicked && !s.focus.cross) ctx.act().select_token(s.focus.stack, q);
  }
}

void AttentionView::toolbar(const Scene& s, const Actions& actions, const Theme&) {
  Focus f = s.focus;
  bool changed = false;
  if (s.spec.family == Family::EncoderDecoder) {
    static const char* stacks[] = {"encoder self-attention", "decoder self-attention", "decoder cross-attention"};
    int which = f.stack == Stack::Encoder ? 0 : f.cross ? 2 : 1;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::Combo("##stack", &which, stacks, 3)) {
      f.stack = which == 0 ? Stack::Encoder : Stack::Decoder;
      f.cross = which == 2;
      changed = true;
    }
    ImGui::SameLine(0, 24);
  }
  ImGui::Checkbox("√ scale (show faint attention)", &sqrt_scale_);
  if (changed) actions.set_focus(f);
}

nlohmann::json AttentionView::data(const Scene& s) const {
  nlohmann::json out{{"view", "attention"},
                     {"stack", s.focus.stack == Stack::Encoder ? "encoder" : "decoder"},
                     {"cross", s.focus.cross},
                     {"layer", s.focus.layer},
                     {"head", s.focus.head},
                     {"kv_sharing", kv_sharing(s.spec)}};
  const auto* records = attention_records(s, s.focus.stack, s.focus.cross);
  if (!records) return out;
  const AttentionRecord& rec = (*records)[std::min<size_t>(s.focus.layer, records->size() - 1)];
  const int h = std::min(s.focus.head, rec.heads - 1), tq = rec.tq, tk = rec.tk;
  out["left_out"] = s.trace->left_out;
  if (!rec.map(h)) return out;
  std::vector<std::vector<float>> p(tq, std::vector<float>(tk));
  std::vector<std::vector<int>> allowed(tq, std::vector<int>(tk));
  for (int q = 0; q < tq; ++q)
    for (int k = 0; k < tk; ++k) {
      p[q][k] = probability(rec, h, q, k);
      allowed[q][k] = rec.mask.allows(q, k);
    }
  out["queries"] = s.focus.cross ? s.decoder_tokens : s.labels(s.focus.stack);
  out["keys"] = s.focus.cross ? s.tokens : s.labels(s.focus.stack);
  out["probabilities"] = p;
  out["allowed"] = allowed;
  return out;
}

std::vector<std::vector<std::string>> AttentionView::table(const Scene& s) const {
  // pool: 1 for a full map; n for a reduced one, whose row holds the max of an n x n block.
  std::vector<std::vector<std::string>> t{{"layer", "head", "query", "query_token", "key", "key_token", "allowed",
                                           "probability", "pool"}};
  const auto* records = attention_records(s, s.focus.stack, s.focus.cross);
  if (!records) return t;
  const auto& q_labels = s.focus.cross ? s.decoder_tokens : s.labels(s.focus.stack);
  const auto& k_labels = s.focus.cross ? s.tokens : s.labels(s.focus.stack);
  // Every map the run kept at full size; reduced maps as their blocks, with the block size.
  for (const AttentionRecord& rec : *records)
    for (int h = 0; h < rec.heads; ++h) {
      if (rec.map(h)) {
        for (int q = 0; q < rec.tq; ++q)
          for (int k = 0; k < rec.tk; ++k)
            t.push_back({std::to_string(rec.layer), std::to_string(h), std::to_string(q), q_labels[q], std::to_string(k),
                         k_labels[k], rec.mask.allows(q, k) ? "1" : "0", exact(probability(rec, h, q, k)), "1"});
      } else if (rec.pool > 0 && !rec.thumbnail.empty()) {
        const int rows = rec.thumbnail.dim(1), cols = rec.thumbnail.dim(2);
        for (int q = 0; q < rows; ++q)
          for (int k = 0; k < cols; ++k)
            t.push_back({std::to_string(rec.layer), std::to_string(h), std::to_string(q * rec.pool), "",
                         std::to_string(k * rec.pool), "", "",
                         exact(rec.thumbnail.data[(static_cast<int64_t>(h) * rows + q) * cols + k]),
                         std::to_string(rec.pool)});
      }
    }
  return t;
}

}  // namespace archscope::views
