// Cases for attention: every mask kind, sizes of 1 to above 256, GQA ratios
// 1, 4, 8 and all, MLA's split widths, key padding, T5's bias, and both
// forms (fused; with full maps and max-pooled thumbnails).
#include <cmath>
#include <string>

#include "tests/backend_ops/harness.h"

namespace archscope::op_tests {

namespace {

struct Attention {
  int Tq, Tk, H, KV, Dqk, Dv;
  MaskKind kind = MaskKind::Causal;
  int param = 0;  // prefix length, window or chunk size
  bool counts_self = true;
  bool cross = false;
  int pad_left = 0, pad_right = 0;
  bool bias = false;
  enum { Fused, AllHeads, SomeHeads } probs = Fused;
  int pool = 0;
};

const char* mask_name(const Attention& a) {
  if (a.cross) return "cross";
  switch (a.kind) {
    case MaskKind::Causal: return "causal";
    case MaskKind::Bidirectional: return "bidirectional";
    case MaskKind::Prefix: return "prefix";
    case MaskKind::SlidingWindow: return a.counts_self ? "window" : "windowgym";
    case MaskKind::Chunked: return "chunked";
  }
  return "?";
}

std::string name_of(const Attention& a) {
  std::string n = "attention_Tq" + std::to_string(a.Tq) + "_Tk" + std::to_string(a.Tk) + "_H" + std::to_string(a.H) +
                  "_KV" + std::to_string(a.KV) + "_Dqk" + std::to_string(a.Dqk) + "_Dv" + std::to_string(a.Dv) + "_" +
                  mask_name(a);
  if (a.param) n += std::to_string(a.param);
  if (a.pad_left || a.pad_right) n += "_pad" + std::to_string(a.pad_left) + "l" + std::to_string(a.pad_right) + "r";
  if (a.bias) n += "_bias";
  if (a.probs == Attention::AllHeads) n += "_probs";
  if (a.probs == Attention::SomeHeads) n += "_someheads";
  if (a.pool) n += "_thumbs" + std::to_string(a.pool);
  if (a.probs == Attention::Fused && !a.pool) n += "_fused";
  return n;
}

OpCase case_of(const Attention& a) {
  OpQuery q{Op::Attention,
            {{a.Tq, a.H, a.Dqk}, {a.Tk, a.KV, a.Dqk}, {a.Tk, a.KV, a.Dv}, a.bias ? std::vector<int>{a.H, a.Tq, a.Tk} : std::vector<int>{}},
            static_cast<int>(a.kind), a.probs != Attention::Fused || a.pool > 0};
  return {Op::Attention, name_of(a), kFloat, q, [a](Inputs& in) {
            AttentionMask mask;
            mask.kind = a.kind;
            mask.prefix_length = mask.window = mask.chunk_size = a.param;
            mask.window_counts_self = a.counts_self;
            mask.cross = a.cross;
            DeviceTensor q = in.f32({a.Tq, a.H, a.Dqk}), k = in.f32({a.Tk, a.KV, a.Dqk}), v = in.f32({a.Tk, a.KV, a.Dv});
            DeviceTensor bias = a.bias ? in.f32({a.H, a.Tq, a.Tk}) : DeviceTensor{};
            DeviceTensor valid = a.pad_left || a.pad_right ? in.valid(a.Tk, a.pad_left, a.pad_right) : DeviceTensor{};
            AttentionProbs probs;
            for (int h = 0; h < a.H && a.probs != Attention::Fused; ++h)
              if (a.probs == Attention::AllHeads || h % 3 == 1) probs.full_heads.push_back(h);
            probs.pool = a.pool;
            AttentionInputs inputs{&q, &k, &v, a.bias ? &bias : nullptr, valid.empty() ? nullptr : &valid, &mask,
                                   1.0f / std::sqrt(static_cast<float>(a.Dqk)), probs};
            AttentionOutputs o = in.backend().attention(inputs);
            Outputs out;
            out.add(in.backend(), "out", o.out);
            out.add(in.backend(), "probs", o.probs);
            out.add(in.backend(), "pooled", o.pooled);
            return out;
          }};
}

}  // namespace

std::vector<OpCase> attention_cases() {
  std::vector<OpCase> cases;
  // Every mask kind at every size, both forms.
  struct Kind {
    MaskKind kind;
    int param;
    bool counts_self, cross;
  };
  const Kind kinds[] = {{MaskKind::Causal, 0, true, false},        {MaskKind::Bidirectional, 0, true, false},
                        {MaskKind::Prefix, 5, true, false},        {MaskKind::SlidingWindow, 4, true, false},
                        {MaskKind::SlidingWindow, 4, false, false}, {MaskKind::Chunked, 8, true, false},
                        {MaskKind::Bidirectional, 0, true, true}};
  for (const Kind& k : kinds)
    for (int T : {1, 7, 33, 300})
      for (auto probs : {Attention::Fused, Attention::AllHeads}) {
        Attention a{T, k.cross ? T + 5 : T, 4, 2, 16, 16};
        a.kind = k.kind;
        a.param = k.param;
        a.counts_self = k.counts_self;
        a.cross = k.cross;
        a.probs = probs;
        cases.push_back(case_of(a));
      }
  // GQA ratios H / KV = 1, 4, 8 and all (MQA), at a head width of 64.
  for (int KV : {16, 4, 2, 1}) {
    Attention a{33, 33, 16, KV, 64, 64};
    a.probs = Attention::AllHeads;
    cases.push_back(case_of(a));
  }
  // MLA: q and k 24 wide (nope 16 + rope 8), v 16 wide.
  for (int T : {7, 65}) {
    Attention a{T, T, 4, 4, 24, 16};
    a.probs = Attention::AllHeads;
    cases.push_back(case_of(a));
    a.probs = Attention::Fused;
    cases.push_back(case_of(a));
  }
  // Key padding, left and right: fully padded rows give 0.
  for (MaskKind kind : {MaskKind::Causal, MaskKind::Bidirectional})
    for (auto [left, right] : {std::pair{3, 0}, {0, 5}, {2, 2}}) {
      Attention a{33, 33, 4, 2, 16, 16};
      a.kind = kind;
      a.pad_left = left;
      a.pad_right = right;
      a.probs = Attention::AllHeads;
      cases.push_back(case_of(a));
    }
  // T5's relative bias, unscaled scores aside.
  for (MaskKind kind : {MaskKind::Causal, MaskKind::Bidirectional}) {
    Attention a{17, 17, 4, 4, 16, 16};
    a.kind = kind;
    a.bias = true;
    a.probs = Attention::AllHeads;
    cases.push_back(case_of(a));
  }
  // Some heads at full size, every head as a thumbnail; pools that do not divide T.
  for (auto [T, pool] : {std::pair{65, 8}, {300, 64}, {33, 1}}) {
    Attention a{T, T, 8, 2, 16, 16};
    a.probs = Attention::SomeHeads;
    a.pool = pool;
    cases.push_back(case_of(a));
  }
  Attention thumb_only{300, 300, 4, 4, 16, 16};
  thumb_only.kind = MaskKind::SlidingWindow;
  thumb_only.param = 16;
  thumb_only.pool = 37;
  cases.push_back(case_of(thumb_only));
  return cases;
}

}  // namespace archscope::op_tests
