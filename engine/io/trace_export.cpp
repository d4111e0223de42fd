// Naming follows the fixtures, so a dump can be compared key by key with them.
#include "engine/io/trace_export.h"

namespace archscope {

namespace {

Tensor with_batch(const Tensor& t) {
  std::vector<int> shape = {1};
  shape.insert(shape.end(), t.shape.begin(), t.shape.end());
  return t.reshaped(shape);
}

// Prefixes: "" for single-stack models, "enc_" / "dec_" for encoder-decoders.
void add_stack(const StackTrace& st, const std::string& prefix,
               std::vector<std::pair<std::string, Tensor>>& out) {
  // Whole layers under the fixtures' names; a reduced layer as its kept heads
  // (attn.L{i}.head{h}, [1, Tq, Tk]) and its thumbnail (attn.L{i}.thumbnail).
  auto add_attention = [&](const AttentionRecord& a, const std::string& key) {
    if (a.all_heads_full()) {
      out.push_back({key, with_batch(a.probs)});
      return;
    }
    for (size_t i = 0; i < a.full_heads.size(); ++i) {
      Tensor map({1, a.tq, a.tk});
      const float* src = a.map(a.full_heads[i]);
      std::copy(src, src + map.numel(), map.data.begin());
      out.push_back({key + ".head" + std::to_string(a.full_heads[i]), map});
    }
    if (a.pool > 0) out.push_back({key + ".thumbnail", with_batch(a.thumbnail)});
  };
  for (const auto& a : st.self_attention) add_attention(a, prefix + "attn.L" + std::to_string(a.layer));
  for (const auto& a : st.cross_attention) add_attention(a, "cross_attn.L" + std::to_string(a.layer));
  for (size_t i = 0; i < st.hidden.size(); ++i)
    out.push_back({prefix + "hidden.L" + std::to_string(i), with_batch(st.hidden[i])});
  for (const auto& m : st.moe) {
    const Routing& r = m.routing;
    if (r.logits.empty()) continue;  // the request left per-token routing out
    const std::string L = ".L" + std::to_string(m.layer);
    out.push_back({prefix + "router" + L, r.logits});
    Tensor experts({r.tokens, r.top_k}), weights({r.tokens, r.top_k}), dropped({r.tokens, r.top_k});
    for (size_t i = 0; i < r.expert.size(); ++i) {
      experts.data[i] = static_cast<float>(r.expert[i]);
      weights.data[i] = r.weight[i];
      dropped.data[i] = r.kept[i] || r.expert[i] < 0 ? 0.0f : 1.0f;  // padding is not dropped
    }
    out.push_back({prefix + "route" + L + ".experts", experts});
    out.push_back({prefix + "route" + L + ".weights", weights});
    out.push_back({prefix + "route" + L + ".dropped", dropped});
  }
}

nlohmann::json moe_json(const MoeRecord& m) {
  const MoeMetrics& x = m.metrics;
  return {{"stack", m.stack == Stack::Encoder ? "encoder" : "decoder"},
          {"layer", m.layer},
          {"tokens", x.tokens},
          {"capacity", x.capacity},
          {"load_before", x.load_before},
          {"load_after", x.load_after},
          {"dropped_pairs", x.dropped_pairs},
          {"dropped_tokens", x.dropped_tokens},
          {"partially_dropped_tokens", x.partially_dropped_tokens},
          {"f_top1_switch", x.f_top1},
          {"f_pairs_megatron", x.f_pairs},
          {"mean_prob", x.mean_prob},
          {"aux_loss_switch", x.aux_loss_switch},
          {"aux_loss_switch_weighted", x.aux_loss_switch_weighted},
          {"aux_loss_hf_mixtral_layer", x.aux_loss_hf},
          {"z_loss", x.z_loss},
          {"router_entropy_mean", x.entropy_mean},
          {"router_entropy_max", x.entropy_max},
          {"load_cv", x.load_cv},
          {"max_over_mean_load", x.max_over_mean},
          {"drop_rate_tokens", x.drop_rate_tokens},
          {"drop_rate_pairs", x.drop_rate_pairs}};
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> trace_tensors(const Trace& tr) {
  std::vector<std::pair<std::string, Tensor>> out;
  if (tr.spec.family == Family::EncoderDecoder) {
    add_stack(tr.encoder, "enc_", out);
    add_stack(tr.decoder, "dec_", out);
  } else {
    add_stack(tr.main_stack(), "", out);
  }
  if (!tr.logits.empty()) out.push_back({"logits", with_batch(tr.logits)});
  return out;
}

nlohmann::json trace_summary_json(const Trace& tr) {
  nlohmann::json moe = nlohmann::json::array();
  for (const StackTrace* st : {&tr.encoder, &tr.decoder})
    for (const auto& m : st->moe) moe.push_back(moe_json(m));
  nlohmann::json j = {{"model", tr.spec.name},
                      {"backend", tr.backend},
                      {"input_ids", tr.input_ids},
                      {"elapsed_ms", tr.elapsed_ms},
                      {"logits_shape", tr.logits.shape},
                      {"moe_layers", moe}};
  if (!tr.decoder_input_ids.empty()) j["decoder_input_ids"] = tr.decoder_input_ids;
  if (!tr.key_valid.empty()) j["attention_mask"] = tr.key_valid;
  if (!tr.token_type_ids.empty()) j["token_type_ids"] = tr.token_type_ids;
  if (tr.aux_loss_hf) j["aux_loss_hf"] = *tr.aux_loss_hf;
  if (!tr.left_out.empty()) j["left_out"] = tr.left_out;
  if (tr.logits.empty()) return j;
  // The next token the model would predict after the last position.
  const int T = tr.logits.dim(0), V = tr.logits.dim(1);
  int best = 0;
  for (int v = 1; v < V; ++v)
    if (tr.logits.row(T - 1)[v] > tr.logits.row(T - 1)[best]) best = v;
  j["next_token_id"] = best;
  return j;
}

}  // namespace archscope
