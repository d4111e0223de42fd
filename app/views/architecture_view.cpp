// The diagram's layout: stacks as columns of boxes, the facts and the layer plan beside them.
#include "app/views/architecture_view.h"

#include <algorithm>

#include "app/views/architecture_parts.h"
#include "app/views/colour_maps.h"
#include "app/views/plot.h"
#include "engine/model/ledger_report.h"

namespace archscope::views {

namespace {

using namespace diagram;

std::string norm_name(const ModelSpec& s) { return s.norm == NormKind::RMSNorm ? "RMSNorm" : "LayerNorm"; }

int stack_layers(const ModelSpec& s, Stack stack) {
  return stack == Stack::Decoder && s.family == Family::EncoderDecoder ? s.decoder_layers : s.layers;
}

bool stack_has_moe(const ModelSpec& s, Stack stack) {
  if (!s.is_moe()) return false;
  for (int i = 0; i < stack_layers(s, stack); ++i)
    if (s.is_moe_layer(i)) return true;
  return false;
}

std::string embedding_detail(const ModelSpec& s) {
  std::string d = std::to_string(s.vocab_size) + " × " + std::to_string(s.d_model);
  switch (s.position) {
    case PositionKind::Learned: d += " + learned positions (" + std::to_string(s.max_positions) + ")"; break;
    case PositionKind::Sinusoidal: d += " × √D + sinusoidal positions"; break;
    case PositionKind::Rope: d += " · positions: RoPE inside attention"; break;
    case PositionKind::T5Relative: d += " · positions: relative bias inside attention"; break;
  }
  if (s.type_vocab_size > 0) d += " + segments";
  if (s.norm_placement == NormPlacement::Post) d += " → " + norm_name(s);
  return d;
}

std::string head_detail(const ModelSpec& s) {
  if (s.mlm_head) return "dense + GELU + LayerNorm → decoder tied to the embedding";
  if (s.tied_embeddings) return std::string("tied to the token embedding") + (s.scale_decoder_outputs ? ", output × D^-½" : "");
  return "its own " + std::to_string(s.vocab_size) + " × " + std::to_string(s.d_model) + " matrix";
}

// A small pill with text, for the inputs and outputs of a stack.
void pill(Canvas& c, const Theme& th, Vec2 top_centre, const std::string& s) {
  const TextStyle style = th.body();
  const Vec2 size = c.text_size(s, style) + Vec2(24, 8);
  Rect r = Rect::from_size({top_centre.x - size.x / 2, top_centre.y}, size);
  c.fill_rect(r, th.panel, size.y / 2);
  c.stroke_rect(r, th.muted, 1.2f, size.y / 2);
  text_at(c, r.centre(), Anchor::Centre, s, style);
}

struct StackLayout {
  Vec2 output;             // bottom of the stack's last box (encoder memory leaves here)
  Rect cross_attention{};  // where the encoder's memory enters (decoder of an encoder-decoder)
};

// One stack as a column inside `col`; returns where its output and cross-attention are.
StackLayout draw_stack(Canvas& c, const Theme& th, Rect col, const ModelSpec& model, Stack stack, bool with_head) {
  // An encoder attends bidirectionally whatever the decoder's mask is.
  ModelSpec s = model;
  if (stack == Stack::Encoder) s.mask.kind = MaskKind::Bidirectional;
  const Palette pal = palette(th);
  const bool enc_dec = s.family == Family::EncoderDecoder;
  const bool cross = enc_dec && stack == Stack::Decoder;
  const bool moe = stack_has_moe(s, stack);
  const float w = col.width(), x0 = col.min.x, cx = col.centre().x;
  const float unit = th.normal + 16;  // a one-line box
  const float gap = th.pad * 1.6f;
  StackLayout out;
  float y = col.min.y;

  pill(c, th, {cx, y}, enc_dec ? (stack == Stack::Encoder ? "input tokens" : "decoder tokens (shifted right)")
                               : "input tokens");
  y += th.normal + 8;
  arrow(c, th, {cx, y}, {cx, y + gap}, th.text);
  y += gap;
  box(c, th, Rect::from_size({x0, y}, {w, unit + th.small}), pal.embed, "Token embedding", embedding_detail(s));
  y += unit + th.small;
  arrow(c, th, {cx, y}, {cx, y + gap}, th.text);
  y += gap;

  // The block, drawn once, inside a frame that says how many there are.
  const float inner_x = x0 + 30, inner_w = w - 60;
  const float block_top = y;
  y += th.pad + th.normal;
  const float residual_x = x0 + 14;
  const bool post = s.norm_placement == NormPlacement::Post;
  auto norm_box = [&](float& yy, bool with_arrow = true) {
    box(c, th, Rect::from_size({inner_x + inner_w * 0.25f, yy}, {inner_w * 0.5f, th.normal + 10}), pal.norm, norm_name(s));
    yy += th.normal + 10;
    if (with_arrow) arrow(c, th, {cx, yy}, {cx, yy + gap * 0.7f}, th.text, 1.5f);
    yy += gap * 0.7f;
  };
  // A residual: from the sublayer's input down the left side into a ⊕ under it.
  auto residual = [&](float from_y, float& yy) {
    const float r = th.normal * 0.55f;
    const Vec2 p{cx, yy + r};
    c.line({cx, from_y - gap * 0.4f}, {residual_x, from_y - gap * 0.4f}, th.muted, 1.5f);
    c.line({residual_x, from_y - gap * 0.4f}, {residual_x, p.y}, th.muted, 1.5f);
    arrow(c, th, {residual_x, p.y}, {cx - r, p.y}, th.muted, 1.5f);
    plus(c, th, p, r);
    yy += 2 * r;
    arrow(c, th, {cx, yy}, {cx, yy + gap * 0.7f}, th.text, 1.5f);
    yy += gap * 0.7f;
  };
  const float att_h = attention_height(th, s), ffn_h = ffn_height(th, s, moe);

  if (s.parallel_block) {
    const float in = y;
    norm_box(y, false);
    c.line({cx, y - gap * 0.7f}, {cx, y - gap * 0.35f}, th.text, 1.5f);
    const float half = (inner_w - th.pad) / 2, h = std::max(att_h, ffn_h);
    const Rect att_box = Rect::from_size({inner_x, y}, {half, h});
    const Rect ffn_box = Rect::from_size({inner_x + half + th.pad, y}, {half, h});
    // One norm feeds both branches; both outputs and the residual meet in one sum.
    for (const Rect* b : {&att_box, &ffn_box}) {
      c.line({cx, y - gap * 0.35f}, {b->centre().x, y - gap * 0.35f}, th.text, 1.5f);
      arrow(c, th, {b->centre().x, y - gap * 0.35f}, {b->centre().x, y}, th.text, 1.5f);
    }
    attention(c, th, att_box, s, "self-attention", false);
    feed_forward(c, th, ffn_box, s, moe);
    y += h;
    const float r = th.normal * 0.55f;
    for (const Rect* b : {&att_box, &ffn_box}) {
      c.line({b->centre().x, y}, {b->centre().x, y + r}, th.text, 1.5f);
      arrow(c, th, {b->centre().x, y + r}, {cx + (b == &att_box ? -r : r), y + r}, th.text, 1.5f);
    }
    residual(in, y);
  } else {
    float in = y;
    if (!post) norm_box(y);
    attention(c, th, Rect::from_size({inner_x, y}, {inner_w, att_h}), s,
              s.mask.kind == MaskKind::Bidirectional ? "bidirectional self-attention" : "masked self-attention", false);
    y += att_h;
    residual(in, y);
    if (post) norm_box(y);
    if (cross) {
      in = y;
      norm_box(y);
      out.cross_attention = Rect::from_size({inner_x, y}, {inner_w, att_h});
      attention(c, th, out.cross_attention, s, "cross-attention to the encoder", true);
      y += att_h;
      residual(in, y);
    }
    in = y;
    if (!post) norm_box(y);
    feed_forward(c, th, Rect::from_size({inner_x, y}, {inner_w, ffn_h}), s, moe);
    y += ffn_h;
    residual(in, y);
    if (post) norm_box(y);
  }
  const Rect frame{{x0, block_top}, {x0 + w, y}};
  c.stroke_rect(frame, th.text, th.line * 1.3f, 10);
  const int L = stack_layers(s, stack);
  const std::string badge = "× " + std::to_string(L) + " layers" +
                            (moe && s.moe.first_dense + static_cast<int>(s.moe.dense_layers.size()) > 0 || s.moe.layer_step > 1
                                 ? " (MoE where the plan says)"
                                 : "");
  const TextStyle badge_style{th.normal, th.text, Weight::Bold};
  text_at(c, {frame.max.x - 10, frame.min.y + 6}, Anchor::TopRight, fit_text(c, badge, badge_style, frame.width() * 0.6f),
          badge_style);
  text_at(c, {frame.min.x + 10, frame.min.y + 6}, Anchor::TopLeft,
          post ? "post-norm block" : s.parallel_block ? "parallel block" : "pre-norm block", th.label());
  y += gap * 0.3f;

  if (!post) {
    arrow(c, th, {cx, y}, {cx, y + gap * 0.7f}, th.text);
    y += gap * 0.7f;
    box(c, th, Rect::from_size({x0 + w * 0.25f, y}, {w * 0.5f, th.normal + 10}), pal.norm, "final " + norm_name(s));
    y += th.normal + 10;
  }
  out.output = {cx, y};
  if (with_head) {
    arrow(c, th, {cx, y}, {cx, y + gap}, th.text);
    y += gap;
    box(c, th, Rect::from_size({x0, y}, {w, unit + th.small}), pal.head, s.mlm_head ? "MLM head" : "LM head",
        head_detail(s));
    y += unit + th.small;
    arrow(c, th, {cx, y}, {cx, y + gap * 0.8f}, th.text);
    y += gap * 0.8f;
    pill(c, th, {cx, y}, "logits over " + std::to_string(s.vocab_size) + " tokens");
  }
  return out;
}

void draw_plan(Canvas& c, const Theme& th, Rect area, const ModelSpec& s) {
  float y = area.min.y;
  text_at(c, {area.min.x, y}, Anchor::TopLeft, "Layer plan", th.strong());
  y += th.large + th.pad * 0.5f;
  const Palette pal = palette(th);
  std::vector<Stack> stacks;
  if (s.family == Family::EncoderDecoder) stacks = {Stack::Encoder, Stack::Decoder};
  else stacks = {s.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder};
  for (Stack st : stacks) {
    const int L = stack_layers(s, st);
    if (stacks.size() > 1) {
      text_at(c, {area.min.x, y}, Anchor::TopLeft, st == Stack::Encoder ? "encoder" : "decoder", th.label());
      y += th.small + 4;
    }
    const float size = std::clamp(area.width() / std::max(L, 1) - 2, 4.0f, th.normal * 1.2f);
    const int per_row = std::max(1, static_cast<int>(area.width() / (size + 2)));
    for (int i = 0; i < L; ++i) {
      const Rect r = Rect::from_size({area.min.x + (i % per_row) * (size + 2), y + (i / per_row) * (size + 2)}, {size, size});
      const bool is_moe = s.is_moe() && s.is_moe_layer(i);
      c.fill_rect(r, is_moe ? expert_colour(0) : pal.ffn, 2);
      c.stroke_rect(r, th.muted, 1, 2);
    }
    y += ((L + per_row - 1) / per_row) * (size + 2) + th.pad;
  }
  draw_key(c, th, {area.min.x, y}, {{pal.ffn, "dense FFN"}, {expert_colour(0), "mixture of experts"}});
}

std::vector<std::pair<std::string, std::string>> facts(const ModelSpec& s) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"family", to_string(s.family)},
      {"width D", std::to_string(s.d_model)},
      {"layers", s.family == Family::EncoderDecoder
                     ? std::to_string(s.layers) + " + " + std::to_string(s.decoder_layers)
                     : std::to_string(s.layers)},
      {"heads", std::to_string(s.heads) + " × " + std::to_string(s.q_head_dim()) + (s.attention == AttentionKind::MLA ? "" : ", KV " + std::to_string(s.kv_heads))},
      {"attention", to_string(s.attention)},
      {"mask", to_string(s.mask.kind)},
      {"positions", to_string(s.position)},
      {"norm", std::string(to_string(s.norm)) + (s.norm_placement == NormPlacement::Pre ? ", pre" : ", post") +
                   (s.parallel_block ? ", parallel" : "")},
      {"FFN", std::string(to_string(s.ffn)) + ", " + std::to_string(s.d_ff)},
      {"vocabulary", std::to_string(s.vocab_size)},
  };
  if (s.is_moe())
    f.push_back({"experts", std::to_string(s.moe.experts) + ", top-" + std::to_string(s.moe.top_k) +
                                (s.moe.shared_experts ? ", " + std::to_string(s.moe.shared_experts) + " shared" : "")});
  return f;
}

}  // namespace

void ArchitectureView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  const ModelSpec& spec = s.spec;
  draw_title(c, th, area, title(), spec.name + (spec.description.empty() ? "" : " · " + spec.description));
  // The facts beside the diagram when there is room for both.
  const bool side_panel = area.width() > 60 * th.normal;
  Rect side = side_panel ? area.take_right(std::min(320.0f, area.width() * 0.28f)) : Rect{};
  if (side_panel) area.take_right(th.pad * 2);

  if (spec.family == Family::EncoderDecoder) {
    const float half = (area.width() - th.pad * 6) / 2;
    Rect enc = Rect::from_size(area.min, {half, area.height()});
    Rect dec = Rect::from_size({area.max.x - half, area.min.y}, {half, area.height()});
    text_at(c, {enc.centre().x, enc.min.y}, Anchor::Top, "Encoder", th.strong());
    text_at(c, {dec.centre().x, dec.min.y}, Anchor::Top, "Decoder", th.strong());
    enc.take_top(th.large + th.pad);
    dec.take_top(th.large + th.pad);
    const StackLayout e = draw_stack(c, th, enc, spec, Stack::Encoder, false);
    const StackLayout d = draw_stack(c, th, dec, spec, Stack::Decoder, true);
    // The encoder's output feeds every decoder layer's cross-attention.
    if (!d.cross_attention.empty()) {
      const float mid = (enc.max.x + dec.min.x) / 2;
      const float target_y = d.cross_attention.centre().y;
      c.line(e.output, {e.output.x, e.output.y + th.pad}, th.accent, 2.5f);
      c.line({e.output.x, e.output.y + th.pad}, {mid, e.output.y + th.pad}, th.accent, 2.5f);
      c.line({mid, e.output.y + th.pad}, {mid, target_y}, th.accent, 2.5f);
      arrow(c, th, {mid, target_y}, {d.cross_attention.min.x, target_y}, th.accent, 2.5f);
      text_at(c, {(e.output.x + mid) / 2, e.output.y + th.pad - 4}, Anchor::Bottom, "encoder output",
              {th.small, th.accent, Weight::Bold});
    }
  } else {
    const float w = std::min(area.width(), 640.0f);
    Rect col = Rect::from_size({area.centre().x - w / 2, area.min.y}, {w, area.height()});
    draw_stack(c, th, col, spec, spec.family == Family::EncoderOnly ? Stack::Encoder : Stack::Decoder, true);
  }

  if (!side_panel) return;
  // Facts and the layer plan.
  c.fill_rect(side, th.panel, 6);
  side = side.inset(th.pad);
  float y = side.min.y;
  TextStyle key = th.label();
  for (const auto& [name, value] : facts(spec)) {
    text_at(c, {side.min.x, y}, Anchor::TopLeft, name, key);
    text_at(c, {side.min.x + side.width() * 0.38f, y}, Anchor::TopLeft,
            fit_text(c, value, th.body(), side.width() * 0.62f), th.body());
    y += th.normal * 1.35f;
  }
  y += th.pad;
  const Ledger& l = s.ledger;
  text_at(c, {side.min.x, y}, Anchor::TopLeft, short_count(static_cast<double>(l.params_total)) + " parameters",
          th.strong());
  y += th.large * 1.25f;
  text_at(c, {side.min.x, y}, Anchor::TopLeft, short_count(static_cast<double>(l.params_active)) + " active per token",
          th.body());
  y += th.normal + th.pad * 1.5f;
  draw_plan(c, th, {{side.min.x, y}, side.max}, spec);
}

nlohmann::json ArchitectureView::data(const Scene& s) const {
  nlohmann::json f = nlohmann::json::object();
  for (const auto& [name, value] : facts(s.spec)) f[name] = value;
  std::vector<int> moe_layers;
  const int L = std::max(s.spec.layers, s.spec.decoder_layers);
  for (int i = 0; i < L; ++i)
    if (s.spec.is_moe() && s.spec.is_moe_layer(i)) moe_layers.push_back(i);
  return {{"view", "architecture"},
          {"model", s.spec.name},
          {"facts", f},
          {"moe_layers", moe_layers},
          {"norm_placement", s.spec.parallel_block ? "parallel"
                             : s.spec.norm_placement == NormPlacement::Pre ? "pre"
                                                                           : "post"},
          {"attention", to_string(s.spec.attention)},
          {"heads", s.spec.heads},
          {"kv_heads", s.spec.kv_heads}};
}

std::vector<std::vector<std::string>> ArchitectureView::table(const Scene& s) const {
  std::vector<std::vector<std::string>> t{{"field", "value"}};
  for (const auto& [name, value] : facts(s.spec)) t.push_back({name, value});
  return t;
}

}  // namespace archscope::views
