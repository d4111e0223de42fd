// The trace part is trace_request.h's own estimate; this adds the weights and
// the working set of the widest layer, as the reference backend allocates them.
#include "engine/model/run_memory.h"

#include <algorithm>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/random_weights.h"
#include "engine/model/ledger_report.h"
#include "engine/model/limits.h"

namespace archscope {

namespace {

constexpr double kFloat = 4;

// One layer's transients over `tq` tokens: q, k, v, the FFN's hidden
// activations and the residual stream, and T5's relative bias (H, T, T).
double working_set(const ModelSpec& s, double tq) {
  const MoeSpec& e = s.moe;
  const double H = s.heads, D = s.d_model;
  const double dqk = s.attention == AttentionKind::MLA ? s.mla.qk_nope_head_dim + s.mla.qk_rope_head_dim
                                                       : s.head_dim;
  const double dv = s.attention == AttentionKind::MLA ? s.mla.v_head_dim : s.head_dim;
  const double ffn = std::max({static_cast<double>(s.d_ff), static_cast<double>(e.expert_intermediate),
                               static_cast<double>(e.shared_intermediate)});
  double bytes = kFloat * tq * (H * (2 * dqk + dv) + 3 * ffn + 4 * D + 2 * e.experts);
  if (s.position == PositionKind::T5Relative) bytes += kFloat * H * tq * tq;
  return bytes;
}

}  // namespace

RunMemory estimate_run_memory(const ModelSpec& s, int64_t tokens, int64_t decoder_tokens,
                              const TraceRequest& request) {
  validate_or_throw(s, s.name);
  const int t = static_cast<int>(std::min<int64_t>(tokens, limits::kPositions));
  const int td = static_cast<int>(std::clamp<int64_t>(decoder_tokens, 1, limits::kPositions));
  RunMemory m;
  m.weights = static_cast<double>(weight_bytes_f32(s));
  m.trace = static_cast<double>(estimate_trace_bytes(s, t, request, td));
  TraceRequest no_maps = request;
  no_maps.attention = AttentionKeep::None;
  m.attention_maps = m.trace - static_cast<double>(estimate_trace_bytes(s, t, no_maps, td));
  m.working = working_set(s, static_cast<double>(t));
  if (s.family == Family::EncoderDecoder) m.working = std::max(m.working, working_set(s, static_cast<double>(td)));
  return m;
}

void check_run_fits(const ModelSpec& s, int64_t tokens, int64_t decoder_tokens, const RunMemory& m,
                    uint64_t available) {
  if (available == 0 || m.total() <= 0.8 * static_cast<double>(available)) return;
  std::ostringstream msg;
  msg << s.name << ": a run of " << with_commas(tokens) << " tokens";
  if (s.family == Family::EncoderDecoder)
    msg << " (+ " << with_commas(std::max<int64_t>(decoder_tokens, 1)) << " decoder tokens)";
  msg << " needs about " << human_bytes(m.total()) << " (weights " << human_bytes(m.weights) << ", trace "
      << human_bytes(m.trace) << ", held twice until its one download";
  if (m.attention_maps > 0) {
    msg << ", of which attention maps " << human_bytes(m.attention_maps);
    if (s.family != Family::EncoderDecoder)
      msg << " (" << s.layers << " layers x " << s.heads << " heads x " << with_commas(tokens) << " x "
          << with_commas(tokens) << " floats)";
  }
  msg << "; working memory " << human_bytes(m.working) << ") but only "
      << human_bytes(static_cast<double>(available)) << " of memory is available; refused before allocating. ";
  if (m.weights > 0.8 * static_cast<double>(available))
    msg << "Run a smaller model (presets run at their classroom size unless --full-size).";
  else if (m.attention_maps > m.working)
    msg << "Run fewer tokens, or keep fewer attention maps (run keeps none without --dump).";
  else
    msg << "Run fewer tokens.";
  throw ResourceError(msg.str());
}

}  // namespace archscope
