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

  // Terminal mode (the terminal step of a dial): while the guard lives, a terminal input
  // neither echoes what is typed nor waits for Enter — the far end echoes what it wants, as a
  // remote login does, and a password typed there is never shown by this side. termios:
  // ECHO, ICANON and ICRNL off (Enter reads as CR, what a remote login waits for), ISIG kept
  // (Ctrl-C still interrupts), VMIN 1. The settings are restored when the guard goes, before
  // the next prompt. Not a terminal: nothing changes (nullptr).
  class raw_mode;
  std::unique_ptr<raw_mode> enter_raw_mode();

  // What there is to read, at least one byte (what read_line() had read ahead first);
  // nullopt at end of input or after cancel(). For terminal mode.
  std::optional<std::string> read_some();

  // Writes a message where the prompts go (the terminal, or standard error).
  void say(std::string_view text) const { write_prompt(text); }

  // Thread-safe. Ends every read, now and later.
  void cancel();

  // Whether the input is a terminal.
  bool is_terminal() const noexcept { return terminal_; }

 private:
  line_input(int fd, bool own, int prompt_fd);
  void write_prompt(std::string_view text) const;
  // Waits for input or cancel(); appends what was read to buffer_. false: end or cancelled.
  bool fill();

  int fd_;
  bool own_;
  int prompt_fd_;
  bool terminal_;
  int cancel_pipe_[2] = {-1, -1};
  std::atomic<bool> cancelled_{false};
  std::string buffer_;  // read but not yet returned
  bool eof_ = false;
};

class line_input::raw_mode {
 public:
  explicit raw_mode(int fd);
  ~raw_mode();
  raw_mode(const raw_mode&) = delete;
  raw_mode& operator=(const raw_mode&) = delete;
  bool active() const noexcept { return active_; }

 private:
  int fd_;
  struct saved;
  std::unique_ptr<saved> saved_;
  bool active_ = false;
};

}  // namespace dialup_cli
