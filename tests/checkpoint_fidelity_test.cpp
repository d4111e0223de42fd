// Real checkpoints compute what transformers 5.17 computes: heads of their own
// (GPT-2, BERT, T5 v1.1), legacy and fused tensor names, and every unused
// tensor reported or refused. Each case edits a fixture copy so that
// transformers' outputs stay the fixture's (or are the fixture's, permuted).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/errors.h"
#include "engine/model/ledger.h"
#include "tests/fixture_copy.h"

using namespace archscope;
using namespace archscope::testing;

namespace {

std::string error_loading(const std::string& folder) {
  try {
    load_hf_model(folder);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_logits(const std::string& folder, const std::string& fixture, const Tensor& want) {
  auto trace = run_folder(folder, fixture_inputs(fixture));
  const double err = max_abs_diff(trace->logits, want);
  EXPECT_LE(err, logits_tolerance(want)) << fixture << ": max |logits error| " << err;
}

bool mentions(const LoadReport& r, const std::string& part) {
  for (const auto& w : r.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

// ---- T5 v1.1 / FLAN-T5 as transformers 5 saves them (issue 8, item 2) ----

// 5.x writes tie_word_embeddings true and scale_decoder_outputs false for a
// model with its own head, and keeps lm_head.weight. Choosing that head as
// shared·D^-0.5 gives, unscaled, exactly the tied and scaled logits.
TEST(T5Head, OwnHeadWithoutScalingAsTransformers5SavesIt) {
  FixtureCopy t5("t5");
  t5.config["scale_decoder_outputs"] = false;
  Tensor head = t5.tensor("shared.weight");
  for (float& v : head.data) v /= std::sqrt(32.0f);
  t5.add("lm_head.weight", head);
  const std::string folder = t5.write();
  expect_logits(folder, "t5", expected_tensor("t5", "logits"));
  // The ledger counts the head of its own (V x D).
  LoadedModel m = inspect_hf_model(folder);
  EXPECT_FALSE(m.spec.tied_embeddings);
  EXPECT_EQ(compute_ledger(m.spec).params_total,
            compute_ledger(load_hf_model(t5.source()).spec).params_total + 128 * 32);
}

// With the scale on, a head in the file is still the head (5.x keeps it):
// rows permuted give the fixture's logits with columns permuted.
TEST(T5Head, CheckpointHeadWinsOverTheSharedTable) {
  FixtureCopy t5("t5");
  const std::vector<int> p = row_permutation(128);
  t5.add("lm_head.weight", permute_rows(t5.tensor("shared.weight"), p));
  expect_logits(t5.write(), "t5", permute_columns(expected_tensor("t5", "logits"), p));
}

TEST(T5Head, Transformers4UntiedConfigStillWorks) {
  FixtureCopy t5("t5");
  t5.config.erase("scale_decoder_outputs");
  t5.config["tie_word_embeddings"] = false;
  Tensor head = t5.tensor("shared.weight");
  for (float& v : head.data) v /= std::sqrt(32.0f);
  t5.add("lm_head.weight", head);
  expect_logits(t5.write(), "t5", expected_tensor("t5", "logits"));
}

TEST(T5Head, OwnHeadMissingIsNamed) {
  FixtureCopy t5("t5");
  t5.config["scale_decoder_outputs"] = false;
  std::string e = error_loading(t5.write());
  EXPECT_NE(e.find("missing tensor 'lm_head.weight'"), std::string::npos) << e;
  EXPECT_NE(e.find("scale_decoder_outputs"), std::string::npos) << e;
}

// ---- Heads of their own in GPT-2 and BERT (item 6) ----

TEST(UntiedHead, Gpt2ReadsLmHead) {
  FixtureCopy gpt2("gpt2");
  gpt2.config["tie_word_embeddings"] = false;
  const std::vector<int> p = row_permutation(128);
  gpt2.add("lm_head.weight", permute_rows(gpt2.tensor("transformer.wte.weight"), p));
  expect_logits(gpt2.write(), "gpt2", permute_columns(expected_tensor("gpt2", "logits"), p));
}

TEST(UntiedHead, Gpt2WithoutItsHeadIsNamed) {
  FixtureCopy gpt2("gpt2");
  gpt2.config["tie_word_embeddings"] = false;
  std::string e = error_loading(gpt2.write());
  EXPECT_NE(e.find("missing tensor 'lm_head.weight'"), std::string::npos) << e;
}

TEST(UntiedHead, BertReadsItsDecoder) {
  FixtureCopy bert("bert");
  bert.config["tie_word_embeddings"] = false;
  const std::vector<int> p = row_permutation(128);
  bert.add("cls.predictions.decoder.weight", permute_rows(bert.tensor("bert.embeddings.word_embeddings.weight"), p));
  Tensor& bias = bert.tensor("cls.predictions.bias");
  bias = permute_rows(bias.reshaped({128, 1}), p).reshaped({128});
  expect_logits(bert.write(), "bert", permute_columns(expected_tensor("bert", "logits"), p));
}

// ---- Legacy and fused names transformers renames on load (item 7) ----

TEST(Renames, BertLegacyGammaBeta) {
  FixtureCopy bert("bert");
  bert.rename_all("LayerNorm.weight", "LayerNorm.gamma");
  bert.rename_all("LayerNorm.bias", "LayerNorm.beta");
  const std::string folder = bert.write();
  expect_logits(folder, "bert", expected_tensor("bert", "logits"));
  EXPECT_TRUE(mentions(load_hf_model(folder).report, "gamma/beta"));
}

// transformers 5's own expert layout, which conversion_mapping.py builds from
// the per-expert tensors: gate_up_proj (E, 2F, D) = [gate; up], down_proj (E, D, F).
void fuse_experts(FixtureCopy& c, const std::string& layer, int E, const char* gate, const char* up,
                  const char* down) {
  std::vector<float> gate_up, downs;
  int F = 0, D = 0;
  for (int e = 0; e < E; ++e) {
    const std::string p = layer + "experts." + std::to_string(e) + ".";
    const Tensor g = c.tensor(p + gate + ".weight"), u = c.tensor(p + up + ".weight"), d = c.tensor(p + down + ".weight");
    F = g.dim(0);
    D = g.dim(1);
    gate_up.insert(gate_up.end(), g.data.begin(), g.data.end());
    gate_up.insert(gate_up.end(), u.data.begin(), u.data.end());
    downs.insert(downs.end(), d.data.begin(), d.data.end());
    for (const char* n : {gate, up, down}) c.erase(p + n + ".weight");
  }
  Tensor gu({E, 2 * F, D}), dn({E, D, F});
  gu.data = gate_up;
  dn.data = downs;
  c.add(layer + "experts.gate_up_proj", gu);
  c.add(layer + "experts.down_proj", dn);
}

TEST(Renames, MixtralInTransformers5Layout) {
  FixtureCopy mx("mixtral");
  for (int l = 0; l < 2; ++l) {
    const std::string old_prefix = "model.layers." + std::to_string(l) + ".block_sparse_moe.";
    fuse_experts(mx, old_prefix, 4, "w1", "w3", "w2");
    mx.rename_all(old_prefix, "model.layers." + std::to_string(l) + ".mlp.");
  }
  expect_logits(mx.write(), "mixtral", expected_tensor("mixtral", "logits"));
}

TEST(Renames, Qwen2MoeAndDeepSeekV3InTransformers5Layout) {
  FixtureCopy qw("qwen2_moe");
  for (int l = 0; l < 2; ++l)
    fuse_experts(qw, "model.layers." + std::to_string(l) + ".mlp.", 8, "gate_proj", "up_proj", "down_proj");
  expect_logits(qw.write(), "qwen2_moe", expected_tensor("qwen2_moe", "logits"));
  FixtureCopy ds("deepseek_v3");
  fuse_experts(ds, "model.layers.1.mlp.", 8, "gate_proj", "up_proj", "down_proj");
  expect_logits(ds.write(), "deepseek_v3", expected_tensor("deepseek_v3", "logits"));
}

TEST(Renames, LlamaWithoutTheModelPrefix) {
  FixtureCopy llama("llama_gqa");
  llama.rename_all("model.", "");
  expect_logits(llama.write(), "llama_gqa", expected_tensor("llama_gqa", "logits"));
}

// ---- Every tensor used or reported (item 8) ----

TEST(UnusedTensors, TiedHeadThatDiffersIsRefused) {
  FixtureCopy gpt2("gpt2");
  gpt2.add("lm_head.weight", permute_rows(gpt2.tensor("transformer.wte.weight"), row_permutation(128)));
  std::string e = error_loading(gpt2.write());
  EXPECT_NE(e.find("'lm_head.weight'"), std::string::npos) << e;
  EXPECT_NE(e.find("tie_word_embeddings"), std::string::npos) << e;
}

TEST(UnusedTensors, TiedHeadThatIsACopyIsAccepted) {
  FixtureCopy gpt2("gpt2");
  gpt2.add("lm_head.weight", gpt2.tensor("transformer.wte.weight"));
  const std::string folder = gpt2.write();
  expect_logits(folder, "gpt2", expected_tensor("gpt2", "logits"));
  EXPECT_TRUE(load_hf_model(folder).report.warnings.empty());
}

TEST(UnusedTensors, SharedExpertTheConfigDoesNotHaveIsRefused) {
  FixtureCopy qw("qwen2_moe");
  qw.config["shared_expert_intermediate_size"] = 0;
  std::string e = error_loading(qw.write());
  EXPECT_NE(e.find("'model.layers.0.mlp.shared_expert.gate_proj.weight': shared-expert weights"),
            std::string::npos) << e;
  EXPECT_NE(e.find("'model.layers.0.mlp.shared_expert_gate.weight'"), std::string::npos) << e;
}

TEST(UnusedTensors, BiasTheConfigDoesNotEnableIsRefused) {
  FixtureCopy llama("llama_gqa");
  llama.add("model.layers.0.self_attn.q_proj.bias", Tensor({32}, 0.5f));
  std::string e = error_loading(llama.write());
  EXPECT_NE(e.find("'model.layers.0.self_attn.q_proj.bias': a bias"), std::string::npos) << e;
  EXPECT_NE(e.find("refused"), std::string::npos) << e;
}

TEST(UnusedTensors, HarmlessLeftoversAreListedNotRefused) {
  FixtureCopy bert("bert");
  bert.add("bert.pooler.dense.weight", Tensor({32, 32}, 0.1f));
  bert.add("bert.pooler.dense.bias", Tensor({32}, 0.1f));
  bert.add("cls.seq_relationship.weight", Tensor({2, 32}, 0.1f));
  const std::string folder = bert.write();
  expect_logits(folder, "bert", expected_tensor("bert", "logits"));
  const LoadReport r = load_hf_model(folder).report;
  EXPECT_EQ(r.warnings.size(), 3u);
  EXPECT_TRUE(mentions(r, "'bert.pooler.dense.weight'"));
  EXPECT_TRUE(mentions(r, "'cls.seq_relationship.weight'"));
  // The header-only check says the same without reading tensor data.
  EXPECT_EQ(inspect_hf_model(folder).report.warnings, r.warnings);

  FixtureCopy ds("deepseek_v3");
  ds.add("model.layers.2.eh_proj.weight", Tensor({32, 64}, 0.1f));  // a layer past num_hidden_layers
  ds.add("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor({2}, 1.0f));
  const std::string ds_folder = ds.write();
  expect_logits(ds_folder, "deepseek_v3", expected_tensor("deepseek_v3", "logits"));
  EXPECT_TRUE(mentions(load_hf_model(ds_folder).report, "block 2 is past the config's 2 layers"));
}
