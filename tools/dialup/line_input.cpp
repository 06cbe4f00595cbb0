#include "line_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace dialup_cli {

namespace {

// Turns the terminal's echo off for as long as it lives (the way getpass(3) does: the line
// editing and the signal keys stay on, so Ctrl-C still interrupts).
class echo_off {
 public:
  explicit echo_off(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHOE | ECHOK | ECHONL));
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~echo_off() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

}  // namespace

std::unique_ptr<line_input> line_input::standard_input() {
  return std::unique_ptr<line_input>(new line_input(STDIN_FILENO, false, STDERR_FILENO));
}

std::unique_ptr<line_input> line_input::open_terminal(std::string& error) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    error = std::string("cannot open the terminal /dev/tty: ") + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<line_input>(new line_input(fd, true, fd));
}

line_input::line_input(int fd, bool own, int prompt_fd)
    : fd_(fd), own_(own), prompt_fd_(prompt_fd), terminal_(::isatty(fd) == 1) {
  // cancel() writes a byte here to wake a poll() that waits for the user.
  if (::pipe2(cancel_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) cancel_pipe_[0] = cancel_pipe_[1] = -1;
}

line_input::~line_input() {
  for (int fd : cancel_pipe_)
    if (fd >= 0) ::close(fd);
  if (own_) ::close(fd_);
}

void line_input::cancel() {
  cancelled_ = true;
  if (cancel_pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(cancel_pipe_[1], &byte, 1);
  }
}

void line_input::write_prompt(std::string_view text) const {
  while (!text.empty()) {
    auto n = ::write(prompt_fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool line_input::fill() {
  for (;;) {
    if (cancelled_ || eof_) return false;
    pollfd fds[2] = {{fd_, POLLIN, 0}, {cancel_pipe_[0], POLLIN, 0}};
    int r = ::poll(fds, cancel_pipe_[0] >= 0 ? 2 : 1, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      eof_ = true;
      return false;
    }
    if (fds[0].revents == 0) continue;  // the cancel pipe: checked at the top
    char chunk[512];
    auto n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      eof_ = true;
      return false;
    }
  }
}

std::optional<std::string> line_input::read_some() {
  if (cancelled_) return std::nullopt;
  if (buffer_.empty() && !fill()) return std::nullopt;
  if (cancelled_) return std::nullopt;
  return std::exchange(buffer_, {});
}

struct line_input::raw_mode::saved {
  termios attributes{};
};

line_input::raw_mode::raw_mode(int fd) : fd_(fd), saved_(std::make_unique<saved>()) {
  if (::tcgetattr(fd_, &saved_->attributes) != 0) return;
  termios raw = saved_->attributes;
  raw.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHOE | ECHOK | ECHONL | ICANON | IEXTEN));
  raw.c_iflag &= static_cast<tcflag_t>(~(ICRNL | INLCR | IGNCR | IXON));
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  // TCSANOW: what the user typed ahead (the first key after the prompt) is kept.
  active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
}

line_input::raw_mode::~raw_mode() {
  if (active_) ::tcsetattr(fd_, TCSANOW, &saved_->attributes);
}

std::unique_ptr<line_input::raw_mode> line_input::enter_raw_mode() {
  if (!terminal_) return nullptr;
  auto mode = std::make_unique<raw_mode>(fd_);
  if (!mode->active()) return nullptr;
  return mode;
}

std::optional<std::string> line_input::read_line(std::string_view prompt, bool secret) {
  if (cancelled_) return std::nullopt;
  if (!prompt.empty()) write_prompt(prompt);
  std::optional<echo_off> quiet;
  if (secret && terminal_) quiet.emplace(fd_);
  // What the user typed is on the screen unless it was a secret on a terminal; a prompt
  // answered from a pipe or file shows nothing at all. Either way the next output starts
  // on a line of its own.
  const bool newline_after = !prompt.empty() && (!terminal_ || secret);

  std::optional<std::string> line;
  for (;;) {
    if (cancelled_) break;
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      break;
    }
    if (eof_) {
      if (!buffer_.empty()) line = std::exchange(buffer_, {});
      break;
    }
    if (buffer_.size() > max_line_bytes) {
      buffer_.clear();
      eof_ = true;
      write_prompt("\ndialup: a line of input is longer than " + std::to_string(max_line_bytes / 1024) +
                   " KiB; no more input is read\n");
      break;
    }
    fill();  // false: cancelled or the end, both seen at the top
  }
  quiet.reset();
  if (newline_after) write_prompt("\n");
  if (line && !line->empty() && line->back() == '\r') line->pop_back();
  return line;
}

}  // namespace dialup_cli
