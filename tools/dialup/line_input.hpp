// line_input — lines typed by the user, for the dial's paused states and terminal mode.
//
// Reads from a file descriptor (the controlling terminal, or standard input with --ask),
// one line at a time, with a prompt; a secret line is read with the terminal's echo off
// (termios) when the descriptor is a terminal, and is never echoed, logged or printed.
//
// Threading: read_line() blocks, so the dial session calls it on a thread of its own,
// never on its event loop; cancel() may be called from any thread and makes the pending
// read_line() and every later one return nullopt (the echo is restored first).
// Lifetime: owns the descriptor it opened (open_terminal); standard input is never closed.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dialup_cli {

class line_input {
 public:
  // Standard input; prompts go to standard error.
  static std::unique_ptr<line_input> standard_input();
  // The controlling terminal (/dev/tty), prompts on it too; nullptr (and `error`) when
  // there is none.
  static std::unique_ptr<line_input> open_terminal(std::string& error);

  ~line_input();
  line_input(const line_input&) = delete;
  line_input& operator=(const line_input&) = delete;

  // The longest line read_line() takes: a longer one ends the input (with a message where
  // the prompts go), so that `< /dev/zero` cannot fill the memory.
  static constexpr std::size_t max_line_bytes = 64 * 1024;

  // Writes `prompt` (if any), then reads up to the next line feed. Returns the line without
  // its CR/LF; nullopt at end of input (nothing pending), after a line longer than
  // max_line_bytes, or after cancel().
  std::optional<std::string> read_line(std::string_view prompt, bool secret = false);

  // Writes a message where the prompts go (the terminal, or standard error).
  void say(std::string_view text) const { write_prompt(text); }

  // Thread-safe. Ends every read, now and later.
  void cancel();

  // Whether the input is a terminal.
  bool is_terminal() const noexcept { return terminal_; }

 private:
  line_input(int fd, bool own, int prompt_fd);
  void write_prompt(std::string_view text) const;

  int fd_;
  bool own_;
  int prompt_fd_;
  bool terminal_;
  int cancel_pipe_[2] = {-1, -1};
  std::atomic<bool> cancelled_{false};
  std::string buffer_;  // read but not yet returned
  bool eof_ = false;
};

}  // namespace dialup_cli
