// Drawing the diagram's sublayers.
#include "app/views/architecture_parts.h"

#include <algorithm>
#include <cmath>

#include <glm/geometric.hpp>

#include "app/views/colour_maps.h"
#include "app/views/plot.h"

namespace archscope::views::diagram {

Palette palette(const Theme& th) {
  (void)th;
  return {rgb(0xFDE8C8), rgb(0xE8E8E8), rgb(0xD6E9F8), rgb(0xD8F0E3), rgb(0xD8F0E3), rgb(0xF3D9E9), rgb(0xFFF3B0)};
}

void box(Canvas& c, const Theme& th, const Rect& r, Colour fill, const std::string& title, const std::string& detail) {
  c.fill_rect(r, fill, 6);
  c.stroke_rect(r, th.text, th.line, 6);
  const TextStyle head{th.normal, th.text, Weight::Bold};
  if (detail.empty()) {
    text_at(c, r.centre(), Anchor::Centre, fit_text(c, title, head, r.width() - 12), head);
    return;
  }
  TextStyle small = th.label();
  small.colour = th.text;
  const float total = th.normal + th.small + 4;
  const float top = r.centre().y - total / 2;
  text_at(c, {r.centre().x, top}, Anchor::Top, fit_text(c, title, head, r.width() - 12), head);
  text_at(c, {r.centre().x, top + th.normal + 4}, Anchor::Top, fit_text(c, detail, small, r.width() - 12), small);
}

void arrow(Canvas& c, const Theme& th, Vec2 from, Vec2 to, Colour colour, float thickness) {
  const Vec2 d = to - from;
  const float len = glm::length(d);
  if (len < 1) return;
  const Vec2 u = d / len, n{-u.y, u.x};
  const float head = 6 + thickness * 2;
  c.line(from, to - u * head * 0.8f, colour, thickness);
  const Vec2 tri[3] = {to, to - u * head + n * head * 0.5f, to - u * head - n * head * 0.5f};
  c.fill_convex(tri, colour);
  (void)th;
}

void plus(Canvas& c, const Theme& th, Vec2 centre, float radius) {
  c.fill_circle(centre, radius, th.background);
  c.stroke_circle(centre, radius, th.text, th.line);
  c.line(centre - Vec2(radius * 0.6f, 0), centre + Vec2(radius * 0.6f, 0), th.text, th.line);
  c.line(centre - Vec2(0, radius * 0.6f), centre + Vec2(0, radius * 0.6f), th.text, th.line);
}

float attention_height(const Theme& th, const ModelSpec&) { return th.normal * 2 + th.small * 5 + 50; }

float ffn_height(const Theme& th, const ModelSpec&, bool moe) {
  return moe ? th.normal * 2 + th.small * 6 + 56 : th.normal + th.small + 24;
}

namespace {

std::string mask_words(const ModelSpec& s) {
  switch (s.mask.kind) {
    case MaskKind::Causal: return "causal";
    case MaskKind::Bidirectional: return "bidirectional";
    case MaskKind::Prefix: return "prefix-LM";
    case MaskKind::SlidingWindow: return "sliding-window (" + std::to_string(s.mask.window) + ")";
    case MaskKind::Chunked: return "chunked (" + std::to_string(s.mask.chunk_size) + ")";
  }
  return "";
}

std::string ffn_words(FfnKind f) {
  switch (f) {
    case FfnKind::GeluExact: return "GELU";
    case FfnKind::GeluTanh: return "GELU (tanh)";
    case FfnKind::Relu: return "ReLU";
    case FfnKind::SwiGLU: return "SwiGLU";
    case FfnKind::GatedGelu: return "gated GELU";
  }
  return "";
}

// Up to `most` squares in a row centred in `r`, spaced evenly; their centres.
std::vector<float> row_of(const Rect& r, int n, int most, float size) {
  const int shown = std::min(n, most);
  const float gap = std::max(2.0f, std::min(size * 0.6f, (r.width() - shown * size) / std::max(shown + 1, 1)));
  const float total = shown * size + (shown - 1) * gap;
  std::vector<float> xs;
  for (int i = 0; i < shown; ++i) xs.push_back(r.centre().x - total / 2 + size / 2 + i * (size + gap));
  return xs;
}

}  // namespace

void attention(Canvas& c, const Theme& th, const Rect& r, const ModelSpec& s, const std::string& title, bool cross) {
  const Palette pal = palette(th);
  c.fill_rect(r, pal.attention, 6);
  c.stroke_rect(r, th.text, th.line, 6);
  const TextStyle head{th.normal, th.text, Weight::Bold};
  const std::string kind = to_string(s.attention);
  text_at(c, {r.centre().x, r.min.y + 6}, Anchor::Top, fit_text(c, title + " · " + kind, head, r.width() - 12), head);
  TextStyle small = th.label();
  small.colour = th.text;

  const int H = s.heads, most = 24;
  const float sq = std::clamp(r.width() / (std::min(H, most) * 1.7f + 2), 6.0f, th.normal * 1.1f);
  Rect heads_row{{r.min.x + 8, r.min.y + th.normal + 16}, {r.max.x - 8, r.min.y + th.normal + 16 + sq}};
  const std::vector<float> qx = row_of(heads_row, H, most, sq);
  const float lower_y = heads_row.max.y + th.small * 2.4f;
  const Colour q_colour = rgb(0x0072B2), kv_colour = rgb(0xD55E00);
  std::vector<Vec2> q_bottom;
  for (size_t i = 0; i < qx.size(); ++i) {
    c.fill_rect(Rect::from_size({qx[i] - sq / 2, heads_row.min.y}, {sq, sq}), q_colour, 2);
    q_bottom.push_back({qx[i], heads_row.max.y});
  }
  if (H > most) text_at(c, {qx.back() + sq, heads_row.centre().y}, Anchor::Left, "…", head);

  if (s.attention == AttentionKind::MLA) {
    // One latent feeds the keys and values of every head; a shared RoPE key beside it.
    const std::string name = "latent c_kv · rank " + std::to_string(s.mla.kv_lora_rank);
    const TextStyle on_latent{th.small, rgb(0xFFFFFF), Weight::Bold};
    const float w = std::min(r.width() - 16, std::max(qx.back() - qx.front() + sq, c.text_size(name, on_latent).x + 16));
    Rect latent{{r.centre().x - w / 2, lower_y}, {r.centre().x + w / 2, lower_y + sq * 1.3f}};
    for (const Vec2& b : q_bottom) c.line(b, {b.x, latent.min.y}, with_alpha(th.text, 0.35f), 1);
    c.fill_rect(latent, kv_colour, 3);
    text_at(c, latent.centre(), Anchor::Centre, fit_text(c, name, on_latent, w - 8), on_latent);
    text_at(c, {r.centre().x, latent.max.y + 6}, Anchor::Top,
            fit_text(c,
                     "K, V of every head from one latent · RoPE key " + std::to_string(s.mla.qk_rope_head_dim) +
                         " shared" + (s.mla.q_lora_rank ? " · Q via rank " + std::to_string(s.mla.q_lora_rank) : ""),
                     small, r.width() - 12),
            small);
  } else {
    const int KV = std::max(1, s.kv_heads);
    const int per = std::max(1, H / KV);
    Rect kv_row{{heads_row.min.x, lower_y}, {heads_row.max.x, lower_y + sq}};
    // Each KV head sits under the middle of its group of query heads.
    for (int g = 0; g < KV; ++g) {
      const int first = g * per, last = std::min(H, (g + 1) * per) - 1;
      if (first >= static_cast<int>(qx.size())) break;
      const float x = (qx[first] + qx[std::min<int>(last, static_cast<int>(qx.size()) - 1)]) / 2;
      Rect k = Rect::from_size({x - sq / 2, kv_row.min.y}, {sq, sq});
      for (int h = first; h <= last && h < static_cast<int>(qx.size()); ++h)
        c.line(q_bottom[h], {x, kv_row.min.y}, with_alpha(th.text, 0.55f), 1.2f);
      c.fill_rect(k, kv_colour, 2);
    }
    text_at(c, {r.centre().x, kv_row.max.y + 6}, Anchor::Top,
            fit_text(c,
                     std::to_string(H) + " query heads → " + std::to_string(KV) + " key/value head" +
                         (KV > 1 ? "s" : "") + " · head width " + std::to_string(s.head_dim),
                     small, r.width() - 12),
            small);
  }
  std::string pos;
  if (s.position == PositionKind::Rope) pos = "RoPE θ " + fixed(s.rope.theta, 0);
  if (s.position == PositionKind::T5Relative) pos = "relative position bias (" + std::to_string(s.buckets.num_buckets) + " buckets)";
  const std::string line = cross ? "queries from the decoder, keys and values from the encoder's output"
                                 : mask_words(s) + " mask" + (pos.empty() ? "" : " · " + pos);
  text_at(c, {r.centre().x, r.max.y - 6}, Anchor::Bottom, fit_text(c, line, small, r.width() - 12), small);
}

void feed_forward(Canvas& c, const Theme& th, const Rect& r, const ModelSpec& s, bool moe) {
  const Palette pal = palette(th);
  TextStyle small = th.label();
  small.colour = th.text;
  if (!moe) {
    box(c, th, r, pal.ffn, ffn_words(s.ffn) + " feed-forward",
        std::to_string(s.d_model) + " → " + std::to_string(s.d_ff) + " → " + std::to_string(s.d_model));
    return;
  }
  const MoeSpec& m = s.moe;
  c.fill_rect(r, pal.moe, 6);
  c.stroke_rect(r, th.text, th.line, 6);
  const TextStyle head{th.normal, th.text, Weight::Bold};
  text_at(c, {r.centre().x, r.min.y + 6}, Anchor::Top,
          fit_text(c, "Mixture of experts · " + ffn_words(s.ffn) + " experts", head, r.width() - 12), head);
  // Router.
  const float ry = r.min.y + th.normal + 14;
  const std::string router = std::string(m.router == RouterFunction::Softmax ? "softmax" : "sigmoid") +
                             (m.correction_bias ? " + bias" : "") + " router · top-" + std::to_string(m.top_k);
  const float rw = std::min(r.width() * 0.6f, c.text_size(router, small).x + 24);
  Rect router_box = Rect::from_size({r.centre().x - rw / 2, ry}, {rw, th.small + 10});
  c.fill_rect(router_box, th.background, 4);
  c.stroke_rect(router_box, th.text, 1.2f, 4);
  text_at(c, router_box.centre(), Anchor::Centre, fit_text(c, router, small, rw - 8), small);

  // Routed experts, bracketed into groups; shared experts apart, on the left.
  const int E = m.experts, most = 24;
  const int shared = m.shared_experts > 0 ? m.shared_experts : (m.shared_intermediate > 0 ? 1 : 0);
  Rect row{{r.min.x + 10, router_box.max.y + th.small * 2.2f}, {r.max.x - 10, 0}};
  const float shared_w = shared ? std::min(r.width() * 0.2f, 90.0f) : 0;
  Rect routed = row;
  routed.min.x += shared_w + (shared ? 12 : 0);
  const float sq = std::clamp(routed.width() / (std::min(E, most) * 1.5f + 1), 5.0f, th.normal * 1.1f);
  row.max.y = row.min.y + sq;
  routed.max.y = row.max.y;
  const std::vector<float> xs = row_of(routed, E, most, sq);
  for (size_t i = 0; i < xs.size(); ++i) {
    c.fill_rect(Rect::from_size({xs[i] - sq / 2, row.min.y}, {sq, sq}), expert_colour(static_cast<int>(i)), 2);
    if (i < static_cast<size_t>(m.top_k))
      arrow(c, th, {router_box.centre().x, router_box.max.y}, {xs[i], row.min.y - 2}, th.text, 1.2f);
  }
  if (E > most) text_at(c, {xs.back() + sq, row.centre().y}, Anchor::Left, "…", head);
  if (m.groups > 1) {
    const int per = E / m.groups;
    for (int g = 0; g < m.groups; ++g) {
      const int a = g * per, b = std::min((g + 1) * per, static_cast<int>(xs.size())) - 1;
      if (a >= static_cast<int>(xs.size())) break;
      const float y = row.max.y + 4;
      c.line({xs[a] - sq / 2, y}, {xs[b] + sq / 2, y}, th.text, 1.5f);
      c.line({xs[a] - sq / 2, y}, {xs[a] - sq / 2, y - 3}, th.text, 1.5f);
      c.line({xs[b] + sq / 2, y}, {xs[b] + sq / 2, y - 3}, th.text, 1.5f);
    }
  }
  if (shared) {
    Rect sh{{row.min.x, row.min.y - 4}, {row.min.x + shared_w, row.max.y + 4}};
    c.fill_rect(sh, pal.shared, 4);
    c.stroke_rect(sh, th.text, 1.2f, 4);
    text_at(c, sh.centre(), Anchor::Centre, fit_text(c, std::to_string(shared) + " shared", small, shared_w - 6), small);
  }
  std::string words = std::to_string(E) + " experts of width " + std::to_string(m.expert_intermediate);
  if (m.groups > 1) words += " · " + std::to_string(m.groups) + " groups, " + std::to_string(m.top_groups) + " kept per token";
  if (shared) words += m.shared_gate ? " · shared expert gated by sigmoid" : " · shared experts see every token";
  text_at(c, {r.centre().x, row.max.y + 10}, Anchor::Top, fit_text(c, words, small, r.width() - 12), small);
  std::string capacity = "dropless";
  if (m.capacity_mode == CapacityMode::Factor)
    capacity = "capacity factor " + fixed(m.capacity_factor, 2) +
               " (" + to_string(m.capacity_formula) + ")";
  if (m.capacity_mode == CapacityMode::Fixed) capacity = "capacity " + std::to_string(m.capacity) + " slots";
  capacity += m.drop_policy == DropPolicy::Priority ? " · drop by priority (BPR)" : " · drop by position";
  text_at(c, {r.centre().x, r.max.y - 6}, Anchor::Bottom, fit_text(c, capacity, small, r.width() - 12), small);
}

}  // namespace archscope::views::diagram
