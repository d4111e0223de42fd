// Collects what a run keeps as backend handles while the forward pass runs,
// and brings all of it to the host in one batch at the end (finish), with
// the counts of non-finite values that decide whether the run is shown at
// all. A re-run starts from the host records it reuses (the prefix).
#pragma once

#include <memory>
#include <string>

#include "engine/backends/backend.h"
#include "engine/run/moe.h"
#include "engine/run/trace.h"

namespace archscope {

class TraceBuilder {
 public:
  // `prefix` holds the records of the part of the run that is reused (its
  // ids, spec and request are replaced); a fresh run passes an empty Trace.
  TraceBuilder(const ModelSpec& spec, const TraceRequest& request, Trace prefix);

  const TraceRequest& request() const { return trace_.request; }
  Trace& host() { return trace_; }  // ids, flags and other host fields

  void hidden(Stack stack, const DeviceTensor& x);
  void attention(Stack stack, int layer, bool cross, const AttentionMask& mask, int heads, int tq, int tk,
                 const AttentionProbs& asked, const AttentionOutputs& o);
  void moe(Stack stack, int layer, const MoeLayerResult& m, const std::vector<uint8_t>& valid, int real_tokens);
  void logits(const DeviceTensor& l);
  void layers(Stack stack, int count);
  // Counts x's NaN and inf on the backend; finish() refuses the run at the
  // first check, in run order, that found any, naming `where` ("decoder
  // layer 2 self-attention output").
  void check_finite(Backend& b, std::string where, const DeviceTensor& x);

  // One download of everything pending; metrics and the HF aux loss made.
  std::shared_ptr<Trace> finish(Backend& b);

 private:
  struct PendingAttention {
    Stack stack;
    bool cross;
    size_t index;  // in its StackTrace list
    DeviceTensor probs, pooled;
  };
  struct PendingMoe {
    Stack stack;
    size_t index;
    MoeLayerResult result;
    int real_tokens;
  };
  StackTrace& stack(Stack s) { return s == Stack::Encoder ? trace_.encoder : trace_.decoder; }

  Trace trace_;
  std::vector<std::pair<Stack, DeviceTensor>> hidden_;
  std::vector<PendingAttention> attention_;
  std::vector<PendingMoe> moe_;
  struct PendingCheck {
    std::string where;
    int64_t values;
    DeviceTensor count;  // (1) int32
  };
  std::vector<PendingCheck> checks_;
  DeviceTensor logits_;
};

}  // namespace archscope
