// terminal_bridge — the terminal step of `dialup dial` (the paused state Interactive, a
// phone-book entry's terminal after dialling): what the user types goes to the call's data
// line; what the line says is shown on standard output; "~." at the start of a line (or the
// end of input) closes the terminal once everything typed has been written, and the dial
// goes on.
//
// At a terminal, each key goes to the line as it is typed and nothing is echoed here: the
// far end echoes what it wants (a login echoes the name, not the password), as with cu(1)
// or minicom; the terminal is put in raw mode for that (line_input::enter_raw_mode) and
// restored when the terminal step ends. From a pipe or a file (--ask, tests), input goes a
// line at a time, each line ended with CR as Enter on a terminal sends it.
//
// Threading: copy_input() blocks reading the user, so the dial session runs it on its input
// thread; it posts each line to the session's event loop. Everything else runs on that loop.
#pragma once

#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "dialup/engine/data_stream.hpp"
#include "line_input.hpp"

#include <boost/asio/io_context.hpp>

namespace dialup_cli {

class terminal_bridge {
 public:
  // loop: the session's event loop. line: the call's data line (the session makes it on
  // first use). closed: called on the loop when the terminal has closed.
  terminal_bridge(boost::asio::io_context& loop, std::function<dialup::data_stream&()> line,
                  std::function<void()> closed);

  // Says how to leave the terminal (on `notices`: stdout, or stderr with --json); from now on
  // typed lines are written to the line.
  void open(std::FILE* notices = stdout);
  // Open, and not yet closed.
  bool is_open() const noexcept { return open_; }
  // On the input thread: reads `in` until a line with only "~." or the end of input.
  void copy_input(line_input& in);
  // The dial is hanging up: nothing typed from now on is written, and the terminal no
  // longer closes when the input ends.
  void stop() noexcept { stopped_ = true; }

  // Shows bytes from the data line to the user.
  static void show(std::string_view bytes);

 private:
  void write(std::string text);
  void write_next();
  void input_done();
  void close();
  void copy_keys(line_input& in);
  void copy_lines(line_input& in);

  boost::asio::io_context& loop_;
  std::function<dialup::data_stream&()> line_;
  std::function<void()> closed_;
  std::FILE* notices_ = stdout;
  bool open_ = false;
  bool stopped_ = false;
  std::deque<std::string> writes_;  // typed lines not yet written, the front one in progress
  bool writing_ = false;
  bool close_pending_ = false;      // the input ended while lines were still being written
};

}  // namespace dialup_cli
