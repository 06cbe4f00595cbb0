// Reading phone books and wvdial.conf files with a size limit (phonebook.hpp):
// read_bounded_file, phonebook::load, wvdial_config::load.
//
// The limit bounds what is read, not what stat says: at most limit + 1 bytes are ever
// read, so /dev/zero, a FIFO or a file that grows while it is read cannot make a program
// read (or allocate) more. stat only lets a regular file that is already too large be
// refused without reading it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dialup/engine/ras_error.hpp"
#include "phonebook_detail.hpp"

namespace dialup {

namespace phonebook_detail {

std::string size_text(std::size_t bytes) {
  constexpr std::size_t mib = std::size_t{1} << 20;
  constexpr std::size_t kib = std::size_t{1} << 10;
  if (bytes != 0 && bytes % mib == 0) return std::to_string(bytes / mib) + " MiB";
  if (bytes != 0 && bytes % kib == 0) return std::to_string(bytes / kib) + " KiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace phonebook_detail

using namespace phonebook_detail;

phonebook_error read_bounded_file(const std::string& path, std::size_t limit, std::string& out) {
  auto fail = [&](ras_error code, std::string reason) {
    return phonebook_error{make_error_code(code), path, 0, std::move(reason)};
  };
  auto too_large = [&] {
    return fail(ras_error::cannot_load_phonebook, "larger than " + size_text(limit));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return fail(ras_error::cannot_open_phonebook, std::string("cannot open: ") + std::strerror(errno));
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};

  std::string text;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > limit) return too_large();
    text.reserve(static_cast<std::size_t>(size) + 1);
  }
  char chunk[64 * 1024];
  while (text.size() <= limit) {
    const std::size_t want = std::min(sizeof chunk, limit + 1 - text.size());
    const auto n = ::read(fd, chunk, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ras_error::cannot_open_phonebook, std::string("cannot read: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  if (text.size() > limit) return too_large();
  out = std::move(text);
  return {};
}

phonebook_error phonebook::load(const std::string& path, phonebook& out, std::size_t limit) {
  std::string text;
  if (auto err = read_bounded_file(path, limit, text)) return err;
  return parse(text, path, out);
}

phonebook_error wvdial_config::load(const std::string& path, wvdial_config& out,
                                    std::size_t limit) {
  std::string text;
  if (auto err = read_bounded_file(path, limit, text)) return err;
  return parse(text, path, out);
}

}  // namespace dialup
