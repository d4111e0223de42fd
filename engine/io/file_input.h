// Opening and reading files a user names, without trusting them: a FIFO,
// a device or a directory is refused instead of blocking or reading forever,
// and a file larger than the caller's bound is refused before it is read.
#pragma once

#include <cstdint>
#include <string>

namespace archscope {

// Opens `path` for reading without blocking (a FIFO with no writer would
// block in open) and checks that it is a regular file. Returns the file
// descriptor and its size; throws InputError naming `path` otherwise.
struct OpenedFile {
  int fd = -1;
  uint64_t size = 0;
};
OpenedFile open_regular_file(const std::string& path);

// The whole of a regular file of at most `max_bytes`; `what` names the kind
// of file in messages ("config.json", "--text file").
std::string read_bounded_file(const std::string& path, uint64_t max_bytes, const std::string& what);

// All of standard input, refusing more than `max_bytes`.
std::string read_bounded_stdin(uint64_t max_bytes, const std::string& what);

// "a FIFO", "a directory", "a character device", ...
std::string describe_file_type(unsigned mode);

}  // namespace archscope
