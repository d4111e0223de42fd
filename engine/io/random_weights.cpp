// A counter-based generator (splitmix64) and Box-Muller, so the numbers do not
// depend on the standard library's distributions.
#include "engine/io/random_weights.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/errors.h"
#include "engine/model/ledger.h"
#include "engine/model/ledger_report.h"

namespace archscope {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  uint64_t state_;
};

class Maker {
 public:
  explicit Maker(uint64_t seed) : rng_(seed) {}

  Tensor normal(std::vector<int> shape, double std) {
    Tensor t(std::move(shape));
    for (auto& x : t.data) x = static_cast<float>(rng_.normal() * std);
    return t;
  }
  Linear linear(int out, int in, bool bias) {
    Linear l{normal({out, in}, 1.2 / std::sqrt(static_cast<double>(in))), {}};
    if (bias) l.b = normal({out}, 0.1);
    return l;
  }
  Norm norm(int d, bool bias) {
    Norm n{Tensor({d}), {}};
    for (auto& x : n.gamma.data) x = static_cast<float>(0.8 + 0.4 * rng_.uniform());
    if (bias) n.beta = normal({d}, 0.1);
    return n;
  }
  FfnWeights ffn(const ModelSpec& s, int width) {
    FfnWeights f;
    const bool gated = s.ffn == FfnKind::SwiGLU || s.ffn == FfnKind::GatedGelu;
    if (gated) f.gate = linear(width, s.d_model, s.mlp_bias);
    f.up = linear(width, s.d_model, s.mlp_bias);
    f.down = linear(s.d_model, width, s.mlp_bias);
    return f;
  }
  AttentionWeights attention(const ModelSpec& s, bool relative_bias) {
    const int d = s.d_model, h = s.heads;
    AttentionWeights a;
    if (s.attention == AttentionKind::MLA) {
      const MlaSpec& m = s.mla;
      const int qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
      if (m.q_lora_rank > 0) {
        a.q_a = linear(m.q_lora_rank, d, s.attention_bias);
        a.q_a_norm = norm(m.q_lora_rank, false);
        a.q_b = linear(h * qk, m.q_lora_rank, false);
      } else {
        a.q = linear(h * qk, d, false);
      }
      a.kv_a = linear(m.kv_lora_rank + m.qk_rope_head_dim, d, s.attention_bias);
      a.kv_a_norm = norm(m.kv_lora_rank, false);
      a.kv_b = linear(h * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank, false);
      a.o = linear(d, h * m.v_head_dim, s.attention_bias);
      return a;
    }
    const bool qkv_bias = s.attention_bias || s.qkv_bias;
    a.q = linear(h * s.head_dim, d, qkv_bias);
    a.k = linear(s.kv_heads * s.head_dim, d, qkv_bias);
    a.v = linear(s.kv_heads * s.head_dim, d, qkv_bias);
    a.o = linear(d, h * s.head_dim, s.attention_bias);
    if (relative_bias) a.relative_bias = normal({s.buckets.num_buckets, h}, 1.0);
    return a;
  }
  MoeWeights moe(const ModelSpec& s) {
    const MoeSpec& e = s.moe;
    MoeWeights m;
    // Routers get a larger scale so that routing is decisive, as in a trained model.
    m.router = linear(e.experts, s.d_model, e.router_bias);
    for (auto& x : m.router.w.data) x *= 2.0f;
    if (e.correction_bias) m.correction_bias = normal({e.experts}, 0.1);
    for (int i = 0; i < e.experts; ++i) m.experts.push_back(ffn(s, e.expert_intermediate));
    if (e.shared_experts > 0) m.shared = ffn(s, e.shared_intermediate);
    if (e.shared_gate) m.shared_gate = linear(1, s.d_model, false);
    return m;
  }
  StackWeights stack(const ModelSpec& s, int layers, bool cross) {
    const bool norm_bias = s.norm == NormKind::LayerNorm;
    StackWeights st;
    for (int i = 0; i < layers; ++i) {
      LayerWeights l;
      l.attn_norm = norm(s.d_model, norm_bias);
      l.self_attn = attention(s, s.position == PositionKind::T5Relative && i == 0);
      if (cross) {
        l.cross_norm = norm(s.d_model, norm_bias);
        l.cross_attn = attention(s, false);
      }
      if (!s.parallel_block) l.ffn_norm = norm(s.d_model, norm_bias);
      if (s.is_moe_layer(i))
        l.moe = moe(s);
      else
        l.ffn = ffn(s, s.d_ff);
      st.layers.push_back(std::move(l));
    }
    if (s.norm_placement == NormPlacement::Pre) st.final_norm = norm(s.d_model, norm_bias);
    return st;
  }

 private:
  Rng rng_;
};

}  // namespace

uint64_t weight_bytes_f32(const ModelSpec& spec) {
  Ledger l = compute_ledger(spec, DType::FP32);
  uint64_t bytes = static_cast<uint64_t>(l.params_total) * 4;
  for (const auto& line : l.lines)
    if (!line.in_total) bytes += static_cast<uint64_t>(line.total) * 4;
  return bytes;
}

uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return 0;
}

void check_fits_in_memory(const ModelSpec& spec, uint64_t budget) {
  if (budget == 0) return;
  const uint64_t need = weight_bytes_f32(spec);
  // Activations and the trace are small next to the weights; keep a margin for them.
  if (need > budget / 10 * 8) {
    std::ostringstream msg;
    msg << spec.name << ": the float32 weights need " << human_bytes(static_cast<double>(need))
        << " but only " << human_bytes(static_cast<double>(budget))
        << " of memory is available; refused before allocating. Use the classroom size "
           "(the default for presets) or a smaller config.";
    throw ResourceError(msg.str());
  }
}

ModelWeights make_random_weights(const ModelSpec& s, uint64_t seed, uint64_t budget) {
  validate_or_throw(s, s.name);
  check_fits_in_memory(s, budget ? budget : available_memory_bytes());
  Maker make(seed);
  ModelWeights w;
  const int d = s.d_model;
  w.token_embedding = make.normal({s.vocab_size, d}, 1.0);
  if (s.position == PositionKind::Learned) w.position_embedding = make.normal({s.max_positions, d}, 1.0);
  if (s.type_vocab_size > 0) w.token_type_embedding = make.normal({s.type_vocab_size, d}, 1.0);
  if (has_embedding_norm(s)) w.embedding_norm = make.norm(d, true);
  if (s.family == Family::EncoderDecoder) {
    w.encoder = make.stack(s, s.layers, false);
    w.decoder = make.stack(s, s.decoder_layers, true);
  } else if (s.family == Family::EncoderOnly) {
    w.encoder = make.stack(s, s.layers, false);
  } else {
    w.decoder = make.stack(s, s.layers, false);
  }
  if (s.mlm_head) {
    w.mlm_dense = make.linear(d, d, true);
    w.mlm_norm = make.norm(d, true);
    w.mlm_bias = make.normal({s.vocab_size}, 0.1);
  }
  if (!s.tied_embeddings) {
    w.lm_head = make.linear(s.vocab_size, d, false);
  }
  return w;
}

}  // namespace archscope
