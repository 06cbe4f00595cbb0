// terminal_bridge: the terminal step between the user and the data line (terminal_bridge.hpp).
#include "terminal_bridge.hpp"

#include <cstdio>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;

namespace dialup_cli {

terminal_bridge::terminal_bridge(asio::io_context& loop, std::function<dialup::data_stream&()> line,
                                 std::function<void()> closed)
    : loop_(loop), line_(std::move(line)), closed_(std::move(closed)) {}

void terminal_bridge::open(std::FILE* notices) {
  notices_ = notices;
  std::fprintf(notices_, "dialup: terminal: what you type goes to the line; a line with only ~. continues the dial\n");
  std::fflush(notices_);
  open_ = true;
}

void terminal_bridge::copy_input(line_input& in) {
  if (auto raw = in.enter_raw_mode()) {
    copy_keys(in);
  } else {
    copy_lines(in);
  }
  asio::post(loop_, [this] { input_done(); });
}

// At a terminal in raw mode: keys as they come, "~." after CR (or first) ends; a '~' at the
// start of a line waits for the next key, and goes along with it when that is not '.'.
void terminal_bridge::copy_keys(line_input& in) {
  bool line_start = true, tilde = false;
  while (auto keys = in.read_some()) {
    std::string out;
    bool done = false;
    for (char c : *keys) {
      if (tilde) {
        tilde = false;
        if (c == '.') {
          done = true;
          break;
        }
        out += '~';
      } else if (line_start && c == '~') {
        tilde = true;
        line_start = false;
        continue;
      }
      out += c;
      line_start = c == '\r' || c == '\n';
    }
    if (!out.empty()) asio::post(loop_, [this, text = std::move(out)] { write(text); });
    if (done) return;
  }
}

void terminal_bridge::copy_lines(line_input& in) {
  for (;;) {
    auto line = in.read_line({});
    if (!line || *line == "~.") break;
    // Enter on a terminal sends CR, which is what a remote login waits for.
    asio::post(loop_, [this, text = *line + "\r"] { write(text); });
  }
}

void terminal_bridge::show(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

void terminal_bridge::write(std::string text) {
  if (!open_ || stopped_) return;
  writes_.push_back(std::move(text));
  if (!writing_) write_next();
}

void terminal_bridge::write_next() {
  if (writes_.empty()) {
    writing_ = false;
    if (close_pending_) close();
    return;
  }
  writing_ = true;
  asio::async_write(line_(), asio::buffer(writes_.front()), [this](boost::system::error_code ec, std::size_t) {
    writes_.pop_front();
    if (ec) writes_.clear();  // the line is gone; the dial says why
    write_next();
  });
}

void terminal_bridge::input_done() {
  if (stopped_ || !open_) return;
  close_pending_ = true;
  if (!writing_) close();
}

void terminal_bridge::close() {
  close_pending_ = false;
  open_ = false;
  std::fprintf(notices_, "\ndialup: terminal closed; the dial goes on\n");
  std::fflush(notices_);
  closed_();
}

}  // namespace dialup_cli
