// Cost cards, the parameter breakdown, and attention kinds compared.
#include "app/views/ledger_view.h"

#include <algorithm>
#include <map>

#include <imgui.h>

#include "app/views/plot.h"
#include "engine/model/ledger_report.h"

namespace archscope::views {

namespace {

// Components grouped the way a class talks about them.
std::string group_of(const std::string& component) {
  if (component.find("embeddings") != std::string::npos) return "embeddings";
  if (component.find("lm_head") != std::string::npos || component.find("mlm") != std::string::npos) return "head";
  if (component.find("shared_experts") != std::string::npos) return "shared experts";
  if (component.find("moe.experts") != std::string::npos) return "routed experts";
  if (component.find("router") != std::string::npos) return "routers";
  if (component.find("attention") != std::string::npos) return "attention";
  if (component.find("ffn") != std::string::npos || component.find("mlp") != std::string::npos) return "dense FFN";
  return "norms and other";
}

const std::vector<std::string>& group_order() {
  static const std::vector<std::string> order = {"embeddings", "attention", "dense FFN", "routed experts",
                                                 "shared experts", "routers", "head", "norms and other"};
  return order;
}

Colour group_colour(size_t i) { return expert_colour(static_cast<int>(i)); }

std::map<std::string, std::pair<int64_t, int64_t>> grouped(const Ledger& l) {
  std::map<std::string, std::pair<int64_t, int64_t>> g;
  for (const LedgerLine& line : l.lines) {
    if (!line.in_total) continue;
    auto& [total, active] = g[group_of(line.component)];
    total += line.total;
    active += line.active;
  }
  return g;
}

// One card: a caption, a big number and a note under it.
float card(Canvas& c, const Theme& th, Vec2 at, float width, const std::string& caption, const std::string& value,
           const std::string& note) {
  text_at(c, at, Anchor::TopLeft, caption, {th.normal, th.muted, Weight::Bold});
  const float big = th.title * 1.3f;
  text_at(c, at + Vec2(0, th.normal * 1.3f), Anchor::TopLeft, fit_text(c, value, {big, th.text, Weight::Bold}, width),
          {big, th.text, Weight::Bold});
  TextStyle small = th.label();
  text_at(c, at + Vec2(0, th.normal * 1.3f + big * 1.25f), Anchor::TopLeft, fit_text(c, note, small, width), small);
  return th.normal * 1.3f + big * 1.25f + th.small * 1.6f + th.pad;
}

std::string context_words(int64_t context) {
  return context >= 1024 && context % 1024 == 0 ? std::to_string(context / 1024) + "K" : std::to_string(context);
}

}  // namespace

const ModelSpec& ledger_spec(const Scene& s) { return s.published ? *s.published : s.spec; }

Ledger ledger_at(const ModelSpec& spec, DType dtype, int64_t context) {
  if (spec.position == PositionKind::Learned && spec.max_positions > 0)
    context = std::min<int64_t>(context, spec.max_positions);
  return compute_ledger(spec, dtype, context);
}

std::vector<AttentionVariant> attention_variants(const ModelSpec& base, DType dtype, int64_t context) {
  std::vector<AttentionVariant> out;
  const int H = base.heads;
  const int Dh = base.attention == AttentionKind::MLA ? base.mla.v_head_dim : base.head_dim;
  auto add = [&](const std::string& name, ModelSpec s) {
    if (!validate(s).empty()) return;
    Ledger l = ledger_at(s, dtype, context);
    out.push_back({name, std::move(s), std::move(l)});
  };
  ModelSpec mha = base;
  mha.attention = AttentionKind::MHA;
  mha.kv_heads = H;
  mha.head_dim = Dh;
  add("MHA (" + std::to_string(H) + " KV heads)", mha);
  ModelSpec gqa = mha;
  gqa.attention = AttentionKind::GQA;
  gqa.kv_heads = base.attention == AttentionKind::GQA ? base.kv_heads : (H % 8 == 0 && H > 8 ? 8 : std::max(1, H / 4));
  if (gqa.kv_heads > 1 && gqa.kv_heads < H) add("GQA (" + std::to_string(gqa.kv_heads) + " KV heads)", gqa);
  ModelSpec mqa = mha;
  mqa.attention = AttentionKind::MQA;
  mqa.kv_heads = 1;
  add("MQA (1 KV head)", mqa);
  ModelSpec mla = mha;
  mla.attention = AttentionKind::MLA;
  if (base.attention == AttentionKind::MLA) {
    mla.mla = base.mla;
  } else {
    // DeepSeek-V3's proportions: a latent of 4 head widths, RoPE on half a head.
    mla.mla = {0, 4 * Dh, Dh, std::max(2, Dh / 2 / 2 * 2), Dh};
  }
  mla.position = PositionKind::Rope;
  add("MLA (latent " + std::to_string(mla.mla.kv_lora_rank) + " + RoPE " + std::to_string(mla.mla.qk_rope_head_dim) + ")",
      mla);
  return out;
}

void LedgerView::toolbar(const Scene& s, const Actions& actions, const Theme&) {
  int context = static_cast<int>(std::min<int64_t>(s.ledger_context, 1 << 20));
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  if (ImGui::SliderInt("context", &context, 128, 1 << 20, "%d tokens", ImGuiSliderFlags_Logarithmic))
    actions.set_ledger_context(context);
  ImGui::SameLine(0, 24);
  static const char* dtypes[] = {"fp32", "bf16", "fp16", "fp8"};
  int d = static_cast<int>(s.ledger_dtype);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  if (ImGui::Combo("dtype", &d, dtypes, 4)) actions.set_ledger_dtype(static_cast<DType>(d));
}

void LedgerView::draw(ViewContext& ctx) {
  const Scene& s = ctx.scene;
  const Theme& th = ctx.theme;
  Canvas& c = ctx.canvas;
  Rect area = ctx.area;
  const ModelSpec& spec = ledger_spec(s);
  const Ledger l = ledger_at(spec, s.ledger_dtype, s.ledger_context);
  draw_title(c, th, area, title(),
             spec.name + (s.published ? " at its published size" : "") + " · " + to_string(s.ledger_dtype) +
                 " · context " + context_words(l.context));

  Rect left = area.take_left(area.width() * 0.42f);
  area.take_left(th.pad * 3);
  const float w = left.width();
  float y = left.min.y;
  const double active_share = l.params_total ? static_cast<double>(l.params_active) / l.params_total : 0;
  y += card(c, th, {left.min.x, y}, w, "Parameters", short_count(static_cast<double>(l.params_total)),
            with_commas(l.params_total) + " in all; " + short_count(static_cast<double>(l.params_active)) +
                " active per token (" + percent(active_share, 0) + ")");
  y += card(c, th, {left.min.x, y}, w, "KV cache",
            human_bytes(static_cast<double>(l.kv_cache_bytes_per_token)) + " per token",
            human_bytes(static_cast<double>(l.kv_cache_bytes_per_token) * l.context) + " for one sequence of " +
                context_words(l.context) + " tokens");
  y += card(c, th, {left.min.x, y}, w, "Compute", short_count(static_cast<double>(l.flops_per_token)) + " FLOPs per token",
            "2N (matmuls) " + short_count(static_cast<double>(l.flops_matmul)) + " + attention " +
                short_count(static_cast<double>(l.flops_attention)) + " at " + context_words(l.attention_context) +
                " keys");
  y += card(c, th, {left.min.x, y}, w, "Weights", human_bytes(static_cast<double>(l.weights_bytes)),
            "at " + std::string(to_string(s.ledger_dtype)) + "; " + human_bytes(l.params_total * 4.0) + " at fp32");
  if (s.published) {
    const Ledger small = ledger_at(s.spec, s.ledger_dtype, s.ledger_context);
    TextStyle note = th.label();
    text_at(c, {left.min.x, y}, Anchor::TopLeft,
            fit_text(c, "The classroom size running here: " + short_count(static_cast<double>(small.params_total)) +
                            " parameters, same structure.",
                     note, w),
            note);
  }

  // Right: where the parameters are, then the attention kinds.
  const auto groups = grouped(l);
  Rect bars = area.take_top(std::min(area.height() * 0.4f, 8 * th.normal + 4 * th.pad));
  text_at(c, bars.min, Anchor::TopLeft, "Where the parameters are", th.strong());
  const float bar_h = th.normal * 1.6f;
  float by = bars.min.y + th.large + th.pad;
  const float label_w = c.text_size("active per token", th.body()).x + th.pad;
  std::vector<KeyItem> key;
  for (int row = 0; row < 2; ++row) {
    const bool active = row == 1;
    text_at(c, {bars.min.x, by + bar_h / 2}, Anchor::Left, active ? "active per token" : "total", th.body());
    float x = bars.min.x + label_w;
    const float full = bars.max.x - x;
    for (size_t i = 0; i < group_order().size(); ++i) {
      auto it = groups.find(group_order()[i]);
      if (it == groups.end()) continue;
      const double part = static_cast<double>(active ? it->second.second : it->second.first) / std::max<int64_t>(l.params_total, 1);
      const float wpart = static_cast<float>(part) * full;
      if (wpart <= 0) continue;
      Rect seg{{x, by}, {x + wpart, by + bar_h}};
      c.fill_rect(seg, group_colour(i));
      if (ctx.hovering(seg))
        ctx.tooltip = {group_order()[i], with_commas(active ? it->second.second : it->second.first) + " parameters (" +
                                             percent(part, 1) + " of the total)"};
      x += wpart;
      if (!active) key.push_back({group_colour(i), group_order()[i]});
    }
    c.stroke_rect({{bars.min.x + label_w, by}, {bars.max.x, by + bar_h}}, th.grid, 1);
    by += bar_h + th.pad * 0.6f;
  }
  // The key wraps onto as many lines as it needs.
  float kx = bars.min.x, ky = by + th.pad * 0.4f;
  for (const KeyItem& item : key) {
    const float iw = c.text_size(item.name, th.label()).x + th.small + 30;
    if (kx + iw > bars.max.x) {
      kx = bars.min.x;
      ky += th.small + 8;
    }
    draw_key(c, th, {kx, ky}, {item});
    kx += iw;
  }

  area.take_top(th.pad * 2);
  text_at(c, area.min, Anchor::TopLeft, "Attention kinds at the same width: KV cache per token", th.strong());
  area.take_top(th.large + th.pad);
  const auto variants = attention_variants(spec, s.ledger_dtype, s.ledger_context);
  int64_t most = 1;
  for (const auto& v : variants) most = std::max(most, v.ledger.kv_cache_bytes_per_token);
  const float name_w = c.text_size("MLA (latent 0000 + RoPE 000)", th.body()).x + th.pad;
  const float row = std::min(th.normal * 2.4f, area.height() / std::max<size_t>(variants.size(), 1));
  for (size_t i = 0; i < variants.size(); ++i) {
    const AttentionVariant& v = variants[i];
    const bool current = v.spec.attention == spec.attention && v.spec.kv_heads == spec.kv_heads &&
                         (spec.attention != AttentionKind::MLA || v.spec.mla == spec.mla);
    const float ry = area.min.y + i * row;
    text_at(c, {area.min.x, ry + row / 2}, Anchor::Left, fit_text(c, v.name, th.body(), name_w - 6),
            {th.normal, th.text, current ? Weight::Bold : Weight::Regular});
    const float full = area.max.x - area.min.x - name_w - c.text_size("000.0 KiB ×00.0", th.body()).x;
    const float bw = std::max(2.0f, full * v.ledger.kv_cache_bytes_per_token / static_cast<float>(most));
    Rect bar{{area.min.x + name_w, ry + row * 0.18f}, {area.min.x + name_w + bw, ry + row * 0.82f}};
    c.fill_rect(bar, current ? th.highlight : th.accent, 2);
    const double ratio = static_cast<double>(most) / std::max<int64_t>(v.ledger.kv_cache_bytes_per_token, 1);
    text_at(c, {bar.max.x + 8, bar.centre().y}, Anchor::Left,
            human_bytes(static_cast<double>(v.ledger.kv_cache_bytes_per_token)) +
                (ratio > 1.01 ? "  (÷" + fixed(ratio, ratio < 10 ? 1 : 0) + ")" : ""),
            th.body());
    if (ctx.hovering(Rect{{area.min.x, ry}, {area.max.x, ry + row}}))
      ctx.tooltip = {v.name, v.ledger.kv_cache_formula,
                     short_count(static_cast<double>(v.ledger.params_total)) + " parameters in all",
                     current ? "this model's attention" : "the same model with this attention"};
  }
}

nlohmann::json LedgerView::data(const Scene& s) const {
  const ModelSpec& spec = ledger_spec(s);
  nlohmann::json out = ledger_to_json(spec, ledger_at(spec, s.ledger_dtype, s.ledger_context));
  out["view"] = "ledger";
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& v : attention_variants(spec, s.ledger_dtype, s.ledger_context))
    variants.push_back({{"name", v.name},
                        {"kv_cache_bytes_per_token", v.ledger.kv_cache_bytes_per_token},
                        {"params_total", v.ledger.params_total},
                        {"flops_per_token", v.ledger.flops_per_token}});
  out["attention_variants"] = variants;
  return out;
}

std::vector<std::vector<std::string>> LedgerView::table(const Scene& s) const {
  const ModelSpec& spec = ledger_spec(s);
  const Ledger l = ledger_at(spec, s.ledger_dtype, s.ledger_context);
  std::vector<std::vector<std::string>> t{{"quantity", "value", "note"}};
  t.push_back({"params_total", std::to_string(l.params_total), ""});
  t.push_back({"params_active", std::to_string(l.params_active), "per token"});
  t.push_back({"kv_cache_bytes_per_token", std::to_string(l.kv_cache_bytes_per_token), l.kv_cache_formula});
  t.push_back({"flops_per_token", std::to_string(l.flops_per_token), "context " + std::to_string(l.context)});
  t.push_back({"weights_bytes", std::to_string(l.weights_bytes), to_string(s.ledger_dtype)});
  for (const LedgerLine& line : l.lines)
    t.push_back({"params." + line.component, std::to_string(line.total), "active " + std::to_string(line.active)});
  for (const auto& v : attention_variants(spec, s.ledger_dtype, s.ledger_context))
    t.push_back({"kv_cache_bytes_per_token." + v.name, std::to_string(v.ledger.kv_cache_bytes_per_token), ""});
  return t;
}

}  // namespace archscope::views
