// `dialup-diag throughput`: over a connected call to an echo service, patterned data sent
// for a time or a size, and its echo checked (docs/diag.md §5).
//
// The pattern is records of 16 bytes: the record's number as 8 hex digits, 7 hex digits
// derived from it, '\n'. Only [0-9a-f\n] is sent, so the data can never hold "NO CARRIER"
// (the AT channel watches for it in data state) nor the escape character '+'.
//
//   send ──> records, `block` bytes per write, for `seconds` or `bytes` ──> stop sending
//   read <── the echo: byte by byte against the pattern at the same offset (byte errors,
//            bursts: errors fewer than 16 bytes apart are one burst); line by line, the
//            record numbers (a gap not explained by corrupted records = lost; a number
//            seen again = duplicated); the round trip of each good record, from the end of
//            the write that carried it to its arrival
//   the tail of the echo is awaited (`drain` seconds of silence at most), then hang-up.
//
// A write that is still pending after `stall` seconds counts as a flow-control stall (the
// modem holds CTS, or the port's buffer is full). When records are lost or duplicated,
// byte offsets no longer line up: the byte-error count is then not reported (null), and
// the record counts say what happened. A call that drops mid-run, or Ctrl-C, ends the run
// with what was measured, marked so.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "commands.hpp"
#include "diag_call.hpp"
#include "diag_port.hpp"
#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "stats.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace dialup_diag {

namespace {

constexpr std::size_t k_record = 16;

// Byte `offset` of the pattern.
char pattern_at(std::uint64_t offset) {
  static constexpr char hex[] = "0123456789abcdef";
  const std::uint64_t rec = offset / k_record;
  const unsigned pos = static_cast<unsigned>(offset % k_record);
  if (pos == 15) return '\n';
  if (pos < 8) return hex[(rec >> (4 * (7 - pos))) & 0xF];
  const std::uint32_t mix = static_cast<std::uint32_t>(rec * 2654435761u) >> 4;
  return hex[(mix >> (4 * (14 - pos))) & 0xF];
}

void fill(std::string& buf, std::uint64_t from, std::size_t n) {
  buf.resize(n);
  for (std::size_t i = 0; i < n; ++i) buf[i] = pattern_at(from + i);
}

// What one run measured (the raw pty baseline uses the same checker).
struct echo_check {
  std::uint64_t received = 0;
  std::uint64_t byte_errors = 0;
  std::uint64_t bursts = 0;
  std::optional<std::uint64_t> last_error_at;
  std::uint64_t good_records = 0, corrupted_records = 0, lost_records = 0, duplicated_records = 0;
  std::uint64_t next_record = 0;
  std::uint64_t invalid_since_good = 0;
  std::string line;
  std::uint64_t line_length = 0;

  // Returns the record number of a good record that ended at this byte.
  std::optional<std::uint64_t> feed(char c) {
    const std::uint64_t off = received++;
    if (c != pattern_at(off)) {
      ++byte_errors;
      if (!last_error_at || off - *last_error_at >= k_record) ++bursts;
      last_error_at = off;
    }
    if (c != '\n') {
      if (line.size() < 4096) line += c;
      ++line_length;
      return std::nullopt;
    }
    std::optional<std::uint64_t> good;
    if (line.size() == k_record - 1) {
      std::uint64_t rec = 0;
      bool ok = true;
      for (int i = 0; i < 8 && ok; ++i) {
        const char h = line[static_cast<std::size_t>(i)];
        ok = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f');
        rec = rec * 16 + static_cast<std::uint64_t>(h <= '9' ? h - '0' : h - 'a' + 10);
      }
      for (std::size_t i = 8; i < 15 && ok; ++i) ok = line[i] == pattern_at(rec * k_record + i);
      if (ok) good = rec;
    }
    // A corrupted line stands for as many records as its length holds: a newline lost to
    // a flipped bit joins two records in one line, and both were received.
    const std::uint64_t spans = std::max<std::uint64_t>(1, (line_length + 1 + k_record / 2) / k_record);
    line.clear();
    line_length = 0;
    if (!good) {
      corrupted_records += spans;
      invalid_since_good += spans;
      return std::nullopt;
    }
    if (*good < next_record) {
      ++duplicated_records;
    } else {
      const std::uint64_t gap = *good - next_record;
      if (gap > invalid_since_good) lost_records += gap - invalid_since_good;
      next_record = *good + 1;
      ++good_records;
    }
    invalid_since_good = 0;
    return good;
  }
  bool aligned() const { return lost_records == 0 && duplicated_records == 0; }
};

// A bare pty pair, its master end echoing what it reads: what the tty layer itself can do
// here, for comparison with the echo through the modem.
double raw_pty_echo_bps(double seconds) {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return 0;
  termios t{};
  ::tcgetattr(slave, &t);
  ::cfmakeraw(&t);
  ::tcsetattr(slave, TCSANOW, &t);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    char buf[4096];
    while (!stop) {
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        const ssize_t w = ::write(master, buf + off, static_cast<std::size_t>(n - off));
        if (w <= 0) break;
        off += w;
      }
    }
  });
  ::fcntl(slave, F_SETFL, ::fcntl(slave, F_GETFL) | O_NONBLOCK);
  echo_check check;
  std::uint64_t sent = 0;
  std::string out;
  char in[4096];
  const auto start = clock_type::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (clock_type::now() < end) {
    if (sent - check.received < 16384) {
      fill(out, sent, 1024);
      const ssize_t w = ::write(slave, out.data(), out.size());
      if (w > 0) sent += static_cast<std::uint64_t>(w);
    }
    pollfd p{slave, POLLIN, 0};
    if (::poll(&p, 1, 5) > 0) {
      const ssize_t n = ::read(slave, in, sizeof in);
      for (ssize_t i = 0; i < n; ++i) check.feed(in[i]);
    }
  }
  const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  stop = true;
  echo.join();
  ::close(slave);
  ::close(master);
  return elapsed > 0 ? static_cast<double>(check.received) / elapsed : 0;
}

}  // namespace

int throughput_command(const common_options& o, const throughput_options& t) {
  std::optional<double> raw_bps;
  if (t.raw_baseline) raw_bps = raw_pty_echo_bps(std::min(t.seconds, 2.0));

  std::unique_ptr<sim_host> sim;
  const std::string port_name = start_port(o, sim);
  asio::io_context io;
  dialup::thread_loop_scope scope(io.get_executor());
  dialup::engine_options eo;
  eo.transports = std::make_shared<dialup::drivers::port_factory>();
  dialup::connection_manager mgr(std::move(eo));
  progress_line progress(progress_wanted(o));
  progress.show("throughput: dialling " + t.phone);

  auto call = dial_call(mgr, io, port_name, t.phone, o.baud);
  if (call.refused) {
    progress.clear();
    std::fprintf(stderr, "dialup-diag throughput: %s: %s\n", t.phone.c_str(), dialup::describe(call.error).c_str());
    return 1;
  }
  std::string stopped;
  echo_check check;
  std::uint64_t sent = 0;
  unsigned stalls = 0;
  double stalled_s = 0;
  std::vector<double> rtt_ms;
  std::vector<clock_type::time_point> record_sent;  // when the write carrying record n completed
  clock_type::time_point start{}, last_write{}, last_read{};
  bool call_dropped = false;
  bool hanging_up = false;  // reads that end from here on end because we hung up

  // Out here: the stream's reads and writes may still be pending when the loop below ends;
  // they finish (eof, operation_aborted) while the hang-up runs, and use these.
  std::optional<dialup::data_stream> stream;
  std::string wbuf;
  std::array<char, 4096> rbuf{};
  bool writing = false, reading = false, send_done = false;
  clock_type::time_point write_started{};
  // Out here too: a write still pending when the loop ends completes during the hang-up and
  // calls write_next, which reads it.
  clock_type::time_point send_until{};
  bool stall_counted = false;
  std::function<void()> write_next, read_next;
  // Throughput over time: bytes written and echoed bytes read in each interval of the run,
  // `interval` seconds wide (about 40 of them over a timed run).
  const double interval = t.bytes ? 0.25 : std::clamp(t.seconds / 40, 0.1, 5.0);
  struct bucket {
    std::uint64_t tx = 0, rx = 0;
  };
  std::vector<bucket> buckets;
  auto bucket_at = [&](clock_type::time_point now) -> bucket& {
    const double el = std::chrono::duration<double>(now - start).count();
    const auto i = static_cast<std::size_t>(std::max(0.0, el) / interval);
    if (i >= buckets.size()) buckets.resize(std::min<std::size_t>(i + 1, 1u << 20));
    return buckets[std::min(i, buckets.size() - 1)];
  };
  if (call.connected) {
    stream.emplace(mgr, call.handle, io.get_executor());
    auto& ds = *stream;
    start = last_read = clock_type::now();
    send_until = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(t.seconds));
    write_next = [&] {
      const bool enough = t.bytes ? sent >= t.bytes : clock_type::now() >= send_until;
      if (enough || interrupted() || call_dropped) {
        send_done = true;
        return;
      }
      std::size_t n = t.block;
      if (t.bytes) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, t.bytes - sent));
      fill(wbuf, sent, n);
      writing = true;
      write_started = clock_type::now();
      stall_counted = false;
      ds.async_write_some(asio::buffer(wbuf), [&](boost::system::error_code ec, std::size_t w) {
        writing = false;
        const auto now = clock_type::now();
        if (stall_counted) stalled_s += std::chrono::duration<double>(now - write_started).count();
        if (ec) {
          call_dropped = true;
          send_done = true;
          return;
        }
        sent += w;
        last_write = now;
        bucket_at(now).tx += w;
        while (record_sent.size() < sent / k_record && record_sent.size() < (std::size_t{1} << 22))
          record_sent.push_back(now);
        write_next();
      });
    };
    read_next = [&] {
      reading = true;
      ds.async_read_some(asio::buffer(rbuf), [&](boost::system::error_code ec, std::size_t n) {
        reading = false;
        const auto now = clock_type::now();
        if (ec) {
          if (!hanging_up) call_dropped = true;
          return;
        }
        last_read = now;
        bucket_at(now).rx += n;
        for (std::size_t i = 0; i < n; ++i) {
          if (auto rec = check.feed(rbuf[i]); rec && *rec < record_sent.size())
            rtt_ms.push_back(std::chrono::duration<double, std::milli>(now - record_sent[*rec]).count());
        }
        read_next();
      });
    };
    auto work = asio::make_work_guard(io);  // run_one_for waits, rather than returning at once
    if (io.stopped()) io.restart();
    write_next();
    read_next();
    auto last_shown = clock_type::now();
    for (;;) {
      io.run_one_for(20ms);
      const auto now = clock_type::now();
      if (writing && !stall_counted && now - write_started > std::chrono::duration<double>(t.stall)) {
        stall_counted = true;
        ++stalls;
      }
      if (now - last_shown > 200ms) {
        last_shown = now;
        const double el = std::chrono::duration<double>(now - start).count();
        char b[160];
        std::snprintf(b, sizeof b, "throughput: %.1f s  sent %llu  received %llu  errors %llu", el,
                      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(check.received),
                      static_cast<unsigned long long>(check.byte_errors));
        progress.show(b);
      }
      if (interrupted()) {
        stopped = "interrupted";
        break;
      }
      if (call_dropped) {
        stopped = "the call dropped";
        break;
      }
      if (send_done && !writing) {
        if (check.received >= sent) break;
        if (now - std::max(last_read, last_write) > std::chrono::duration<double>(t.drain)) break;
      }
    }
  }
  const auto end_time = clock_type::now();
  hanging_up = true;
  const bool confirmed = hang_up_call(mgr, io, call.handle);
  // The last read ends with eof once the call is gone; no handler may be left pending.
  {
    auto work = asio::make_work_guard(io);
    if (io.stopped()) io.restart();
    for (int i = 0; i < 100 && (reading || writing); ++i) io.run_one_for(20ms);
  }
  io.restart();
  io.poll();
  progress.clear();
  if (!call.connected && stopped.empty()) stopped = interrupted() ? "interrupted" : "the call did not connect";

  const double tx_s = std::chrono::duration<double>((last_write == clock_type::time_point{} ? end_time : last_write) - start).count();
  const double rx_s = std::chrono::duration<double>((last_read == clock_type::time_point{} ? end_time : last_read) - start).count();
  const double tx_bps = tx_s > 0 ? static_cast<double>(sent) / tx_s : 0;
  const double good_rx = static_cast<double>(check.good_records * k_record);
  const double rx_bps = rx_s > 0 ? good_rx / rx_s : 0;
  const auto rtt = summarize(rtt_ms);
  const std::uint64_t missing = sent > check.received ? sent - check.received : 0;

  if (o.json) {
    using J = nlohmann::ordered_json;
    auto j = run_json("throughput", port_name, stopped);
    j["number"] = t.phone;
    j["connected"] = call.connected;
    j["error"] = call.error ? J(call.error.value()) : J(nullptr);
    j["error_text"] = call.error ? J(dialup::describe(call.error)) : J(nullptr);
    j["connect_rate"] = call.connected ? J(call.status.connect_rate) : J(nullptr);
    j["seconds"] = call.connected ? J(std::chrono::duration<double>(end_time - start).count()) : J(nullptr);
    j["bytes_sent"] = sent;
    j["bytes_received"] = check.received;
    j["bytes_missing"] = missing;
    j["tx_bytes_per_s"] = call.connected ? J(tx_bps) : J(nullptr);
    j["rx_good_bytes_per_s"] = call.connected ? J(rx_bps) : J(nullptr);
    j["byte_errors"] = check.aligned() ? J(check.byte_errors) : J(nullptr);
    j["error_bursts"] = check.aligned() ? J(check.bursts) : J(nullptr);
    j["byte_error_rate"] = check.aligned() && check.received ? J(static_cast<double>(check.byte_errors) / static_cast<double>(check.received)) : J(nullptr);
    j["good_records"] = check.good_records;
    j["corrupted_records"] = check.corrupted_records;
    j["lost_records"] = check.lost_records;
    j["duplicated_records"] = check.duplicated_records;
    j["flow_control_stalls"] = stalls;
    j["stalled_s"] = stalled_s;
    j["rtt_ms"] = summary_json(rtt);
    j["raw_pty_bytes_per_s"] = raw_bps ? J(*raw_bps) : J(nullptr);
    j["hang_up_confirmed"] = confirmed;
    // Throughput over time; the last interval is cut at the end of the run.
    J iv = J::array();
    const double run_s = std::chrono::duration<double>(end_time - start).count();
    for (std::size_t i = 0; call.connected && i < buckets.size(); ++i) {
      const double from = static_cast<double>(i) * interval;
      const double to = std::min(from + interval, std::max(run_s, from + 1e-3));
      iv.push_back({{"t_s", to},
                    {"tx_bytes_per_s", static_cast<double>(buckets[i].tx) / (to - from)},
                    {"rx_bytes_per_s", static_cast<double>(buckets[i].rx) / (to - from)}});
    }
    j["interval_s"] = call.connected ? J(interval) : J(nullptr);
    j["intervals"] = iv;
    write_json(j);
  } else if (o.csv) {
    std::printf("bytes_sent,bytes_received,tx_bytes_per_s,rx_good_bytes_per_s,byte_errors,error_bursts,lost_records,duplicated_records,stalls,rtt_p50_ms,rtt_max_ms,raw_pty_bytes_per_s,stopped\n");
    std::printf("%llu,%llu,%.1f,%.1f,%s,%s,%llu,%llu,%u,%s,%s,%s,%s\n", static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(check.received), tx_bps, rx_bps,
                check.aligned() ? std::to_string(check.byte_errors).c_str() : "",
                check.aligned() ? std::to_string(check.bursts).c_str() : "",
                static_cast<unsigned long long>(check.lost_records), static_cast<unsigned long long>(check.duplicated_records),
                stalls, rtt.count ? std::to_string(rtt.p50).c_str() : "", rtt.count ? std::to_string(rtt.max).c_str() : "",
                raw_bps ? std::to_string(*raw_bps).c_str() : "", csv_field(stopped).c_str());
  } else {
    print_row(stdout, "port", port_name);
    print_row(stdout, "number", t.phone);
    if (!call.connected) {
      print_row(stdout, "call", call.failed_in + " failed: " + dialup::describe(call.error));
    } else {
      print_row(stdout, "CONNECT", call.status.connect_text);
      char b[200];
      std::snprintf(b, sizeof b, "%llu bytes, %.0f B/s (%.0f bit/s)", static_cast<unsigned long long>(sent), tx_bps, tx_bps * 10);
      print_row(stdout, "sent", b);
      std::snprintf(b, sizeof b, "%llu bytes, good %.0f B/s (%.0f bit/s)", static_cast<unsigned long long>(check.received), rx_bps, rx_bps * 10);
      print_row(stdout, "echoed", b);
      if (missing) print_row(stdout, "not echoed", std::to_string(missing) + " bytes");
      if (check.aligned()) {
        std::snprintf(b, sizeof b, "%llu in %llu bursts (%.4f %% of bytes)", static_cast<unsigned long long>(check.byte_errors),
                      static_cast<unsigned long long>(check.bursts),
                      check.received ? 100.0 * static_cast<double>(check.byte_errors) / static_cast<double>(check.received) : 0.0);
        print_row(stdout, "byte errors", b);
      } else {
        print_row(stdout, "byte errors", "not counted: data was lost or duplicated (offsets do not line up)");
      }
      print_row(stdout, "records good/corrupt", std::to_string(check.good_records) + " / " + std::to_string(check.corrupted_records));
      print_row(stdout, "records lost/dup", std::to_string(check.lost_records) + " / " + std::to_string(check.duplicated_records));
      print_row(stdout, "flow-control stalls", std::to_string(stalls) + (stalls ? " (" + format_ms(stalled_s * 1000) + ")" : ""));
      if (rtt.count)
        print_row(stdout, "round trip under load", "p50 " + format_ms(rtt.p50) + "  p90 " + format_ms(rtt.p90) + "  max " + format_ms(rtt.max));
    }
    if (raw_bps) {
      char b[160];
      std::snprintf(b, sizeof b, "%.0f B/s", *raw_bps);
      print_row(stdout, "raw pty echo", b);
      if (call.connected && *raw_bps > 0) {
        std::snprintf(b, sizeof b, "%.1f %% of the raw pty", 100.0 * rx_bps / *raw_bps);
        print_row(stdout, "echo through modem", b);
      }
    }
    if (!confirmed) print_row(stdout, "hang-up", "not confirmed (the modem may still be off-hook)");
    if (!stopped.empty()) print_row(stdout, "run", "stopped early: " + stopped);
  }
  if (!call.connected) return 2;
  return stopped.empty() ? 0 : 4;
}

}  // namespace dialup_diag
