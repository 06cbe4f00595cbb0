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

void terminal_bridge::open() {
  std::printf("dialup: terminal: what you type goes to the line; a line with only ~. continues the dial\n");
  std::fflush(stdout);
  open_ = true;
}

void terminal_bridge::copy_input(line_input& in) {
  for (;;) {
    auto line = in.read_line({});
    if (!line || *line == "~.") break;
    // Enter on a terminal sends CR, which is what a remote login waits for.
    asio::post(loop_, [this, text = *line + "\r"] { write(text); });
  }
  asio::post(loop_, [this] { input_done(); });
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
  std::printf("\ndialup: terminal closed; the dial goes on\n");
  std::fflush(stdout);
  closed_();
}

}  // namespace dialup_cli
