// Writing files so that a failure is never silent and never leaves a partial
// file: every write, sync and close is checked, a regular file is written
// beside its destination and renamed over it only when complete, and any
// error removes what was written and throws OutputError.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace archscope {

class OutputFile {
 public:
  // Opens the temporary file (or, for an existing device or FIFO such as
  // /dev/stdout, the destination itself).
  explicit OutputFile(std::string path);
  ~OutputFile();  // without commit(): removes the temporary file
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Syncs, closes and renames into place. Only then does `path` change.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what, int error);

  std::string path_;
  std::string temp_;  // empty when writing straight to a device
  int fd_ = -1;
  size_t written_ = 0;
};

// The whole of `text` to `path`, as one OutputFile.
void write_text_file(const std::string& path, std::string_view text);

}  // namespace archscope
