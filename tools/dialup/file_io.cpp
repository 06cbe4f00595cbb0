#include "file_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace dialup_cli {

bool read_file(const std::string& path, std::string& out, std::string& error, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (fifo(7)); O_NOCTTY: a terminal
  // named here does not become ours.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = path + " is a directory";
    return false;
  }
  const bool fifo = S_ISFIFO(st.st_mode);
  // Everything but a FIFO is read blocking, as any program reads a file.
  if (!fifo) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);

  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), max_bytes) + 1);
  char chunk[64 * 1024];
  bool writer_seen = false;  // a FIFO read once said "nothing yet" (EAGAIN), not "no writer"
  for (;;) {
    const std::size_t want = std::min(sizeof chunk, max_bytes + 1 - text.size());
    const auto n = ::read(fd, chunk, want);
    if (n > 0) {
      text.append(chunk, static_cast<std::size_t>(n));
      if (text.size() > max_bytes) {
        error = path + " is larger than " + std::to_string(max_bytes / 1024) + " KiB";
        return false;
      }
      continue;
    }
    if (n == 0) {
      // A FIFO read without a writer ends at once (pipe(7)): when that is before the
      // first byte, nobody is there to write it.
      if (fifo && text.empty() && !writer_seen) {
        error = path + " is a FIFO and no program has it open for writing";
        return false;
      }
      break;
    }
    if (errno == EINTR) continue;
    if (fifo && errno == EAGAIN) {
      // A writer has the FIFO open and has not written yet: wait for it (or its close).
      writer_seen = true;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
      }
      continue;
    }
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  out = std::move(text);
  return true;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code fec;
  fs::path target = path;
  if (fs::is_symlink(target, fec)) {
    auto resolved = fs::weakly_canonical(target, fec);
    if (!fec) target = resolved;
  }
  struct stat old {};
  const bool existed = ::stat(target.c_str(), &old) == 0;
  if (existed && !S_ISREG(old.st_mode)) {
    error = path + " is not a regular file";
    return false;
  }

  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    error = "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const std::string& what) {
    error = what + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };

  mode_t mode;
  if (existed) {
    mode = old.st_mode & 07777;
    // As root, the file keeps its owner (the mode alone would not give it back).
    if (::geteuid() == 0 && ::fchown(fd, old.st_uid, old.st_gid) != 0)
      return fail("cannot set the owner of " + tmp);
  } else {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  if (::fchmod(fd, mode) != 0) return fail("cannot set the mode of " + tmp);

  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write " + tmp);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot flush " + tmp);
  if (::close(fd) != 0) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    error = "cannot replace " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  // The rename itself is durable once the directory is flushed.
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace dialup_cli
