// at_channel: the command queue over one port.
//
//   idle ──async_command──> writing ──write done──> waiting (timer armed)
//     ^                                               │ final line / timeout / cancel
//     └──────── resync (drain until quiet) <──timeout─┴──final──> idle (next in queue)
//
// A CONNECT final switches the parser to data state; from then on bytes read are call
// data (async_read_data) until an escape (async_escape) or an in-band NO CARRIER.
#include "dialup/engine/at_channel.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/text.hpp"

namespace dialup {
namespace asio = boost::asio;

namespace {
using text::iequals;
constexpr std::string_view no_carrier_marker = "\r\nNO CARRIER\r";
}  // namespace

at_channel::at_channel(asio::any_io_executor ex, std::shared_ptr<transport> port,
                       response_table table, std::chrono::milliseconds resync_quiet,
                       int max_consecutive_timeouts, std::shared_ptr<virtual_clock> clock)
    : ex_(ex),
      port_(std::move(port)),
      parser_(std::move(table)),
      resync_quiet_(resync_quiet),
      max_consecutive_timeouts_(max_consecutive_timeouts),
      deadline_timer_(ex, clock),
      guard_timer_(ex, clock),
      resync_timer_(ex, clock),
      clock_(clock) {}

std::chrono::steady_clock::time_point at_channel::now() const {
  return clock_ ? clock_->now() : std::chrono::steady_clock::now();
}

at_channel::~at_channel() = default;

void at_channel::start() { read_more(); }

void at_channel::read_more() {
  if (reading_ || stopped_ || port_failed_) return;
  // Back-pressure: in data state stop reading while the caller has not taken what is here.
  if (parser_.in_data_mode() && data_in_.size() >= max_buffered_data) return;
  reading_ = true;
  port_->async_read_some(asio::buffer(read_buf_),
                         [self = shared_from_this()](std::error_code ec, std::size_t n) {
                           self->on_read(ec, n);
                         });
}

void at_channel::on_read(std::error_code ec, std::size_t n) {
  reading_ = false;
  if (stopped_) return;
  if (ec) {
    if (detail::is_aborted(ec)) return;
    // EOF / EIO: the device went away (a USB modem unplugged, the pty closed).
    port_failed_ = true;
    port_error_code_ = ec;
    fail_all(ec);
    if (data_reader_) {
      auto h = std::move(data_reader_);
      data_reader_ = nullptr;
      asio::post(ex_, [h = std::move(h), ec] { h(ec, 0); });
    }
    if (port_error_) port_error_(ec);
    return;
  }
  std::string_view bytes(read_buf_.data(), n);
  if (trace_) trace_('<', bytes);

  if (resyncing_) {
    // Draining: whatever arrives is a late reply to a command that timed out, or noise.
    // Restart the quiet period.
    wait_quiet();
    read_more();
    return;
  }

  while (!bytes.empty()) {
    if (parser_.in_data_mode()) {
      const auto data = parser_.take_data(bytes);
      watch_for_connect(data);
      append_data(data);
      break;
    }
    std::vector<response_line> lines;
    auto used = parser_.feed(bytes, lines);
    bytes.remove_prefix(used);
    handle_lines(lines);
    if (stopped_) return;
  }
  deliver_data();
  read_more();
}

// A modem counts the guard before "+++" from its CONNECT as well as from the DTE's last byte
// (docs/modem-behaviour.md §3.3): a call that comes up while an escape waits out its first
// guard (a hang-up during a dial script, whose ATD the channel never saw answered) would take
// "+++" sent at the old time as call data. So a CONNECT line seen in the data then starts the
// guard again.
void at_channel::watch_for_connect(std::string_view data) {
  if (!active_ || queue_.empty()) return;
  const auto& cur = queue_.front();
  if (!cur.escape || cur.written || cur.guard.count() <= 0) return;
  static constexpr std::string_view marker = "CONNECT";
  std::string joined = connect_scan_;
  joined.append(data);
  if (joined.find(marker) == std::string::npos) {
    connect_scan_ = joined.substr(joined.size() - std::min(joined.size(), marker.size() - 1));
    return;
  }
  connect_scan_.clear();
  guard_timer_.expires_after(cur.guard);
  guard_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->stopped_ || !self->active_) return;
    self->write_current();
  });
}

void at_channel::append_data(std::string_view data) {
  // A carrier drop while online comes as "\r\nNO CARRIER\r\n" after the last data, with no
  // framing relative to it (docs/modem-behaviour.md §3.6). Look for it in the new data, allowing for
  // it to straddle two reads: carrier_scan_ keeps the tail of what came before.
  if (!data.empty()) last_data_ = now();
  if (!carrier_watch_) {
    data_in_.append(data);
    return;
  }
  std::string joined = carrier_scan_;
  const std::size_t base = joined.size();
  joined.append(data);
  auto pos = joined.find(no_carrier_marker);
  if (pos == std::string::npos) {
    data_in_.append(data);
    auto keep = std::min<std::size_t>(joined.size(), no_carrier_marker.size() - 1);
    carrier_scan_ = joined.substr(joined.size() - keep);
    return;
  }
  // What came before the marker is still the caller's data.
  if (pos > base) data_in_.append(data.substr(0, pos - base));
  carrier_scan_.clear();
  parser_.resume_command_mode();
  if (carrier_lost_) {
    auto h = carrier_lost_;
    asio::post(ex_, [h] { h(); });
  }
}

void at_channel::handle_lines(std::vector<response_line>& lines) {
  for (auto& line : lines) {
    handle_line(line);
    if (stopped_) return;
  }
}

void at_channel::handle_line(response_line& line) {
  if (active_ && !queue_.empty()) {
    auto& cur = queue_.front();
    // The echo of our own command (E1) comes first; it is not a reply.
    if (!cur.echo_seen && !cur.command.empty() && iequals(line.text, cur.command)) {
      cur.echo_seen = true;
      return;
    }
    if (is_unsolicited(line.kind)) {
      if (unsolicited_) unsolicited_(line);
      return;
    }
    if (!cur.written || (cur.needs_echo && !cur.echo_seen)) {
      // A line before our command was written, or (after a resync, on an echoing modem)
      // before its echo, is a late reply to something earlier: never an answer to it.
      if (unsolicited_) unsolicited_(line);
      return;
    }
    if (line.kind == response_kind::progress) {
      cur.reply.progress.push_back(std::move(line));
      return;
    }
    if (!is_final(line.kind)) {
      cur.reply.information.push_back(std::move(line));
      return;
    }
    cur.reply.final = std::move(line);
    complete({});
    return;
  }
  // No command in progress: unsolicited codes, or stray text.
  if (unsolicited_) unsolicited_(line);
}

void at_channel::async_command(std::string command, at_command_options options,
                               command_handler h) {
  pending p;
  p.raw = command + "\r";
  p.command = std::move(command);
  p.options = options;
  p.handler = std::move(h);
  queue_.push_back(std::move(p));
  // Starting the write here is safe (the handler still runs later, through the executor)
  // and saves a hop per command.
  if (!active_) next();
}

void at_channel::async_escape(std::string escape, std::chrono::milliseconds guard,
                              std::chrono::milliseconds timeout, command_handler h) {
  pending p;
  p.raw = std::move(escape);
  p.escape = true;
  p.guard = guard;
  p.options.timeout = timeout;
  p.handler = std::move(h);
  queue_.push_back(std::move(p));
  if (!active_) asio::post(ex_, [self = shared_from_this()] { self->next(); });
}

void at_channel::async_write_raw(std::string bytes, std::function<void(std::error_code)> h) {
  if (stopped_ || port_failed_) {
    auto ec = port_failed_ ? port_error_code_ : detail::aborted_error();
    asio::post(ex_, [h = std::move(h), ec] { h(ec); });
    return;
  }
  if (trace_) trace_('>', bytes);
  auto buf = std::make_shared<std::string>(std::move(bytes));
  port_->async_write(asio::buffer(*buf), [buf, h = std::move(h)](std::error_code ec, std::size_t) {
    h(ec);
  });
}

void at_channel::next() {
  if (active_ || stopped_ || resyncing_ || queue_.empty()) return;
  if (port_failed_) {
    fail_all(port_error_code_);
    return;
  }
  if (unresponsive_) {
    fail_all(ras_error::device_not_ready);
    return;
  }
  if (need_resync_) {
    start_resync();
    return;
  }
  if (need_settle_) {
    need_settle_ = false;
    settling_ = true;
    resyncing_ = true;  // on_read drops what arrives meanwhile
    wait_quiet();
    return;
  }
  active_ = true;
  auto& cur = queue_.front();
  parser_.numeric_codes(cur.options.numeric_codes);
  cur.needs_echo = after_resync_ && echo_on_ && !cur.command.empty();
  after_resync_ = false;
  if (cur.escape && cur.guard.count() > 0) {
    // Escape: the guard time of silence before the escape characters. We write nothing
    // meanwhile (the caller's data writes have finished: hang-up owns the port now).
    connect_scan_.clear();
    guard_timer_.expires_after(cur.guard);
    guard_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->stopped_ || !self->active_) return;
      self->write_current();
    });
    return;
  }
  write_current();
}

void at_channel::write_current() {
  auto& cur = queue_.front();
  if (trace_) trace_('>', cur.raw);
  port_->async_write(asio::buffer(cur.raw), [self = shared_from_this()](std::error_code ec,
                                                                        std::size_t) {
    if (self->stopped_ || !self->active_ || self->queue_.empty()) return;
    if (ec) {
      self->complete(ec);
      return;
    }
    auto& c = self->queue_.front();
    c.written = true;
    if (c.escape) {
      // The modem answers OK only after the second guard time; until then it may still
      // pass call data. Read replies as lines from here on.
      self->parser_.resume_command_mode();
      self->data_in_.clear();
      self->carrier_watch_ = true;
    }
    // The timeout runs from the end of the write, never from the queueing (docs/architecture.md §7).
    self->arm_timeout();
  });
}

void at_channel::arm_timeout() {
  auto& cur = queue_.front();
  deadline_ = now() + cur.options.timeout + cur.guard;
  if (armed_for_ && *armed_for_ <= *deadline_) return;  // the armed timer fires in time
  armed_for_ = deadline_;
  deadline_timer_.expires_after(*deadline_ - now());
  deadline_timer_.async_wait([self = shared_from_this()](std::error_code ec) { self->on_deadline(ec); });
}

void at_channel::on_deadline(std::error_code ec) {
  if (ec || stopped_) return;  // re-armed for an earlier deadline, or stopped
  armed_for_.reset();
  if (!active_ || !deadline_) return;  // the command it was armed for has completed
  if (now() < *deadline_) {
    // A later command's deadline: wait for the rest of it.
    armed_for_ = deadline_;
    deadline_timer_.expires_after(*deadline_ - now());
    deadline_timer_.async_wait([self = shared_from_this()](std::error_code e) { self->on_deadline(e); });
    return;
  }
  ++consecutive_timeouts_;
  need_resync_ = true;
  if (consecutive_timeouts_ >= max_consecutive_timeouts_) unresponsive_ = true;
  complete(std::make_error_code(std::errc::timed_out));
}

void at_channel::complete(std::error_code ec) {
  if (!active_ || queue_.empty()) return;
  deadline_.reset();  // the deadline timer stays armed; it finds nothing to do
  guard_timer_.cancel();
  auto cur = std::move(queue_.front());
  queue_.pop_front();
  active_ = false;
  parser_.numeric_codes(false);
  if (!ec) {
    consecutive_timeouts_ = 0;
    if (!cur.command.empty()) echo_on_ = cur.echo_seen;
    if (cur.options.settle_after) need_settle_ = true;
  }
  post_handler(std::move(cur.handler), ec, std::move(cur.reply));
  if (!queue_.empty()) asio::post(ex_, [self = shared_from_this()] { self->next(); });
}

void at_channel::post_handler(command_handler h, std::error_code ec, at_reply reply) {
  asio::post(ex_, [h = std::move(h), ec, reply = std::move(reply)]() mutable {
    h(ec, std::move(reply));
  });
}

void at_channel::fail_all(std::error_code ec) {
  deadline_.reset();
  guard_timer_.cancel();
  active_ = false;
  while (!queue_.empty()) {
    auto p = std::move(queue_.front());
    queue_.pop_front();
    post_handler(std::move(p.handler), ec, {});
  }
}

void at_channel::start_resync() {
  // Drain until the modem has been quiet for resync_quiet: a late reply to the command that
  // timed out arrives here and is dropped.
  need_resync_ = false;
  need_settle_ = false;  // the resync drains as well, and sets the echo rule
  settling_ = false;
  resyncing_ = true;
  wait_quiet();
}

// (Re)starts the quiet period of a resynchronisation; when it runs out, the next command goes.
void at_channel::wait_quiet() {
  resync_timer_.expires_after(resync_quiet_);
  resync_timer_.async_wait([self = shared_from_this()](std::error_code e) {
    if (e || self->stopped_) return;
    self->resyncing_ = false;
    self->after_resync_ = !self->settling_;
    self->settling_ = false;
    self->parser_.reset();
    self->next();
  });
}

void at_channel::cancel() {
  bool had_command = active_ || !queue_.empty();
  fail_all(detail::aborted_error());
  if (had_command) need_resync_ = true;
  if (data_reader_) {
    auto h = std::move(data_reader_);
    data_reader_ = nullptr;
    asio::post(ex_, [h = std::move(h)] { h(detail::aborted_error(), 0); });
  }
}

void at_channel::stop() {
  if (stopped_) return;
  cancel();
  stopped_ = true;
  deadline_timer_.cancel();
  guard_timer_.cancel();
  resync_timer_.cancel();
  if (reading_) port_->cancel();  // the reader stops too; the port stays open
}

void at_channel::async_read_data(asio::mutable_buffer buffer, data_handler h) {
  if (data_reader_) {
    asio::post(ex_, [h = std::move(h)] { h(std::make_error_code(std::errc::operation_in_progress), 0); });
    return;
  }
  data_buf_ = buffer;
  data_reader_ = std::move(h);
  asio::post(ex_, [self = shared_from_this()] { self->deliver_data(); });
}

void at_channel::deliver_data() {
  if (!data_reader_) return;
  if (data_in_.empty()) {
    std::error_code ec;
    if (port_failed_) ec = port_error_code_;
    else if (stopped_) ec = detail::aborted_error();
    else if (!parser_.in_data_mode()) ec = detail::eof_error();  // the call ended
    if (!ec) return;
    auto h = std::move(data_reader_);
    data_reader_ = nullptr;
    asio::post(ex_, [h = std::move(h), ec] { h(ec, 0); });
    return;
  }
  auto n = std::min(data_buf_.size(), data_in_.size());
  std::memcpy(data_buf_.data(), data_in_.data(), n);
  data_in_.erase(0, n);
  auto h = std::move(data_reader_);
  data_reader_ = nullptr;
  asio::post(ex_, [h = std::move(h), n] { h({}, n); });
  read_more();  // reading may have paused for back-pressure
}

void at_channel::unread_data(std::string bytes) {
  data_in_.insert(0, bytes);
  deliver_data();
}

void at_channel::cancel_data_read() {
  if (!data_reader_) return;
  auto h = std::move(data_reader_);
  data_reader_ = nullptr;
  asio::post(ex_, [h = std::move(h)] { h(detail::aborted_error(), 0); });
}

void at_channel::async_write_data(asio::const_buffer buffer, data_handler h,
                                  std::optional<std::string_view> trace_as) {
  if (stopped_ || port_failed_ || !parser_.in_data_mode()) {
    std::error_code ec = port_failed_ ? port_error_code_
                         : stopped_   ? detail::aborted_error()
                                      : std::make_error_code(std::errc::not_connected);
    asio::post(ex_, [h = std::move(h), ec] { h(ec, 0); });
    return;
  }
  last_data_ = now();
  if (trace_)
    trace_('>', trace_as ? *trace_as
                         : std::string_view(static_cast<const char*>(buffer.data()), buffer.size()));
  port_->async_write(buffer, std::move(h));
}

}  // namespace dialup
