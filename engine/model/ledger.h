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

  DType dtype = DType::BF16;
  int64_t kv_cache_bytes_per_token = 0;
  int64_t kv_cache_elements_per_token_per_layer = 0;
  int kv_cache_layers = 0;
  std::string kv_cache_formula;
  int64_t weights_bytes = 0;  // params_total at dtype

  int64_t context = 4096;
  int64_t attention_context = 4096;  // keys a token attends to (sliding windows cap it)
  int64_t flops_matmul = 0;          // 2 * matmul_params_active
  int64_t flops_attention = 0;       // 2 * L * H * (d_qk + d_v) * context
  int64_t flops_per_token = 0;
};

Ledger compute_ledger(const ModelSpec& spec, DType dtype = DType::BF16, int64_t context = 4096);

}  // namespace archscope
