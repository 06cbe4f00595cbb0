// `dialup-diag lines`: the modem-control inputs (DCD, DSR, CTS, RI) over time, and the ring
// cadence the RI pulses show (docs/diag.md, "lines"; docs/serial-lines.md). The events come
// from the transport's modem-line API (transport.hpp: lines_at_open, async_wait_lines, or
// get_lines polled when the driver has no events); nothing is read from the AT replies.
// A port without modem-control lines (a pty: every TIOCM* ioctl fails with ENOTTY) gives a
// clear error and exit status 2 — no events are made up.
//
// Rings: RI rises at the start of a ring burst and falls at its end (V.24 circuit 125;
// docs/modem-behaviour.md §7: US cadence 2 s on, 4 s off). A ring is counted per RI pulse
// the driver reports (its trailing edge, RFC 2217 §3 / TIOCGICOUNT); on-time is rise to
// fall, off-time fall to the next rise, period rise to rise. Rings more than 10 s apart
// (mgetty's rule, docs/modem-behaviour.md §7; scaled by --time-scale with --sim) belong to
// different calls.
//
//   open ── no modem control ──► "this port has no modem-control lines", exit 2
//    │ lines_at_open
//    v
//   wait for a change ──► record it ──► wait ... ── --seconds passed / Ctrl-C ──► report
//   (--sim: the incoming calls of --ring-from are placed in turn from the start; --dial
//   then dials, holds the call --hold seconds and drops DTR to hang it up)
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>

#include <boost/asio/executor_work_guard.hpp>

#include "commands.hpp"
#include "diag_port.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "stats.hpp"

using json = nlohmann::ordered_json;
using namespace std::chrono_literals;

namespace dialup_diag {

namespace {

struct line_event {
  double t_s = 0;
  dialup::modem_lines lines;
  dialup::modem_lines changed;
  unsigned ring_pulses = 0;
};

std::vector<std::string> changed_names(const dialup::modem_lines& c) {
  std::vector<std::string> out;
  if (c.dcd) out.emplace_back("dcd");
  if (c.dsr) out.emplace_back("dsr");
  if (c.cts) out.emplace_back("cts");
  if (c.ri) out.emplace_back("ri");
  return out;
}

std::string levels(const dialup::modem_lines& l) {
  std::string s;
  s += l.dcd ? "DCD " : "dcd ";
  s += l.dsr ? "DSR " : "dsr ";
  s += l.cts ? "CTS " : "cts ";
  s += l.ri ? "RI" : "ri";
  return s;
}

json lines_json(const dialup::modem_lines& l) {
  return {{"dcd", l.dcd}, {"dsr", l.dsr}, {"cts", l.cts}, {"ri", l.ri}};
}

std::string secs(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f s", s);
  return b;
}

}  // namespace

int lines_command(const common_options& o, const lines_options& lo) {
  std::unique_ptr<sim_host> sim;
  std::string port_name;
  // The cadence the reference gives (docs/modem-behaviour.md §7), in this run's time.
  const double scale = o.sim ? o.time_scale : 1.0;
  dialup::hwsim::exchange_timing timing;  // the simulator's cadence: the §7 US one
  const double ref_on = std::chrono::duration<double>(timing.ring_on).count() * scale;
  const double ref_off = std::chrono::duration<double>(timing.ring_off).count() * scale;
  double seconds = lo.seconds;
  if (o.sim) {
    dialup::hwsim::simulator_options sopt;
    sopt.time_scale = o.time_scale;
    sopt.personality = o.personality;
    sim = std::make_unique<sim_host>(sopt);
    port_name = sim->serve_rfc2217();  // the pty has no lines; RFC 2217 carries them
    if (seconds <= 0) {
      // Long enough for every call's rings and the caller's giving up, and a margin.
      seconds = (static_cast<double>(lo.ring_from.size()) * (lo.rings + 2) + 1) * (ref_on + ref_off) + 0.5;
    }
  } else {
    if (!lo.ring_from.empty()) {
      std::fprintf(stderr, "dialup-diag lines: --ring-from needs --sim (a real line's calls come from the network)\n");
      return 1;
    }
    port_name = o.port;
    if (seconds <= 0) seconds = 30;
  }
  std::string error;
  auto port = at_port::open(port_name, o.baud, error);
  if (!port) {
    std::fprintf(stderr, "dialup-diag lines: %s\n", error.c_str());
    return 2;
  }
  auto& t = port->port_transport();
  const auto at_open = t.lines_at_open();
  dialup::modem_lines first{};
  if (!t.has_modem_control() || (!at_open && t.get_lines(first))) {
    port->close();
    std::fprintf(stderr,
                 "dialup-diag lines: %s: this port has no modem-control lines (DCD, DSR, CTS, RI cannot be "
                 "read: a pty, or an adapter without them), so there are no line events to report\n",
                 port_name.c_str());
    return 2;
  }
  if (at_open) first = *at_open;

  auto to_duration = [](double secs) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(secs));
  };
  // The simulator's call to an echo: post-dial delay, one ring, the answer and the training
  // (docs/modem-behaviour.md §7, about 15 s); a real line gets the S7 default, 50 s.
  const double dial_s = o.sim ? 20 * scale + 2 : 60;
  const auto dial_timeout = std::chrono::milliseconds(static_cast<long>(dial_s * 1000));
  const double calls_s = static_cast<double>(lo.ring_from.size()) * (lo.rings + 2) * (ref_on + ref_off);
  if (lo.seconds <= 0 && !lo.dial.empty()) seconds += dial_s + lo.hold * scale;

  std::vector<line_event> events;
  std::string stopped;
  progress_line progress(progress_wanted(o));
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + to_duration(seconds);
  const auto dial_at = std::min(end, start + to_duration(calls_s));
  auto since_start = [&](std::chrono::steady_clock::time_point at) {
    if (at == std::chrono::steady_clock::time_point{}) at = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(at - start).count();
  };

  // The incoming calls, one after another, each given room for its rings and a gap of more
  // than the 10 s that separates calls.
  std::vector<std::chrono::steady_clock::time_point> call_at;
  for (std::size_t k = 0; k < lo.ring_from.size(); ++k)
    call_at.push_back(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(
                                  static_cast<double>(k) * (lo.rings + 2) * (ref_on + ref_off))));
  std::size_t next_call = 0;
  unsigned calls_refused = 0;

  bool waiting = false;
  std::error_code line_error;
  dialup::modem_lines polled = first;
  std::function<void()> arm;
  const bool evented = [&] {
    arm = [&] {
      waiting = t.async_wait_lines([&](std::error_code ec, const dialup::modem_line_event& ev) {
        waiting = false;
        if (ec) {
          line_error = ec;
          return;
        }
        events.push_back({since_start(ev.at), ev.lines, ev.changed, ev.ring_pulses});
        arm();
      });
    };
    arm();
    return waiting;
  }();

  auto& io = port->io();
  io.restart();
  auto work = boost::asio::make_work_guard(io);
  // Runs the port's handlers (the line events), places the calls that are due and polls a
  // driver without events, until `until`, `done()`, or a reason to stop (false).
  auto pump = [&](std::chrono::steady_clock::time_point until, const std::function<bool()>& done) {
    while (true) {
      const auto now = std::chrono::steady_clock::now();
      if (interrupted()) {
        stopped = "interrupted";
        return false;
      }
      if (line_error) {
        stopped = interrupted() ? "interrupted" : "the port failed: " + line_error.message();
        return false;
      }
      if (now >= until || (done && done())) return true;
      while (sim && next_call < call_at.size() && now >= call_at[next_call]) {
        if (!sim->incoming_call(lo.ring_from[next_call], lo.rings)) ++calls_refused;
        ++next_call;
      }
      io.run_one_for(10ms);
      if (!evented) {
        // A driver without change events: the levels polled (a ring shorter than the poll
        // can be missed; docs/serial-lines.md).
        dialup::modem_lines l;
        if (auto ec = t.get_lines(l)) {
          stopped = "the port failed: " + ec.message();
          return false;
        }
        const dialup::modem_lines c{l.dcd != polled.dcd, l.dsr != polled.dsr, l.cts != polled.cts, l.ri != polled.ri};
        if (c.dcd || c.dsr || c.cts || c.ri) {
          events.push_back({since_start({}), l, c, (polled.ri && !l.ri) ? 1u : 0u});
          polled = l;
        }
      }
      char b[120];
      std::snprintf(b, sizeof b, "lines: %.1f/%.1f s  %zu events", since_start({}), seconds, events.size());
      progress.show(b);
    }
  };
  auto current = [&] { return events.empty() ? first : events.back().lines; };

  // --dial: after the incoming calls, one call out, held --hold seconds, hung up by
  // dropping DTR (&D2, V.250 §6.2.9), so DCD shows its rise and fall.
  std::string dial_result;
  bool dial_hung_up = false;
  bool running = pump(dial_at, {});
  if (running && !lo.dial.empty()) {
    const auto a = port->command("ATD" + lo.dial, dial_timeout);
    if (interrupted()) {
      stopped = "interrupted";
      running = false;
    }
    dial_result = a.error ? a.error.message() : a.reply.final.text;
    if (running && !a.error && a.reply.final.kind == dialup::response_kind::connect) {
      running = pump(std::chrono::steady_clock::now() + to_duration(lo.hold * scale), {});
      // Hung up even when interrupted: the modem is left on-hook.
      if (!t.set_dtr(false)) {
        running = pump(std::chrono::steady_clock::now() + to_duration(5 * scale + 1), [&] { return !current().dcd; }) &&
                  running;
        dial_hung_up = !current().dcd;
        t.set_dtr(true);
      }
    }
  }
  if (running) pump(end, {});
  work.reset();
  port->close();  // cancels the wait; DTR drops: the modem is left on-hook
  progress.clear();

  // Counts per line, and the rings.
  unsigned n_dcd = 0, n_dsr = 0, n_cts = 0, n_ri = 0, pulses = 0;
  std::vector<double> on_s, off_s, period_s;
  unsigned groups = 0;
  std::optional<double> rise, last_rise, last_fall;
  dialup::modem_lines prev = first;
  const double group_gap = 10.0 * scale;
  for (const auto& e : events) {
    n_dcd += e.changed.dcd;
    n_dsr += e.changed.dsr;
    n_cts += e.changed.cts;
    n_ri += e.changed.ri;
    const bool rose = !prev.ri && e.lines.ri;
    const bool fell = e.ring_pulses > 0 || (prev.ri && !e.lines.ri);
    if (rose) {
      if (!last_rise || e.t_s - *last_rise > group_gap) ++groups;
      else {
        period_s.push_back(e.t_s - *last_rise);
        if (last_fall && *last_fall > *last_rise) off_s.push_back(e.t_s - *last_fall);
      }
      rise = e.t_s;
      last_rise = e.t_s;
    }
    if (fell) {
      pulses += e.ring_pulses ? e.ring_pulses : 1;
      if (rise && !rose && e.ring_pulses <= 1) on_s.push_back(e.t_s - *rise);
      rise.reset();
      last_fall = e.t_s;
    }
    prev = e.lines;
  }
  const auto on = summarize(on_s), off = summarize(off_s), period = summarize(period_s);
  // Within 20 % of the reference, or 20 ms, whichever is more (a scheduler's jitter at a
  // small time scale).
  auto near = [](const summary& s, double ref) -> std::optional<bool> {
    if (!s.count) return std::nullopt;
    const double tol = std::max(0.2 * ref, 0.02);
    return std::abs(s.mean - ref) <= tol;
  };
  const auto on_ok = near(on, ref_on), off_ok = near(off, ref_off), period_ok = near(period, ref_on + ref_off);

  if (o.json) {
    auto j = run_json("lines", port_name, stopped);
    j["seconds"] = seconds;
    j["lines_at_open"] = lines_json(first);
    j["events_evented"] = evented;
    json ev = json::array();
    for (const auto& e : events) {
      json x{{"t_s", e.t_s}, {"dcd", e.lines.dcd}, {"dsr", e.lines.dsr}, {"cts", e.lines.cts}, {"ri", e.lines.ri}};
      x["changed"] = changed_names(e.changed);
      x["ring_pulses"] = e.ring_pulses;
      ev.push_back(std::move(x));
    }
    j["events"] = ev;
    j["counts"] = {{"dcd", n_dcd}, {"dsr", n_dsr}, {"cts", n_cts}, {"ri", n_ri}};
    auto opt_bool = [](const std::optional<bool>& b) { return b ? json(*b) : json(nullptr); };
    j["rings"] = {{"count", pulses},
                  {"calls", groups},
                  {"on_s", summary_json(on)},
                  {"off_s", summary_json(off)},
                  {"period_s", summary_json(period)},
                  {"reference", {{"on_s", ref_on}, {"off_s", ref_off}, {"period_s", ref_on + ref_off}}},
                  {"on_matches", opt_bool(on_ok)},
                  {"off_matches", opt_bool(off_ok)},
                  {"period_matches", opt_bool(period_ok)}};
    if (!lo.dial.empty())
      j["dial"] = {{"number", lo.dial},
                   {"result", dial_result.empty() ? json(nullptr) : json(dial_result)},
                   {"hung_up", dial_hung_up}};
    if (sim) {
      j["incoming_calls"] = {{"placed", next_call - calls_refused}, {"refused", calls_refused}, {"rings_each", lo.rings}};
    }
    write_json(j);
  } else if (o.csv) {
    std::printf("t_s,dcd,dsr,cts,ri,changed,ring_pulses\n");
    for (const auto& e : events) {
      std::string ch;
      for (const auto& n : changed_names(e.changed)) ch += (ch.empty() ? "" : " ") + n;
      std::printf("%.4f,%d,%d,%d,%d,%s,%u\n", e.t_s, e.lines.dcd, e.lines.dsr, e.lines.cts, e.lines.ri, ch.c_str(),
                  e.ring_pulses);
    }
  } else {
    print_row(stdout, "port", port_name);
    print_row(stdout, "at open", levels(first));
    for (const auto& e : events) {
      std::string ch;
      for (const auto& n : changed_names(e.changed)) ch += (ch.empty() ? "" : ",") + n;
      std::printf("%9.3f s  %-12s %s\n", e.t_s, ch.c_str(), levels(e.lines).c_str());
    }
    print_row(stdout, "changes", "DCD " + std::to_string(n_dcd) + ", DSR " + std::to_string(n_dsr) + ", CTS " +
                                     std::to_string(n_cts) + ", RI " + std::to_string(n_ri));
    print_row(stdout, "rings", std::to_string(pulses) + " in " + std::to_string(groups) + " call(s)");
    auto cadence = [](const char* label, const summary& s, double ref, const std::optional<bool>& ok) {
      if (!s.count) return;
      print_row(stdout, label, secs(s.mean) + " (min " + secs(s.min) + ", max " + secs(s.max) + "; reference " +
                                   secs(ref) + (*ok ? ", matches)" : ", DIFFERS)"));
    };
    cadence("ring on", on, ref_on, on_ok);
    cadence("ring off", off, ref_off, off_ok);
    cadence("ring period", period, ref_on + ref_off, period_ok);
    if (!lo.dial.empty())
      print_row(stdout, "dial " + lo.dial,
                (dial_result.empty() ? std::string("not made") : dial_result) + (dial_hung_up ? ", hung up" : ""));
    if (!evented) print_row(stdout, "note", "the driver has no line events: levels polled every 10 ms");
    if (calls_refused) print_row(stdout, "incoming calls", std::to_string(calls_refused) + " refused (the line was busy)");
    if (!stopped.empty()) print_row(stdout, "run", "stopped early: " + stopped);
  }
  return stopped.empty() ? 0 : 4;
}

}  // namespace dialup_diag
