// The ledger: what an architecture costs. Parameters (total and active per
// token, counted the way Hugging Face counts them), LoRA trainable parameters,
// KV-cache bytes per token and forward FLOPs per token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/model_spec.h"

namespace archscope {

enum class DType { FP32, BF16, FP16, FP8 };
int bytes_per_element(DType);
const char* to_string(DType);
DType parse_dtype(const std::string&);  // throws InputError naming the accepted values

struct LedgerLine {
  std::string component;  // "decoder.attention", "embeddings.token", ...
  int64_t total = 0;      // parameters held
  int64_t active = 0;     // parameters used per token
  bool in_total = true;   // false for BERT's MLM head (the published total is BertModel's)
  std::string note;
};

struct Ledger {
  std::vector<LedgerLine> lines;
  int64_t params_total = 0;
  int64_t params_active = 0;
  int64_t matmul_params_active = 0;  // weights a token multiplies by, LM head included
  int64_t lora_trainable = 0;

  // What "per token" means: one token of a decoder-only or encoder-only model;
  // for an encoder-decoder, one source token through the encoder plus one
  // target token through the decoder and the head.
  std::string per_token;

  DType dtype = DType::BF16;
  int64_t kv_cache_bytes_per_token = 0;  // encoder-decoder: self + cross below
  int64_t kv_cache_self_bytes = 0;   // encoder-decoder: decoder self-attention, per target token
  int64_t kv_cache_cross_bytes = 0;  // encoder-decoder: cross-attention K/V, per source token
  int64_t kv_cache_elements_per_token_per_layer = 0;
  int kv_cache_layers = 0;
  std::string kv_cache_formula;
  int64_t weights_bytes = 0;  // params_total at dtype

  int64_t context = 4096;
  std::string context_note;          // where `context` came from ("the 1024-position table")
  std::string flops_convention;      // how FLOPs are counted, with its source
  int64_t attention_context = 4096;  // keys a token attends to (sliding windows cap it)
  int64_t flops_matmul = 0;          // 2 * matmul_params_active
  int64_t flops_attention = 0;       // 2 * L * H * (d_qk + d_v) * context
  int64_t flops_per_token = 0;
};

// The context FLOPs are counted at when none is given: 4096 keys, or the
// model's position table when that is shorter (GPT-2 1024, BERT 512).
int64_t default_context(const ModelSpec& spec);

// `context` 0 means default_context(spec). A context past a learned position
// table is an InputError: such a model has no position to give token 1025.
Ledger compute_ledger(const ModelSpec& spec, DType dtype = DType::BF16, int64_t context = 0);

}  // namespace archscope
