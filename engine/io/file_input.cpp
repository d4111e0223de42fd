// POSIX reads with the checks std::ifstream does not make.
#include "engine/io/file_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/errors.h"
#include "engine/model/ledger_report.h"

namespace archscope {

namespace {

// Reads from fd until end of file, refusing more than max_bytes.
std::string read_all(int fd, uint64_t max_bytes, const std::string& name, const std::string& what) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(name + ": read failed (" + std::strerror(errno) + ")");
    }
    if (out.size() + static_cast<uint64_t>(n) > max_bytes)
      throw InputError(name + ": more than " + human_bytes(static_cast<double>(max_bytes)) +
                       ", the limit for a " + what + "; refused");
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

std::string describe_file_type(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

OpenedFile open_regular_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string type = describe_file_type(st.st_mode);
    ::close(fd);
    throw InputError(path + ": expected a regular file, found " + type);
  }
  // Regular files never block; clear O_NONBLOCK so reads behave normally.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return {fd, static_cast<uint64_t>(st.st_size)};
}

std::string read_bounded_file(const std::string& path, uint64_t max_bytes, const std::string& what) {
  OpenedFile f = open_regular_file(path);
  if (f.size > max_bytes) {
    ::close(f.fd);
    throw InputError(path + ": " + human_bytes(static_cast<double>(f.size)) + " is more than " +
                     human_bytes(static_cast<double>(max_bytes)) + ", the limit for a " + what +
                     "; refused");
  }
  try {
    std::string text = read_all(f.fd, max_bytes, path, what);
    ::close(f.fd);
    return text;
  } catch (...) {
    ::close(f.fd);
    throw;
  }
}

std::string read_bounded_stdin(uint64_t max_bytes, const std::string& what) {
  return read_all(STDIN_FILENO, max_bytes, "standard input", what);
}

}  // namespace archscope
