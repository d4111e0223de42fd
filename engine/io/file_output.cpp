// POSIX writes with every return value looked at.
#include "engine/io/file_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "engine/errors.h"

namespace archscope {

namespace {

std::atomic<int> temp_counter{0};

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) fail("is a directory, not a file to write", EISDIR);
    // A device or FIFO (/dev/stdout, /dev/null): write to it directly; it cannot be replaced.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) fail("cannot open for writing", errno);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    return;
  }
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temp_ = path_ + ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(temp_counter++);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) {
      const int error = errno;
      temp_.clear();
      fail("cannot be created", error);
    }
  }
  if (fd_ < 0) {
    temp_.clear();
    fail("cannot be created (no free temporary name beside it)", EEXIST);
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void OutputFile::fail(const std::string& what, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::string msg = path_ + ": " + what + " (" + std::strerror(error) + ")";
  if (written_ > 0) msg += " after " + std::to_string(written_) + " bytes";
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
    msg += "; nothing was written in its place";
  }
  throw OutputError(msg);
}

void OutputFile::write(const void* data, size_t bytes) {
  if (fd_ < 0) throw OutputError(path_ + ": write after the file was closed");
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write failed", n < 0 ? errno : EIO);
    p += n;
    bytes -= static_cast<size_t>(n);
    written_ += static_cast<size_t>(n);
  }
}

void OutputFile::commit() {
  if (fd_ < 0) throw OutputError(path_ + ": committed twice");
  // A full disk may only show at sync or close (delayed allocation).
  if (!temp_.empty() && ::fdatasync(fd_) != 0) fail("sync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  if (temp_.empty()) return;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("cannot be put in place", errno);
  temp_.clear();
}

void write_text_file(const std::string& path, std::string_view text) {
  OutputFile out(path);
  out.write(text);
  out.commit();
}

}  // namespace archscope
