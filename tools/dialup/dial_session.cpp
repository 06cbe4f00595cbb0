// dial_session: one dial from the command line.
//
//   dial ──states──> Connected ──[--send: echo check]──> hold (--hold, Ctrl-C) ──> hang up
//    │                   │
//    │                   └─ connection event "disconnected"
//    │                        ├─ 629/630 with --reconnect ──> reconnecting ──> reconnected (hold on)
//    │                        │                                       └─> disconnected ─┐
//    │                        └─ otherwise ─────────────────────────────────────────────┴─> hang up, exit 2
//    ├─ a paused state (paused states are on when stdin is a terminal, or with --ask),
//    │  handled from a posted handler, not inside the notification:
//    │     Interactive          terminal: stdin -> line, line -> stdout, until "~." or EOF
//    │     RetryAuthentication  ask the user name (default: the old one) and the password
//    │     PasswordExpired      ask the new password twice
//    │     CallbackSetByCaller  ask the callback number (a bad one: ask again)
//    │  the answers are read on the input thread and posted back; the loop resumes the dial
//    │  with dial(handle, params); end of input hangs up
//    └─ an error ──> printed in one line, hang up (a failed dial's handle too), exit 2
//
//   hang up ──> on-hook confirmed ──> exit as above
//          └──> not confirmed (the engine's error, 638) ──> printed; exit 3 where it was 0
#include "dial_session.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/text.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "json_output.hpp"
#include "prompts.hpp"
#include "terminal_bridge.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace dialup_cli {

namespace {

// Prints engine log lines to stderr. Called from the engine thread. The engine never hands
// a password to its log (-vv shows "********").
std::function<void(dialup::log_level, std::string_view)> make_logger(int verbose, bool cellular) {
  if (verbose == 0 && cellular) {
    // Without -v a cellular dial still shows what it waits for (the SIM, the network):
    // the cellular phase's info lines (docs/cellular.md).
    return [](dialup::log_level level, std::string_view text) {
      if (level < dialup::log_level::info || text.find("] cellular: ") == std::string_view::npos) return;
      std::cerr << "  " << text.substr(text.find("cellular: ")) << "\n";
    };
  }
  if (verbose == 0) return {};
  auto min = verbose >= 2 ? dialup::log_level::trace : dialup::log_level::debug;
  auto mutex = std::make_shared<std::mutex>();
  return [min, mutex](dialup::log_level level, std::string_view text) {
    if (level < min) return;
    std::lock_guard lock(*mutex);
    std::cerr << "  [engine] " << text << "\n";
  };
}

std::string pause_reason(dialup::conn_state s) {
  using cs = dialup::conn_state;
  switch (s) {
    case cs::interactive: return "paused: the line is yours until you type ~.";
    case cs::retry_authentication: return "paused: the login was refused";
    case cs::password_expired: return "paused: the password has expired";
    case cs::callback_set_by_caller: return "paused: the server asks for a callback number";
    default: return "paused";
  }
}

// "error 609: the device type is not known", then what happened, when the engine says more
// (": cannot open /dev/null: not a serial port").
std::string with_detail(const std::error_code& ec, const std::string& detail) {
  std::string out = dialup::describe(ec);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

// What to do about an error the user can fix with an option.
std::string hint(const std::error_code& ec) {
  if (ec == dialup::ras_error::interactive_mode)
    return " (the terminal step needs a terminal on standard input, or --ask)";
  if (ec == dialup::ras_error::bad_callback_number)
    return " (--callback \"*\" needs a terminal on standard input, or --ask)";
  return {};
}

class dial_session {
 public:
  dial_session(dial_options o, line_input& in)
      : opt_(std::move(o)),
        stdin_(in),
        notes_(opt_.json ? stderr : stdout),
        signals_(io_, SIGINT, SIGTERM),
        hold_timer_(io_) {}

  ~dial_session() {
    if (input_thread_.joinable()) input_thread_.join();
  }

  int run() {
    dialup::thread_loop_scope scope(io_.get_executor());

    // Paused states are answered by a person at the terminal, or with --ask by whatever
    // feeds standard input; otherwise the dial fails in them with the documented errors.
    paused_states_ = opt_.ask || ::isatty(STDIN_FILENO) == 1;
    if (opt_.ask) {
      ask_ = &stdin_;
    } else if (paused_states_) {
      std::string error;
      tty_ = line_input::open_terminal(error);
      ask_ = tty_ ? tty_.get() : &stdin_;
    }

    std::optional<asio::io_context> sim_io;
    std::unique_ptr<dialup::hwsim::simulator> sim;
    std::thread sim_thread;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> sim_work;
    // What is dialled is the engine's decision (numbers_to_dial); the banner shows the same.
    const auto dialled = [this] { return dialup::numbers_to_dial(make_entry(), opt_.params).front(); };
    if (opt_.sim) {
      sim_io.emplace();
      sim_work.emplace(sim_io->get_executor());
      dialup::hwsim::simulator_options so;
      so.time_scale = opt_.time_scale;
      if (opt_.cellular) so.personality = "cellular";
      sim = std::make_unique<dialup::hwsim::simulator>(sim_io->get_executor(), so);
      sim->add_modem();
      sim_thread = std::thread([&] { sim_io->run(); });
      opt_.port = sim->pty_path(0);
      if (dialled().empty()) opt_.phone = "5550100";
      if (!opt_.send && !opt_.cellular) opt_.send = "Hello from dialup\r\n";  // *99# discards data
      if (!opt_.hold) opt_.hold = 0;
      std::fprintf(notes_, "dialup: simulated modem on %s (time scale %g), dialing %s\n", opt_.port.c_str(),
                   opt_.time_scale, dialled().c_str());
    } else if (opt_.from_phonebook) {
      const auto& e = *opt_.from_phonebook;
      std::fprintf(notes_, "dialup: dialing %s (%s) on %s\n", opt_.entry_name.c_str(), dialled().c_str(),
                   (opt_.port.empty() ? e.port : opt_.port).c_str());
    } else {
      std::fprintf(notes_, "dialup: dialing %s on %s\n", dialled().c_str(), opt_.port.c_str());
    }
    std::fflush(notes_);
    if (opt_.json) {
      auto o = json_output::make(0, "dialing");
      o["number"] = dialled();
      o["port"] = opt_.port.empty() && opt_.from_phonebook ? opt_.from_phonebook->port : opt_.port;
      if (opt_.from_phonebook) o["entry"] = opt_.entry_name;
      json_.write(o);
    }

    int rc;
    {
      dialup::engine_options eo;
      eo.transports = std::make_shared<dialup::drivers::port_factory>();
      eo.log = make_logger(opt_.verbose, opt_.cellular);
      dialup::connection_manager mgr(std::move(eo));
      mgr_ = &mgr;
      rc = dial_and_hold();
      if (subscription_) mgr.unsubscribe(subscription_);
      if (input_thread_.joinable()) input_thread_.join();
      mgr_ = nullptr;
    }

    if (sim) {
      sim->shutdown();
      sim_work.reset();
      sim_io->stop();
      sim_thread.join();
    }
    return rc;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  double since_start(std::chrono::steady_clock::time_point t) const {
    if (t == std::chrono::steady_clock::time_point{}) return elapsed();
    return std::max(0.0, std::chrono::duration<double>(t - start_).count());
  }

  // The human form: one line per state or event, the time since the dial started first.
  void print_line(std::string_view what, const std::string& detail = {}) {
    if (opt_.json) return;  // --json: each caller writes its own object
    std::printf("  %7.3f  %-20s %s\n", elapsed(), std::string(what).c_str(), detail.c_str());
    std::fflush(stdout);
  }

  void print_state(dialup::conn_state s, const std::string& detail = {}) { print_line(to_string(s), detail); }

  // --json: one object; `detail` is left out when empty.
  void json_event(std::string_view event, std::optional<dialup::conn_state> s, const std::error_code& ec = {},
                  const std::string& detail = {}, std::chrono::steady_clock::time_point t = {},
                  json_output::object extra = {}) {
    if (!opt_.json) return;
    auto o = json_output::make(since_start(t), event, s, ec);
    if (!detail.empty()) o["detail"] = detail;
    if (extra.is_object())
      for (auto& [k, v] : extra.items()) o[k] = v;
    json_.write(o);
  }

  // A message for the user that is not an event: stdout, or stderr with --json.
  void note(const std::string& text) {
    std::fprintf(notes_, "%s\n", text.c_str());
    std::fflush(notes_);
  }

  dialup::dial_entry make_entry() const {
    dialup::dial_entry entry;
    if (opt_.from_phonebook) entry = *opt_.from_phonebook;
    else if (opt_.profile) entry.profile = *opt_.profile;
    for (const auto& c : opt_.extra_init) entry.profile.init.push_back(c);
    if (!opt_.port.empty()) entry.port = opt_.port;
    if (!opt_.phone.empty()) entry.phone_number = opt_.phone;
    if (!opt_.from_phonebook) entry.settings.baud_rate = opt_.baud;
    if (opt_.s7) entry.profile.call_setup_fail_timer = opt_.s7;
    if (!opt_.script.text.empty()) dialup::set_script(entry, dialup::entry_script::login, opt_.script);
    if (!opt_.dial_script.text.empty()) dialup::set_script(entry, dialup::entry_script::dial, opt_.dial_script);
    if (!opt_.callback_script.text.empty())
      dialup::set_script(entry, dialup::entry_script::callback, opt_.callback_script);
    if (opt_.reconnect) entry.reconnect_if_dropped = *opt_.reconnect;
    if (opt_.redial) entry.redial.attempts = *opt_.redial;
    if (opt_.redial_pause) entry.redial.pause = std::chrono::seconds(*opt_.redial_pause);
    if (opt_.terminal) entry.terminal_after_dial = true;
    if (opt_.cellular) entry.profile.cellular.enabled = true;
    if (!opt_.apn.empty()) entry.apn = opt_.apn;
    if (opt_.sim) {
      // The simulated modem's guard time (S12) runs scaled; so can ours.
      entry.profile.escape_guard =
          std::chrono::milliseconds(static_cast<long>(1200 * std::max(opt_.time_scale, 0.05)));
    }
    return entry;
  }

  int dial_and_hold() {
    const dialup::dial_entry entry = make_entry();
    reconnect_ = entry.reconnect_if_dropped;
    params_ = opt_.params;
    dialup::dial_extensions extensions;
    if (paused_states_) extensions.options |= dialup::rdeopt_paused_states;

    std::error_code ec;
    // Before the dial, so that no event can come first. Runs on this thread's loop.
    subscription_ = mgr_->subscribe(
        {}, [this](const dialup::connection_event& e) { on_connection_event(e); }, ec);
    if (ec) {
      std::fprintf(stderr, "dialup: %s\n", dialup::describe(ec).c_str());
      return 1;
    }

    start_ = std::chrono::steady_clock::now();
    handle_ =
        mgr_->dial(entry, params_, extensions,
                   dialup::notifier::on_event([this](const dialup::dial_event& e) { on_event(e); }), ec);
    if (ec) {
      // Refused before any port work (a bad number, 749/723; a script error, 752): a dial
      // that failed, like any other.
      std::fprintf(stderr, "dialup: %s%s\n", dialup::describe(ec).c_str(), hint(ec).c_str());
      return 2;
    }
    signals_.async_wait([this](boost::system::error_code e, int sig) {
      if (e) return;
      std::fprintf(notes_, "dialup: %s, hanging up\n", sig == SIGINT ? "interrupted" : "terminated");
      interrupted_ = true;
      hang_up();
    });
    io_.run();
    return exit_code_;
  }

  // ---- the dial's notifications (on this loop, in state order) -------------------------

  void on_event(const dialup::dial_event& e) {
    if (e.error) {
      // "error 609: the device type is not known: cannot open /dev/null: not a serial port"
      const std::string what = with_detail(e.error, e.detail);
      print_state(e.state, "failed: " + what);
      json_event("error", e.state, e.error, e.detail, e.time, {{"attempt", e.attempt}});
      std::fprintf(stderr, "dialup: %s%s\n", what.c_str(), hint(e.error).c_str());
      exit_code_ = 2;
      hang_up();  // a failed dial's handle must still be hung up (RAS)
      return;
    }
    if (is_paused(e.state)) {
      print_state(e.state, pause_reason(e.state));
      json_event("paused", e.state, {}, pause_reason(e.state), e.time);
      // Resumed from the loop, not from inside this notification (RAS forbids it).
      asio::post(io_, [this, s = e.state] { on_paused(s); });
      return;
    }
    std::string detail;
    dialup::connection_status st;
    using cs = dialup::conn_state;
    if (e.state == cs::device_connected && !mgr_->status(e.handle, st)) detail = st.connect_text;
    if (e.state == cs::connect_device && e.attempt > 1)
      detail = "attempt " + std::to_string(e.attempt) + " (the last: error " +
               std::to_string(e.extended_error) + ")";
    if (e.state == cs::prepare_for_callback) detail = "the server calls back " + params_.callback_number;
    print_state(e.state, detail);
    json_output::object extra = {{"attempt", e.attempt}};
    if (e.attempt > 1) extra["last_error"] = e.extended_error;
    json_event("state", e.state, {}, detail, e.time, std::move(extra));
    if (e.state == cs::connected) on_connected();
  }

  // ---- connection events: the line going down and coming back --------------------------

  void on_connection_event(const dialup::connection_event& e) {
    if (hanging_up_ || e.handle != handle_) return;
    using kind = dialup::connection_event_kind;
    switch (e.kind) {
      case kind::connected: return;  // Connected is printed as a state
      case kind::reconnecting:
        reconnecting_ = true;
        print_line("reconnecting");
        json_event("reconnecting", std::nullopt);
        return;
      case kind::paused:
        // A pause in the reconnected call (a refused login, the terminal step): the dial's
        // notifier finished at the first Connected, so it comes as a connection event.
        print_state(e.state, pause_reason(e.state));
        json_event("paused", e.state, {}, pause_reason(e.state));
        asio::post(io_, [this, s = e.state] { on_paused(s); });
        return;
      case kind::reconnected:
        reconnecting_ = false;
        print_line("reconnected");
        json_event("reconnected", std::nullopt);
        return;
      case kind::disconnected: {
        // The event has the number; what happened beyond it is in the status while the
        // handle lives (a reconnect's port that would not open again).
        dialup::connection_status st;
        std::string detail;
        if (!mgr_->status(handle_, st) && st.error == e.error) detail = st.error_detail;
        const std::string what = with_detail(e.error, detail);
        print_line("disconnected", what);
        json_event("disconnected", std::nullopt, e.error, detail);
        // A dropped carrier or a vanished device with --reconnect: "reconnecting" follows.
        if (reconnect_ && !reconnecting_ && e.error == dialup::ras_condition::line_lost)
          return;
        std::fprintf(stderr, "dialup: the connection ended: %s\n", what.c_str());
        exit_code_ = e.error == dialup::ras_error::idle_timeout ? 0 : 2;
        hang_up();
        return;
      }
    }
  }

  // ---- paused states ------------------------------------------------------------------

  void on_paused(dialup::conn_state s) {
    if (hanging_up_) return;
    paused_in_ = s;
    answering_ = true;
    using cs = dialup::conn_state;
    line_input* in = ask_;
    dialup::dial_params p = params_;
    switch (s) {
      case cs::interactive: start_terminal(); return;
      case cs::retry_authentication:
        ask([in, p] { return ask_credentials(*in, p); });
        return;
      case cs::password_expired:
        ask([in, p] { return ask_new_password(*in, p); });
        return;
      case cs::callback_set_by_caller:
        ask([in, p] { return ask_callback_number(*in, p); });
        return;
      default:
        std::fprintf(stderr, "dialup: the dial paused in %s, which dialup cannot answer\n",
                     std::string(to_string(s)).c_str());
        exit_code_ = 2;
        hang_up();
        return;
    }
  }

  // Runs `job` (blocking reads from the user) on the input thread; its answer comes back to
  // this loop, which resumes the dial.
  template <class Job>
  void ask(Job job) {
    start_input([this, job = std::move(job)]() mutable {
      auto answer = job();
      asio::post(io_, [this, answer = std::move(answer)] { resume(answer); });
    });
  }

  // One input thread at a time; it keeps the loop running until its result is posted.
  template <class Body>
  void start_input(Body body) {
    if (input_thread_.joinable()) input_thread_.join();  // it has posted its last result
    input_thread_ = std::thread([body = std::move(body), work = asio::make_work_guard(io_)]() mutable {
      body();
      work.reset();
    });
  }

  void resume(const std::optional<dialup::dial_params>& answer) {
    answering_ = false;
    if (hanging_up_) return;
    if (!answer) {
      std::fprintf(stderr, "dialup: no answer (end of input) in %s; hanging up\n",
                   std::string(to_string(paused_in_)).c_str());
      exit_code_ = 2;
      hang_up();
      return;
    }
    params_ = *answer;
    auto ec = mgr_->dial(handle_, params_);
    if (!ec) return;
    std::fprintf(stderr, "dialup: %s\n", dialup::describe(ec).c_str());
    if (paused_in_ == dialup::conn_state::callback_set_by_caller &&
        (ec == dialup::ras_error::invalid_callback_number || ec == dialup::ras_error::bad_callback_number)) {
      on_paused(paused_in_);  // still paused: ask again
      return;
    }
    exit_code_ = 2;
    hang_up();
  }

  // ---- Interactive: the terminal step after CONNECT ------------------------------------

  void start_terminal() {
    terminal_.open(notes_);
    start_reading();
    start_input([this] { terminal_.copy_input(stdin_); });
  }

  // ---- the data line: one reader for the terminal and the echo check -------------------
  //
  // One read at a time, on one stream. It stays outstanding across the resume from
  // Interactive when no login script follows (the engine leaves it to us), so the echo
  // check after Connected goes on with it rather than starting a second one.

  dialup::data_stream& stream() {
    if (!stream_) stream_ = std::make_unique<dialup::data_stream>(*mgr_, handle_, io_.get_executor());
    return *stream_;
  }

  void start_reading() {
    if (reading_) return;
    reading_ = true;
    stream().async_read_some(asio::buffer(read_buf_), [this](boost::system::error_code ec, std::size_t n) {
      reading_ = false;
      if (n > 0) on_line_data(std::string_view(read_buf_.data(), n));
      if (ec && echo_pending_ && ec != asio::error::operation_aborted) {
        echo_pending_ = false;
        hold_timer_.cancel();
        if (opt_.json)
          json_event("data", std::nullopt, {}, "read failed: " + ec.message());
        else
          std::printf("data: read failed: %s\n", ec.message().c_str());
        start_hold();
      }
      // Aborted: a login script takes the line after the terminal; the echo check (if
      // any) reads again once Connected.
      if (!ec && (terminal_.is_open() || echo_pending_)) start_reading();
    });
  }

  void on_line_data(std::string_view bytes) {
    if (!echo_pending_) {
      // The terminal's (or what the remote still said after the user left it).
      if (opt_.json)
        json_event("data", std::nullopt, {}, {}, {}, {{"received", std::string(bytes)}});
      else
        terminal_bridge::show(bytes);
      return;
    }
    in_.append(bytes);
    auto at = in_.find(out_);
    if (at == std::string::npos) return;
    echo_pending_ = false;
    hold_timer_.cancel();
    if (opt_.json)
      json_event("data", std::nullopt, {}, {}, {},
                 {{"sent", out_.size()}, {"received", at + out_.size()}, {"text", in_.substr(0, at + out_.size())}});
    else
      std::printf("data: sent %zu bytes, received %zu: \"%s\"\n", out_.size(), at + out_.size(),
                  dialup::text::escape_bytes(in_.substr(0, at + out_.size())).c_str());
    start_hold();
  }

  // ---- connected ------------------------------------------------------------------------

  void on_connected() {
    if (!opt_.send || opt_.send->empty()) {
      start_hold();
      return;
    }
    // Send the text and wait for it to come back (the simulator's number echoes), at most
    // 5 s. What arrives before it is shown too: after a chat dial script, the rest of the
    // CONNECT line is the data line's, as it would be pppd's.
    out_ = *opt_.send;
    in_.clear();
    echo_pending_ = true;
    asio::async_write(stream(), asio::buffer(out_), [](boost::system::error_code, std::size_t) {});
    start_reading();
    hold_timer_.expires_after(5s);
    hold_timer_.async_wait([this](boost::system::error_code e) {
      if (e || !echo_pending_) return;
      echo_pending_ = false;
      if (opt_.json)
        json_event("data", std::nullopt, {}, "no echo within 5 s", {}, {{"sent", out_.size()}, {"received", 0}});
      else
        std::printf("data: sent %zu bytes, no echo of them within 5 s\n", out_.size());
      start_hold();
    });
  }

  void start_hold() {
    if (interrupted_ || hanging_up_) return;
    if (opt_.hold && *opt_.hold <= 0) {
      hang_up();
      return;
    }
    if (opt_.hold) {
      std::fprintf(notes_, "dialup: connected; holding the line for %g s (Ctrl-C hangs up)\n", *opt_.hold);
      hold_timer_.expires_after(std::chrono::milliseconds(static_cast<long>(*opt_.hold * 1000)));
      hold_timer_.async_wait([this](boost::system::error_code e) {
        if (!e) hang_up();
      });
    } else {
      std::fprintf(notes_, "dialup: connected; Ctrl-C hangs up\n");
    }
    std::fflush(notes_);
  }

  void hang_up() {
    if (hanging_up_) return;
    hanging_up_ = true;
    terminal_.stop();
    hold_timer_.cancel();
    // Whoever waits for the user stops waiting (a terminal's echo comes back on).
    stdin_.cancel();
    if (tty_) tty_->cancel();
    if (exit_code_ == 0 && !interrupted_) std::fprintf(notes_, "dialup: hanging up\n");
    mgr_->async_hang_up(handle_, [this](std::error_code ec) {
      if (ec == dialup::ras_error::invalid_handle) {
        std::fprintf(stderr, "dialup: hang-up: %s\n", dialup::describe(ec).c_str());
      } else if (ec) {
        // The port is closed and the handle gone, but the modem never said it was on-hook
        // (an escape it did not acknowledge, an ATH without OK): the line may still be up,
        // which costs money on a metered line. A call that was fine now exits 3; a failed
        // dial keeps its 2.
        std::fprintf(stderr, "dialup: hang-up not confirmed: %s; the modem may still be off-hook\n",
                     dialup::describe(ec).c_str());
        if (exit_code_ == 0) exit_code_ = 3;
      }
      print_state(dialup::conn_state::disconnected);
      json_event("hung_up", dialup::conn_state::disconnected, ec, {}, {}, {{"confirmed", !ec}});
      signals_.cancel();
    });
  }

  dial_options opt_;
  line_input& stdin_;
  std::FILE* notes_;  // messages that are not events: stdout, or stderr with --json
  json_output json_;
  std::unique_ptr<line_input> tty_;  // the controlling terminal, when stdin is one
  line_input* ask_ = nullptr;        // where paused states are answered from
  bool paused_states_ = false;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer hold_timer_;
  dialup::connection_manager* mgr_ = nullptr;
  dialup::connection_handle handle_;
  dialup::dial_params params_;  // the latest: a resume replaces them
  std::uint64_t subscription_ = 0;
  std::thread input_thread_;
  dialup::conn_state paused_in_ = dialup::conn_state::open_port;
  bool answering_ = false;  // the input thread is asking
  bool reconnect_ = false;
  bool reconnecting_ = false;
  // The terminal step; it resumes the dial when the user leaves it.
  terminal_bridge terminal_{io_, [this]() -> dialup::data_stream& { return stream(); },
                            [this] { resume(params_); }};
  // The data line.
  std::unique_ptr<dialup::data_stream> stream_;
  std::array<char, 512> read_buf_{};
  bool reading_ = false;
  std::string out_, in_;  // --send: the text sent, what came back so far
  bool echo_pending_ = false;
  bool hanging_up_ = false;
  bool interrupted_ = false;
  int exit_code_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

int run_dial(dial_options options, line_input& standard_input) {
  return dial_session(std::move(options), standard_input).run();
}

}  // namespace dialup_cli
