// Writes that fail say so and leave nothing behind: a full device, a file
// size limit hit half way, a folder that does not exist. An earlier file at
// the destination survives a failed rewrite.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/errors.h"
#include "engine/io/file_output.h"
#include "engine/io/safetensors.h"

using namespace archscope;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir() {
  static int counter = 0;
  fs::path p = fs::temp_directory_path() / ("archscope-out-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(counter++));
  fs::create_directories(p);
  return p;
}

std::vector<std::pair<std::string, Tensor>> megabyte() { return {{"x", Tensor({256, 1024}, 1.0f)}}; }

}  // namespace

TEST(Output, FullDeviceIsAnErrorNotSilence) {
  try {
    write_safetensors("/dev/full", megabyte());
    FAIL() << "wrote to /dev/full";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full: write failed (No space left on device)"), std::string::npos)
        << e.what();
  }
}

TEST(Output, MissingFolderAndDirectoryTargetsAreErrors) {
  EXPECT_THROW(write_safetensors("/nonexistent/dump.safetensors", megabyte()), OutputError);
  const fs::path dir = fresh_dir();
  EXPECT_THROW(write_text_file(dir.string(), "x"), OutputError);
  fs::remove_all(dir);
}

TEST(Output, WriteCutShortRemovesThePartialFileAndKeepsTheOldOne) {
  // A child process with a 64 KiB file size limit stands in for a disk that fills up.
  const fs::path dir = fresh_dir();
  const std::string path = (dir / "dump.safetensors").string();
  write_text_file(path, "earlier work");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{64 << 10, 64 << 10};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      write_safetensors(path, megabyte());
    } catch (const OutputError&) {
      ::_exit(7);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7) << "the cut-short write was not reported";
  std::ifstream in(path);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "earlier work");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1) << "a partial file was left";
  fs::remove_all(dir);
}

TEST(Output, CompleteWriteReplacesTheFile) {
  const fs::path dir = fresh_dir();
  const std::string path = (dir / "dump.safetensors").string();
  write_text_file(path, "earlier work");
  write_safetensors(path, megabyte());
  SafetensorsFile f(path);
  EXPECT_EQ(f.load("x").numel(), 256 * 1024);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}
