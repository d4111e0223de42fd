// embed -> stack of blocks -> head, for encoder-only, decoder-only, prefix-LM
// and encoder-decoder models. Records every hidden state, attention map and
// routing decision into the Trace as it goes.
#include "engine/run/forward.h"

#include <chrono>
#include <cmath>

#include "engine/run/blocks.h"
#include "engine/errors.h"
#include "engine/run/positions.h"
#include "engine/io/random_weights.h"

namespace archscope {

namespace {

void check_ids(const ModelSpec& s, const std::vector<int>& ids, const char* what) {
  if (ids.empty()) throw InputError(std::string(what) + ": no tokens to run");
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= s.vocab_size)
      throw InputError(std::string(what) + "[" + std::to_string(i) + "] = " + std::to_string(ids[i]) +
                       ": outside the vocabulary [0, " + std::to_string(s.vocab_size) + ")");
  if (s.position == PositionKind::Learned && static_cast<int>(ids.size()) > s.max_positions)
    throw InputError(std::string(what) + ": " + std::to_string(ids.size()) +
                     " tokens exceed the position table of " + std::to_string(s.max_positions));
}

void check_rope_supported(const ModelSpec& s) {
  if (s.position != PositionKind::Rope) return;
  const std::string& t = s.rope.scaling_type;
  if (t == "default" || t.empty()) return;
  // Scaled RoPE changes the frequencies (and, for YaRN, the attention scale);
  // none of it is computed yet, so refuse rather than show a wrong picture.
  if (t == "yarn" || t == "linear" || t == "llama3" || t == "dynamic")
    throw InputError("rope scaling '" + t + "' is not run yet; the ledger supports it, the forward "
                     "pass computes default RoPE only");
  throw InputError("rope scaling '" + t + "' is unknown");
}

// x (T, D) = token embedding [+ learned or sinusoidal position] [+ token type 0] [-> LayerNorm]
Tensor embed(Backend& b, const ModelSpec& s, const ModelWeights& w, const std::vector<int>& ids) {
  const int T = static_cast<int>(ids.size()), D = s.d_model;
  Tensor x({T, D});
  for (int t = 0; t < T; ++t) {
    const float* e = w.token_embedding.row(ids[t]);
    std::copy(e, e + D, x.row(t));
  }
  if (s.position == PositionKind::Learned)
    for (int t = 0; t < T; ++t)
      for (int d = 0; d < D; ++d) x.row(t)[d] += w.position_embedding.row(t)[d];
  if (s.position == PositionKind::Sinusoidal) {
    Tensor pe = sinusoidal_positions(T, D);
    const float scale = std::sqrt(static_cast<float>(D));
    for (int64_t i = 0; i < x.numel(); ++i) x.data[i] = x.data[i] * scale + pe.data[i];
  }
  if (!w.token_type_embedding.empty())
    for (int t = 0; t < T; ++t)
      for (int d = 0; d < D; ++d) x.row(t)[d] += w.token_type_embedding.row(0)[d];
  if (has_embedding_norm(s)) x = apply_norm(b, s, w.embedding_norm, x);
  return x;
}

struct StackRun {
  Stack which;
  const AttentionMask* self_mask;
  const Tensor* position_bias;  // T5 relative bias (H, T, T) or null
  const Tensor* memory;         // encoder output for cross-attention, or null
  const AttentionMask* cross_mask;
};

Tensor ffn_or_moe(Backend& b, const ModelSpec& s, const LayerWeights& l, const Tensor& h,
                  const StackRun& run, int layer, StackTrace& trace) {
  if (!l.moe) return feed_forward(b, s, l.ffn, h);
  MoeResult m = mixture_of_experts(b, s, *l.moe, h);
  MoeMetrics metrics = compute_metrics(m.routing, s.moe);
  trace.moe.push_back({run.which, layer, std::move(m.routing), std::move(metrics)});
  return std::move(m.out);
}

// One stack of blocks: pre-norm  x += f(norm(x));  post-norm  x = norm(x + f(x));
// parallel  x += attn(norm(x)) + ffn(norm(x)).
Tensor run_stack(Backend& b, const ModelSpec& s, const StackWeights& w, Tensor x, const StackRun& run,
                 StackTrace& trace) {
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights& l = w.layers[i];
    const int layer = static_cast<int>(i);
    trace.hidden.push_back(x);
    auto record = [&](AttentionResult& a, bool cross) {
      auto& list = cross ? trace.cross_attention : trace.self_attention;
      list.push_back({run.which, layer, cross, cross ? *run.cross_mask : *run.self_mask, std::move(a.probs)});
    };
    if (s.norm_placement == NormPlacement::Post) {
      AttentionResult a = self_attention(b, s, l.self_attn, x, *run.self_mask, run.position_bias);
      b.add_inplace(x, a.out);
      x = apply_norm(b, s, l.attn_norm, x);
      record(a, false);
      Tensor f = ffn_or_moe(b, s, l, x, run, layer, trace);
      b.add_inplace(x, f);
      x = apply_norm(b, s, l.ffn_norm, x);
      continue;
    }
    Tensor h = apply_norm(b, s, l.attn_norm, x);
    AttentionResult a = self_attention(b, s, l.self_attn, h, *run.self_mask, run.position_bias);
    record(a, false);
    if (s.parallel_block) {
      Tensor f = ffn_or_moe(b, s, l, h, run, layer, trace);
      b.add_inplace(x, a.out);
      b.add_inplace(x, f);
      continue;
    }
    b.add_inplace(x, a.out);
    if (run.memory) {
      AttentionResult c = cross_attention(b, s, *l.cross_attn, apply_norm(b, s, l.cross_norm, x),
                                          *run.memory, *run.cross_mask);
      b.add_inplace(x, c.out);
      record(c, true);
    }
    Tensor f = ffn_or_moe(b, s, l, apply_norm(b, s, l.ffn_norm, x), run, layer, trace);
    b.add_inplace(x, f);
  }
  if (s.norm_placement == NormPlacement::Pre) x = apply_norm(b, s, w.final_norm, x);
  trace.hidden.push_back(x);
  return x;
}

// logits (T, V) from the last hidden states (T, D).
Tensor head(Backend& b, const ModelSpec& s, const ModelWeights& w, Tensor x) {
  if (s.mlm_head) {
    // BERT: t = LN(act(W_t x + b_t)); logits = t · W_wordᵀ + b_vocab
    Tensor t = b.activate(b.linear(x, w.mlm_dense.w, w.mlm_dense.bias()), activation_of(s.ffn));
    t = b.layer_norm(t, w.mlm_norm.gamma, &w.mlm_norm.beta, static_cast<float>(s.norm_eps));
    return b.linear(t, w.token_embedding, &w.mlm_bias);
  }
  if (s.tied_embeddings) {
    if (s.scale_tied_logits) {  // T5: the tied head sees the output scaled by D^-0.5
      const float scale = 1.0f / std::sqrt(static_cast<float>(s.d_model));
      for (auto& v : x.data) v *= scale;
    }
    return b.linear(x, w.token_embedding, nullptr);
  }
  return b.linear(x, w.lm_head.w, nullptr);
}

Tensor stack_position_bias(const ModelSpec& s, const StackWeights& w, int tokens, bool bidirectional) {
  if (s.position != PositionKind::T5Relative) return {};
  return t5_position_bias(w.layers.front().self_attn.relative_bias, tokens, tokens, bidirectional,
                          s.buckets);
}

}  // namespace

std::shared_ptr<const Trace> forward(const ModelSpec& s, const ModelWeights& w, Backend& b,
                                     const ForwardInputs& in) {
  const auto start = std::chrono::steady_clock::now();
  check_rope_supported(s);
  check_ids(s, in.input_ids, "input_ids");
  if (!in.key_valid.empty() && in.key_valid.size() != in.input_ids.size())
    throw InputError("key padding: " + std::to_string(in.key_valid.size()) + " flags for " +
                     std::to_string(in.input_ids.size()) + " tokens");
  auto trace = std::make_shared<Trace>();
  trace->spec = s;
  trace->backend = b.name();
  trace->input_ids = in.input_ids;
  const int T = static_cast<int>(in.input_ids.size());

  Tensor out;
  if (s.family == Family::EncoderDecoder) {
    trace->decoder_input_ids = in.decoder_input_ids.empty() ? std::vector<int>{0} : in.decoder_input_ids;
    check_ids(s, trace->decoder_input_ids, "decoder_input_ids");
    const int Td = static_cast<int>(trace->decoder_input_ids.size());
    AttentionMask enc_mask = AttentionMask::bidirectional();
    enc_mask.key_valid = in.key_valid;
    Tensor enc_bias = stack_position_bias(s, w.encoder, T, true);
    Tensor memory = run_stack(b, s, w.encoder, embed(b, s, w, in.input_ids),
                              {Stack::Encoder, &enc_mask, enc_bias.empty() ? nullptr : &enc_bias,
                               nullptr, nullptr},
                              trace->encoder);
    AttentionMask dec_mask = AttentionMask::from_spec(s.mask);
    AttentionMask cross_mask = AttentionMask::cross_attention(in.key_valid);
    Tensor dec_bias = stack_position_bias(s, w.decoder, Td, false);
    out = run_stack(b, s, w.decoder, embed(b, s, w, trace->decoder_input_ids),
                    {Stack::Decoder, &dec_mask, dec_bias.empty() ? nullptr : &dec_bias, &memory,
                     &cross_mask},
                    trace->decoder);
  } else {
    const bool encoder = s.family == Family::EncoderOnly;
    AttentionMask mask = AttentionMask::from_spec(s.mask);
    mask.key_valid = in.key_valid;
    StackTrace& st = encoder ? trace->encoder : trace->decoder;
    out = run_stack(b, s, encoder ? w.encoder : w.decoder, embed(b, s, w, in.input_ids),
                    {encoder ? Stack::Encoder : Stack::Decoder, &mask, nullptr, nullptr, nullptr}, st);
  }
  trace->logits = head(b, s, w, std::move(out));

  if (s.is_moe() && s.moe.router == RouterFunction::Softmax && s.family != Family::EncoderDecoder) {
    std::vector<const Tensor*> logits;
    for (const MoeRecord& m : trace->main_stack().moe) logits.push_back(&m.routing.logits);
    trace->aux_loss_hf = hf_load_balancing_loss(logits, s.moe.top_k);
  }
  trace->elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return trace;
}

}  // namespace archscope
