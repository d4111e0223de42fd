// embed -> stack of blocks -> head, for encoder-only, decoder-only, prefix-LM
// and encoder-decoder models, one backend call per step. Every tensor is a
// backend handle; the TraceBuilder brings what the request keeps to the host
// at the end, with a count of non-finite values of every sublayer's output.
// A resumed run starts at the first MoE layer's FFN.
#include "engine/run/pass.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/run/blocks.h"
#include "engine/run/trace_builder.h"

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

void check_flags(const std::vector<int>& ids, const ForwardInputs& in, const ModelSpec& s) {
  if (!in.key_valid.empty()) {
    if (in.key_valid.size() != ids.size())
      throw InputError("key padding: " + std::to_string(in.key_valid.size()) + " flags for " +
                       std::to_string(ids.size()) + " tokens");
    for (size_t i = 0; i < in.key_valid.size(); ++i)
      if (in.key_valid[i] > 1)
        throw InputError("key padding[" + std::to_string(i) + "] = " + std::to_string(in.key_valid[i]) +
                         ": expected 1 (a real token) or 0 (padding)");
  }
  if (in.token_type_ids.empty()) return;
  if (in.token_type_ids.size() != ids.size())
    throw InputError("token_type_ids: " + std::to_string(in.token_type_ids.size()) + " segments for " +
                     std::to_string(ids.size()) + " tokens");
  if (s.type_vocab_size <= 0) throw InputError("token_type_ids: " + s.name + " has no token type embedding");
  for (size_t i = 0; i < in.token_type_ids.size(); ++i)
    if (in.token_type_ids[i] < 0 || in.token_type_ids[i] >= s.type_vocab_size)
      throw InputError("token_type_ids[" + std::to_string(i) + "] = " + std::to_string(in.token_type_ids[i]) +
                       ": outside [0, " + std::to_string(s.type_vocab_size) + ")");
}

std::vector<int32_t> iota_ints(int n) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// One stack's run: its weights, masks, biases and tokens.
struct StackRun {
  Stack which;
  const StackWeights* weights;
  const AttentionMask* self_mask;
  const DeviceTensor* key_valid;      // of the stack's own tokens, or null
  const DeviceTensor* position_bias;  // T5 relative bias (H, T, T), or null
  const DeviceTensor* memory;         // encoder output for cross-attention, or null
  const AttentionMask* cross_mask;
  const DeviceTensor* cross_key_valid;
  MoeTokens tokens;
  const std::vector<uint8_t>* valid_host;  // (T) or empty
};

class Pass {
 public:
  Pass(Backend& b, const ModelSpec& s, const ResidentWeights& R, const PassInputs& in, TraceBuilder& trace,
       ResumePoint& point, Rerun from)
      : b_(b), s_(s), R_(R), in_(in), trace_(trace), point_(point), from_(from) {}

  void run() {
    const ModelWeights& w = R_.host();
    const bool resume = from_ == Rerun::FromCapacity || from_ == Rerun::FromRouting;
    if (!resume) point_ = ResumePoint{};
    const std::vector<uint8_t>& valid = in_.host.key_valid;
    const DeviceTensor* kv = in_.key_valid.empty() ? nullptr : &in_.key_valid;
    const MoeTokens tokens{kv, in_.real_tokens};
    DeviceTensor out;
    if (s_.family == Family::EncoderDecoder) {
      AttentionMask enc_mask = AttentionMask::bidirectional();
      enc_mask.key_valid = valid;
      AttentionMask dec_mask = AttentionMask::from_spec(s_.mask);
      AttentionMask cross_mask = AttentionMask::cross_attention(valid);
      if (!resume) {
        point_.encoder_bias = position_bias(w.encoder, in_.tokens, true);
        point_.decoder_bias = position_bias(w.decoder, in_.decoder_tokens, false);
      }
      StackRun enc{Stack::Encoder, &w.encoder, &enc_mask, kv, opt(point_.encoder_bias), nullptr, nullptr,
                   nullptr, tokens, &valid};
      DeviceTensor memory;
      if (resume && point_.stack == Stack::Decoder) {
        memory = point_.memory;
      } else {
        const bool here = resume && point_.stack == Stack::Encoder;
        memory = run_stack(enc, here ? DeviceTensor{} : embed(in_.ids, in_.positions, in_.token_types),
                           here ? point_.layer : 0, here);
      }
      static const std::vector<uint8_t> none;
      StackRun dec{Stack::Decoder, &w.decoder, &dec_mask, nullptr, opt(point_.decoder_bias), &memory, &cross_mask,
                   kv, MoeTokens{nullptr, in_.decoder_tokens}, &none};
      const bool here = resume && point_.stack == Stack::Decoder;
      out = run_stack(dec, here ? DeviceTensor{} : embed(in_.decoder_ids, in_.decoder_positions, in_.decoder_token_types),
                      here ? point_.layer : 0, here);
    } else {
      const bool encoder = s_.family == Family::EncoderOnly;
      AttentionMask mask = AttentionMask::from_spec(s_.mask);
      mask.key_valid = valid;
      StackRun run{encoder ? Stack::Encoder : Stack::Decoder, encoder ? &w.encoder : &w.decoder, &mask, kv,
                   nullptr, nullptr, nullptr, nullptr, tokens, &valid};
      out = run_stack(run, resume ? DeviceTensor{} : embed(in_.ids, in_.positions, in_.token_types),
                      resume ? point_.layer : 0, resume);
    }
    DeviceTensor logits = head(out);
    trace_.check_finite(b_, "output logits (the head)", logits);
    trace_.logits(logits);
  }

 private:
  static const DeviceTensor* opt(const DeviceTensor& t) { return t.empty() ? nullptr : &t; }

  // "decoder layer 2 self-attention output"; the stack is named only when there are two.
  std::string where(Stack stack, int layer, const char* what) const {
    const char* name = s_.family != Family::EncoderDecoder ? "" : stack == Stack::Encoder ? "encoder " : "decoder ";
    return name + std::string("layer ") + std::to_string(layer) + " " + what;
  }

  // x (T, D) = token embedding [+ learned or sinusoidal position] [+ token type] [-> LayerNorm]
  DeviceTensor embed(const DeviceTensor& ids, const DeviceTensor& positions, const DeviceTensor& token_types) {
    const ModelWeights& w = R_.host();
    const int T = ids.dim(0), D = s_.d_model;
    DeviceTensor x = b_.gather_rows(R_[w.token_embedding], ids);  // (T, D)
    if (s_.position == PositionKind::Learned) x = b_.add(x, b_.gather_rows(R_[w.position_embedding], positions));
    if (s_.position == PositionKind::Sinusoidal)
      x = b_.add(b_.scale(x, std::sqrt(static_cast<float>(D))), b_.sinusoidal_positions(T, D));
    if (!w.token_type_embedding.empty()) x = b_.add(x, b_.gather_rows(R_[w.token_type_embedding], token_types));
    if (has_embedding_norm(s_)) x = apply_norm(b_, s_, R_, w.embedding_norm, x);
    trace_.check_finite(b_, "embeddings", x);
    return x;
  }

  DeviceTensor position_bias(const StackWeights& w, int tokens, bool bidirectional) {
    if (s_.position != PositionKind::T5Relative) return {};
    return b_.relative_position_bias(R_[w.layers.front().self_attn.relative_bias], tokens, tokens, bidirectional,
                                     s_.buckets);  // (H, T, T), once per stack
  }

  AttentionOutputs attend(const StackRun& run, const LayerWeights& l, int layer, bool cross, const DeviceTensor& x) {
    const int T = x.dim(0), Tk = cross ? run.memory->dim(0) : T;
    const AttentionMask& mask = cross ? *run.cross_mask : *run.self_mask;
    AttentionCall call{&mask, cross ? run.cross_key_valid : run.key_valid, cross ? nullptr : run.position_bias,
                       probs_to_write(trace_.request(), run.which, layer, cross, s_.heads, T, Tk)};
    AttentionOutputs a = cross ? cross_attention(b_, s_, R_, *l.cross_attn, x, *run.memory, call)
                               : self_attention(b_, s_, R_, l.self_attn, x, call);
    trace_.attention(run.which, layer, cross, mask, s_.heads, T, Tk, call.probs, a);
    trace_.check_finite(b_, where(run.which, layer, cross ? "cross-attention output" : "self-attention output"), a.out);
    return a;
  }

  // Pre-norm  x += attn(norm(x)) [+ cross];  post-norm  x = norm(x + attn(x));
  // parallel  attn(norm(x)) beside the FFN. Returns the layer up to its FFN.
  LayerEntry attention_part(const StackRun& run, const LayerWeights& l, int layer, const DeviceTensor& x) {
    if (s_.norm_placement == NormPlacement::Post) {
      DeviceTensor x1 = apply_norm(b_, s_, R_, l.attn_norm, b_.add(x, attend(run, l, layer, false, x).out));
      return {x1, x1, {}};
    }
    DeviceTensor h = apply_norm(b_, s_, R_, l.attn_norm, x);
    if (s_.parallel_block) return {x, h, attend(run, l, layer, false, h).out};
    DeviceTensor x1 = b_.add(x, attend(run, l, layer, false, h).out);
    if (run.memory) x1 = b_.add(x1, attend(run, l, layer, true, apply_norm(b_, s_, R_, l.cross_norm, x1)).out);
    return {x1, apply_norm(b_, s_, R_, l.ffn_norm, x1), {}};
  }

  DeviceTensor finish_layer(const LayerEntry& e, const DeviceTensor& f, const LayerWeights& l) {
    if (s_.norm_placement == NormPlacement::Post) return apply_norm(b_, s_, R_, l.ffn_norm, b_.add(e.x, f));
    if (s_.parallel_block) return b_.add(b_.add(e.x, e.attn_out), f);
    return b_.add(e.x, f);
  }

  DeviceTensor moe(const StackRun& run, const LayerWeights& l, int layer, const LayerEntry& e, bool resume_here) {
    RouterState router;
    if (resume_here && from_ == Rerun::FromCapacity) router = point_.router;
    else if (resume_here) router = route(b_, s_, R_, *l.moe, e.h, run.tokens, &point_.router.logits);
    else router = route(b_, s_, R_, *l.moe, e.h, run.tokens);
    trace_.check_finite(b_, where(run.which, layer, "router logits"), router.logits);
    if (!point_.valid || resume_here) {  // the first MoE layer: where a re-route resumes
      if (!point_.valid) {
        point_.valid = true;
        point_.stack = run.which;
        point_.layer = layer;
        point_.entry = e;
        if (run.which == Stack::Decoder && run.memory) point_.memory = *run.memory;
      }
      point_.router = router;
    }
    MoeLayerResult m = experts_and_combine(b_, s_, R_, *l.moe, e.h, router, run.tokens);
    trace_.moe(run.which, layer, m, *run.valid_host, run.tokens.real);
    trace_.check_finite(b_, where(run.which, layer, "mixture-of-experts output"), m.out);
    return m.out;
  }

  // Layers [first, L) of a stack; `resume_here`: layer `first` starts at its FFN from the point.
  DeviceTensor run_stack(const StackRun& run, DeviceTensor x, int first, bool resume_here) {
    const StackWeights& w = *run.weights;
    trace_.layers(run.which, static_cast<int>(w.layers.size()));
    for (int i = first; i < static_cast<int>(w.layers.size()); ++i) {
      const LayerWeights& l = w.layers[i];
      const bool here = resume_here && i == first;
      if (!here) trace_.hidden(run.which, x);
      const LayerEntry e = here ? point_.entry : attention_part(run, l, i, x);
      const DeviceTensor f = l.moe ? moe(run, l, i, e, here) : feed_forward(b_, s_, R_, l.ffn, e.h);
      if (!l.moe) trace_.check_finite(b_, where(run.which, i, "feed-forward output"), f);
      x = finish_layer(e, f, l);
    }
    if (s_.norm_placement == NormPlacement::Pre) x = apply_norm(b_, s_, R_, w.final_norm, x);
    trace_.hidden(run.which, x);
    return x;
  }

  // logits (T, V) from the last hidden states (T, D). The head is the input
  // table when tied, else its own weight (lm_head, BERT's decoder).
  DeviceTensor head(DeviceTensor x) {
    const ModelWeights& w = R_.host();
    const DeviceTensor& vocab = R_[s_.tied_embeddings ? w.token_embedding : w.lm_head.w];  // (V, D)
    if (s_.mlm_head) {
      // BERT: t = LN(act(W_t x + b_t)); logits = t · W_decoderᵀ + b_vocab
      DeviceTensor t = b_.activate(b_.linear(x, R_[w.mlm_dense.w], R_.optional(w.mlm_dense.b)), activation_of(s_.ffn));
      t = b_.layer_norm(t, R_[w.mlm_norm.gamma], R_.optional(w.mlm_norm.beta), static_cast<float>(s_.norm_eps));
      return b_.linear(t, vocab, R_.optional(w.mlm_bias));
    }
    // T5: the head sees the output scaled by D^-0.5
    if (s_.scale_decoder_outputs) x = b_.scale(x, 1.0f / std::sqrt(static_cast<float>(s_.d_model)));
    return b_.linear(x, vocab, nullptr);
  }

  Backend& b_;
  const ModelSpec& s_;
  const ResidentWeights& R_;
  const PassInputs& in_;
  TraceBuilder& trace_;
  ResumePoint& point_;
  Rerun from_;
};

}  // namespace

PassInputs upload_inputs(Backend& b, const ModelSpec& s, const ForwardInputs& inputs) {
  check_rope_supported(s);
  check_ids(s, inputs.input_ids, "input_ids");
  check_flags(inputs.input_ids, inputs, s);
  PassInputs in;
  in.host = inputs;
  in.tokens = static_cast<int>(inputs.input_ids.size());
  in.real_tokens = inputs.key_valid.empty()
                       ? in.tokens
                       : static_cast<int>(std::count(inputs.key_valid.begin(), inputs.key_valid.end(), 1));
  auto ints = [&](const std::vector<int>& v) {
    return b.upload_ints(std::vector<int32_t>(v.begin(), v.end()), {static_cast<int>(v.size())});
  };
  in.ids = ints(inputs.input_ids);
  in.positions = b.upload_ints(iota_ints(in.tokens), {in.tokens});
  in.token_types = inputs.token_type_ids.empty() ? b.upload_ints(std::vector<int32_t>(in.tokens, 0), {in.tokens})
                                                 : ints(inputs.token_type_ids);
  if (!inputs.key_valid.empty())
    in.key_valid = b.upload_ints(std::vector<int32_t>(inputs.key_valid.begin(), inputs.key_valid.end()), {in.tokens});
  if (s.family == Family::EncoderDecoder) {
    if (in.host.decoder_input_ids.empty()) in.host.decoder_input_ids = {0};  // T5's decoder start token
    check_ids(s, in.host.decoder_input_ids, "decoder_input_ids");
    in.decoder_tokens = static_cast<int>(in.host.decoder_input_ids.size());
    in.decoder_ids = ints(in.host.decoder_input_ids);
    in.decoder_positions = b.upload_ints(iota_ints(in.decoder_tokens), {in.decoder_tokens});
    in.decoder_token_types = b.upload_ints(std::vector<int32_t>(in.decoder_tokens, 0), {in.decoder_tokens});
  }
  return in;
}

Trace trace_prefix(const Trace& t, const ResumePoint& p) {
  Trace out;
  auto cut = [&](const StackTrace& st) {
    StackTrace c;
    c.layers = st.layers;
    // hidden[i] enters layer i: layers [0, p.layer] have theirs before the FFN.
    c.hidden.assign(st.hidden.begin(), st.hidden.begin() + std::min<size_t>(st.hidden.size(), p.layer + 1));
    for (const auto* list : {&st.self_attention, &st.cross_attention})
      for (const AttentionRecord& a : *list)
        if (a.layer <= p.layer) (list == &st.self_attention ? c.self_attention : c.cross_attention).push_back(a);
    return c;
  };
  if (p.stack == Stack::Decoder) {
    out.encoder = t.encoder;
    out.decoder = cut(t.decoder);
  } else {
    out.encoder = cut(t.encoder);
  }
  return out;
}

std::shared_ptr<Trace> run_pass(Backend& b, const ModelSpec& spec, const ResidentWeights& R, const PassInputs& in,
                                const TraceRequest& request, ResumePoint& point, Rerun from, Trace prefix) {
  TraceBuilder builder(spec, request, std::move(prefix));
  Trace& host = builder.host();
  host.backend = b.name();
  host.input_ids = in.host.input_ids;
  host.key_valid = in.host.key_valid;
  host.token_type_ids = in.host.token_type_ids;
  if (spec.family == Family::EncoderDecoder) host.decoder_input_ids = in.host.decoder_input_ids;
  Pass(b, spec, R, in, builder, point, from).run();
  return builder.finish(b);
}

}  // namespace archscope
