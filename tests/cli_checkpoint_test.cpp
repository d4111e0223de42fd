// `archscope run` and `archscope info` on model folders edited at test time:
// the tensors a checkpoint carries beyond the model are listed, refusals name
// them, and a T5 head of its own shows in the ledger.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "tests/fixture_copy.h"

using namespace archscope;
using namespace archscope::testing;

namespace {

struct Result {
  int status = 0;
  std::string output;  // stdout and stderr together
};

Result run_cli(const std::string& args) {
  Result r;
  const std::string command = std::string(ARCHSCOPE_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  r.status = pclose(pipe);
  return r;
}

FixtureCopy& with_leftovers(FixtureCopy& bert) {
  bert.add("bert.pooler.dense.weight", Tensor({32, 32}, 0.1f));
  bert.add("cls.seq_relationship.weight", Tensor({2, 32}, 0.1f));
  return bert;
}

}  // namespace

TEST(CliCheckpoint, RunListsUnusedTensors) {
  FixtureCopy bert("bert");
  const std::string folder = with_leftovers(bert).write();
  Result r = run_cli("run " + folder + " --input-ids 5,6,7");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("warning: 'bert.pooler.dense.weight': BERT's pooler"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("warning: 'cls.seq_relationship.weight'"), std::string::npos) << r.output;
  Result json = run_cli("run " + folder + " --input-ids 5,6,7 --json");
  EXPECT_NE(json.output.find("\"load_warnings\": ["), std::string::npos) << json.output;
}

TEST(CliCheckpoint, InfoOnAFolderChecksItsCheckpoint) {
  FixtureCopy bert("bert");
  const std::string folder = with_leftovers(bert).write();
  Result r = run_cli("info " + folder);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("warning: 'bert.pooler.dense.weight'"), std::string::npos) << r.output;
  Result json = run_cli("info " + folder + " --json");
  EXPECT_NE(json.output.find("\"load_warnings\": ["), std::string::npos) << json.output;
}

TEST(CliCheckpoint, RefusalNamesTheTensors) {
  FixtureCopy llama("llama_gqa");
  llama.add("model.layers.1.mlp.down_proj.bias", Tensor({32}, 0.5f));
  const std::string folder = llama.write();
  for (const std::string& command : {"run " + folder + " --input-ids 5,6,7", "info " + folder}) {
    Result r = run_cli(command);
    EXPECT_NE(r.status, 0) << command;
    EXPECT_NE(r.output.find("'model.layers.1.mlp.down_proj.bias': a bias config.json does not enable"),
              std::string::npos) << r.output;
  }
}

TEST(CliCheckpoint, InfoCountsAT5HeadOfItsOwn) {
  FixtureCopy t5("t5");
  t5.config["scale_decoder_outputs"] = false;
  t5.add("lm_head.weight", t5.tensor("shared.weight"));
  Result r = run_cli("info " + t5.write() + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  int64_t head = -1;
  for (const auto& line : j["params_breakdown"])
    if (line["component"] == "lm_head") head = line["total"];
  EXPECT_EQ(head, 128 * 32);
  EXPECT_EQ(j["model"]["tied_embeddings"], false);
}

TEST(CliCheckpoint, ANaNWeightIsRefusedNamingTheTensor) {
  FixtureCopy mixtral("mixtral");
  mixtral.tensor("model.layers.0.block_sparse_moe.gate.weight").data[3] = std::nanf("");
  const std::string folder = mixtral.write();
  Result r = run_cli("run " + folder + " --input-ids 5,6,7 --capacity-factor 1");
  EXPECT_EQ(WEXITSTATUS(r.status), 2) << r.output;
  EXPECT_NE(r.output.find("tensor 'model.layers.0.block_sparse_moe.gate.weight' [4, 32] holds 1 NaN or inf value"),
            std::string::npos)
      << r.output;
}
