// One soak dial and its invariants.
//
//   draw_plan(seed) ──> world (exchange + modems + in-memory ports) ──> connection_manager
//        │                                                               on world's engine loop
//        └─ faults on the world's agenda (virtual time)                  notifications on the
//                                                                        caller's loop
//   loop: world.step() until the terminal notification has run, the caller has hung up and
//         status() answers invalid_handle; or the simulated deadline passes (a hang)
//   then: the invariants below, each counted when it holds, reported when it does not.
//
// The oracles are tables (legal_edges, fault_rules): docs/soak.md explains every row and
// cites docs/ras-model.md for the errors.
#include "run.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <stdexcept>

#include <utility>  // before Asio with Boost 1.74 in C++20
#include <poll.h>
#include <unistd.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "world.hpp"

namespace dialup::soak {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// ---------------------------------------------------------------------------------------
// The legal RASCONNSTATE graph of a modem dial (docs/ras-model.md §3.3), as data. A
// notification with error 0 must follow one of these edges from the previous state; an
// error notification repeats the state it happened in (§2.1); Disconnected with 631 may
// follow any state (a hang-up during the dial, §3.3).
struct edge {
  conn_state from;
  conn_state to;
  const char* why;
};
constexpr edge legal_edges[] = {
    {conn_state::open_port, conn_state::port_opened, "the port opened"},
    {conn_state::port_opened, conn_state::connect_device, "the modem starts"},
    {conn_state::connect_device, conn_state::connect_device, "a redial (extended error = last failure)"},
    {conn_state::connect_device, conn_state::device_connected, "CONNECT, or a script device done"},
    {conn_state::device_connected, conn_state::connect_device, "the next device (terminal, login script)"},
    {conn_state::device_connected, conn_state::all_devices_connected, "no further device"},
    {conn_state::connect_device, conn_state::interactive, "terminal step (paused)"},
    {conn_state::interactive, conn_state::device_connected, "resumed after the terminal"},
    {conn_state::connect_device, conn_state::retry_authentication, "login refused (paused)"},
    {conn_state::connect_device, conn_state::password_expired, "password expired (paused)"},
    {conn_state::connect_device, conn_state::callback_set_by_caller, "callback number asked (paused)"},
    {conn_state::retry_authentication, conn_state::connect_device, "resumed: the login again"},
    {conn_state::password_expired, conn_state::connect_device, "resumed: the password change"},
    {conn_state::callback_set_by_caller, conn_state::connect_device, "resumed: the login goes on"},
    {conn_state::connect_device, conn_state::prepare_for_callback, "the server will call back"},
    {conn_state::prepare_for_callback, conn_state::wait_for_modem_reset, "the server hung up"},
    {conn_state::wait_for_modem_reset, conn_state::wait_for_callback, "reset and init done"},
    {conn_state::wait_for_callback, conn_state::re_authenticate, "the callback answered"},
    {conn_state::re_authenticate, conn_state::authenticated, "the callback's login done"},
    {conn_state::re_authenticate, conn_state::retry_authentication, "the callback's login refused"},
    {conn_state::re_authenticate, conn_state::password_expired, "the callback's password expired"},
    {conn_state::connect_device, conn_state::authenticated, "a resumed callback login done"},
    {conn_state::authenticated, conn_state::all_devices_connected, "after the callback"},
    {conn_state::all_devices_connected, conn_state::connected, "link kind none: done"},
};

bool legal(std::optional<conn_state> from, conn_state to) {
  if (!from) return to == conn_state::open_port;
  for (const auto& e : legal_edges)
    if (e.from == *from && e.to == to) return true;
  return false;
}

// ---------------------------------------------------------------------------------------
// What each fault implies for the dial's terminal error (docs/ras-model.md §6.2). Rows
// marked `outcome` decide what the line does (an attempt on that number ends so, per
// personality); rows marked `perturbation` add errors the fault may legitimately cause on
// top of what the line does; `decided in code` rows depend on the script and paused
// states (expected_errors below). Error 0 = Connected. A generic 638 appears only where
// nothing more specific can be known (a silent or self-resetting modem, a reply later than
// its timeout, a script waiting for a prompt that never comes).
enum class rule_kind { outcome, perturbation, decided_in_code, hang_up };
struct fault_rule {
  fault_kind kind;
  rule_kind rule;
  std::array<int, 4> generic;  // 0-padded; {-1} = none
  std::array<int, 4> usr;
  std::array<int, 4> conexant;
  const char* why;
};
constexpr std::array<int, 4> none{-1, -1, -1, -1};
constexpr fault_rule fault_rules[] = {
    {fault_kind::busy, rule_kind::outcome, {676, -1, -1, -1}, {676, -1, -1, -1}, {676, -1, -1, -1},
     "BUSY -> 676"},
    {fault_kind::no_answer, rule_kind::outcome, {678, -1, -1, -1}, {679, -1, -1, -1}, {678, -1, -1, -1},
     "S7 runs out while ringing: NO ANSWER -> 678 (usr: NO CARRIER -> 679, Hayes rule)"},
    {fault_kind::voice, rule_kind::outcome, {679, -1, -1, -1}, {679, -1, -1, -1}, {677, -1, -1, -1},
     "a person answers: NO CARRIER -> 679 (conexant: VOICE -> 677)"},
    {fault_kind::unknown_number, rule_kind::outcome, {679, -1, -1, -1}, {679, -1, -1, -1}, {679, -1, -1, -1},
     "reorder: NO CARRIER -> 679"},
    {fault_kind::no_dial_tone, rule_kind::outcome, {680, -1, -1, -1}, {680, -1, -1, -1}, {680, -1, -1, -1},
     "NO DIALTONE -> 680 (blind dialling X3: NO CARRIER -> 679)"},
    {fault_kind::reset_garbage, rule_kind::perturbation, none, none, none,
     "tolerated: junk after the reset's OK changes nothing"},
    {fault_kind::split_delay, rule_kind::perturbation, none, none, none,
     "tolerated: split replies, delays shorter than the timeouts"},
    {fault_kind::late_reply, rule_kind::perturbation, {638, -1, -1, -1}, {638, -1, -1, -1}, {638, -1, -1, -1},
     "no reply to reset or init in time -> 638"},
    {fault_kind::ring_mid_dial, rule_kind::perturbation, {679, 678, -1, -1}, {679, 678, -1, -1}, {679, 678, -1, -1},
     "RING is an unsolicited line, but ATD while the other modem's call rings in finds the line "
     "taken: NO CARRIER 679 (or S7 runs out, 678); a callback wait may answer it; dialling the "
     "caller gives 676 too: see code"},
    {fault_kind::silent, rule_kind::perturbation, {638, 666, -1, -1}, {638, 666, -1, -1}, {638, 666, -1, -1},
     "the modem stops answering -> 638 (666 once declared unresponsive)"},
    {fault_kind::carrier_drop, rule_kind::perturbation, {629, 679, 678, -1}, {629, 679, 678, -1}, {629, 679, 678, -1},
     "the far end hangs up: in a script 629; before CONNECT NO CARRIER 679, or while ringing the "
     "call is gone and S7 runs out: NO ANSWER 678"},
    {fault_kind::line_noise, rule_kind::perturbation, {638, 629, -1, -1}, {638, 629, -1, -1}, {638, 629, -1, -1},
     "a script misses a corrupted prompt: TIMEOUT 638, or the server hangs up 629"},
    {fault_kind::unplug, rule_kind::perturbation, {692, 615, -1, -1}, {692, 615, -1, -1}, {692, 615, -1, -1},
     "the port failed before Connected -> 692; the device is gone at open -> 615"},
    {fault_kind::modem_reset, rule_kind::perturbation, {638, 629, 679, -1}, {638, 629, 679, -1},
     {638, 629, 679, -1}, "the modem forgot the call: a timeout 638, a drop 629 / 679"},
    {fault_kind::user_hang_up, rule_kind::hang_up, {631, -1, -1, -1}, {631, -1, -1, -1}, {631, -1, -1, -1},
     "hang_up() before the terminal notification -> Disconnected 631"},
    {fault_kind::notifier_hang_up, rule_kind::hang_up, {631, -1, -1, -1}, {631, -1, -1, -1}, {631, -1, -1, -1},
     "hang_up() from inside a notification -> Disconnected 631"},
    {fault_kind::caller_stall, rule_kind::perturbation, none, none, none,
     "tolerated: the engine never waits for the caller's loop"},
    {fault_kind::notifier_throws, rule_kind::perturbation, none, none, none,
     "tolerated: the exception is caught and the dial goes on"},
    {fault_kind::wrong_password, rule_kind::decided_in_code, {691, -1, -1, -1}, {691, -1, -1, -1},
     {691, -1, -1, -1}, "login refused -> 691, or RetryAuthentication with paused states"},
    {fault_kind::expired_password, rule_kind::decided_in_code, {648, -1, -1, -1}, {648, -1, -1, -1},
     {648, -1, -1, -1}, "password expired -> 648, or PasswordExpired with paused states"},
    {fault_kind::bad_callback, rule_kind::decided_in_code, {704, 638, -1, -1}, {704, 638, -1, -1},
     {704, 638, -1, -1}, "\"*\" without paused states -> 704; a number nobody answers -> 638 in WaitForCallback"},
    {fault_kind::script_timeout, rule_kind::decided_in_code, {638, -1, -1, -1}, {638, -1, -1, -1},
     {638, -1, -1, -1}, "a dial script's TIMEOUT runs out before the modem's answer -> 638"},
};
static_assert(std::size(fault_rules) == fault_kinds, "one rule per fault kind");

const fault_rule& rule_for(fault_kind k) {
  for (const auto& r : fault_rules)
    if (r.kind == k) return r;
  throw std::logic_error("no rule");
}

void add_errors(std::set<int>& to, const fault_rule& r, const std::string& personality) {
  const auto& v = personality == "usr" ? r.usr : personality == "conexant" ? r.conexant : r.generic;
  for (int e : v)
    if (e >= 0) to.insert(e);
}

bool has(const dial_plan& p, fault_kind k) {
  return std::find(p.faults.begin(), p.faults.end(), k) != p.faults.end();
}

// What the line does with one attempt on target t (no perturbations), then after CONNECT.
void line_outcome(const dial_plan& p, target t, std::set<int>& out) {
  const bool paused = (p.extensions.options & rdeopt_paused_states) != 0;
  auto rule = [&](fault_kind k) { add_errors(out, rule_for(k), p.personality); };
  switch (t) {
    case target::busy: rule(fault_kind::busy); return;
    case target::no_answer: rule(fault_kind::no_answer); return;
    case target::voice: rule(fault_kind::voice); return;
    case target::unknown: rule(fault_kind::unknown_number); return;
    case target::modem:
      if (!p.callee_answers) {
        rule(fault_kind::no_answer);
        return;
      }
      break;
    default: break;
  }
  // CONNECT. A dial script that logs in itself has done so before anything else: its
  // ABORT strings decide (docs/ras-model.md §6.2; no paused state for a dial script).
  if (p.dial_script == dial_script_kind::login && t == target::login) {
    if (has(p, fault_kind::wrong_password)) {
      out.insert(691);
      return;
    }
    if (has(p, fault_kind::expired_password)) {
      out.insert(648);
      return;
    }
  }
  // The terminal step first (docs/ras-model.md §1.4): without paused states 703.
  if (p.entry.terminal_after_dial && !paused) {
    out.insert(703);
    return;
  }
  if (p.entry.login_script.empty()) {
    out.insert(0);
    return;
  }
  // A login script (§6.2 "Script: ..."): what the service says decides.
  if (t == target::login) {
    if (p.params.password == "demo") out.insert(0);
    if (has(p, fault_kind::wrong_password)) {
      if (paused) out.insert(0);  // RetryAuthentication, resumed; else 631 (our hang-up)
      else out.insert(691);
    }
    if (has(p, fault_kind::expired_password)) {
      if (paused) {
        // PasswordExpired, resumed: the change succeeds (0), is refused (691, or
        // RetryAuthentication and more answers), or its script times out (638).
        out.insert({0, 691, 638, 648});
      } else {
        out.insert(648);
      }
    }
    return;
  }
  if (t == target::callback) {
    const auto& cb = p.params.callback_number;
    // "*" without paused states is refused before the script runs (docs/ras-model.md §1.4).
    if (cb == "*" && !paused) {
      out.insert(704);
      return;
    }
    if (has(p, fault_kind::wrong_password) && !paused) {
      out.insert(691);
      return;
    }
    if (cb == p.own_number) out.insert(0);
    else if (cb == "*") {
      if (paused) out.insert({0, 638});  // answered from the resumes (5551999: 638)
      else out.insert(704);
    } else {
      out.insert(638);  // nobody can call 5551999: WaitForCallback runs out (§6.2)
    }
    return;
  }
  // A line that never prompts: the script's TIMEOUT (45 s), unless 5550140 drops first.
  out.insert(t == target::carrier_drop ? 629 : 638);
}

// The modem's refusals, and the ABORT strings that catch each in a dial script
// (docs/ras-model.md §6.2, "Script: ABORT ...").
// (The text is the modem's: Conexant says NO DIAL TONE, the others NO DIALTONE; hw-sim's
// personalities.)
struct refusal {
  int error;
  const char* text;
  const char* conexant_text;
};
constexpr refusal refusals[] = {
    {676, "BUSY", "BUSY"},       {677, "VOICE", "VOICE"},
    {678, "NO ANSWER", "NO ANSWER"},  {679, "NO CARRIER", "NO CARRIER"},
    {680, "NO DIALTONE", "NO DIAL TONE"}, {651, "ERROR", "ERROR"},
};
// The modem's S7 after a reset (hw-sim personality.hpp): no engine init, which would set
// the entry's S7, runs before a dial script.
constexpr int k_default_s7 = 50;

// A dial script sees the modem's refusals as text: one it aborts on gives that refusal's
// error, one it does not leaves it waiting for CONNECT until its TIMEOUT (638).
void dial_script_errors(const dial_plan& p, std::set<int>& out) {
  const auto& aborts = aborts_of(p.dial_script);
  auto aborted = [&](const refusal& r) {
    const std::string text = p.personality == "conexant" ? r.conexant_text : r.text;
    return std::find(aborts.begin(), aborts.end(), text) != aborts.end();
  };
  // A refusal that comes when S7 runs out (nobody answers, or the call vanished while
  // ringing) comes after a script's TIMEOUT shorter than S7: 638.
  const bool late_refusal =
      has(p, fault_kind::no_answer) || has(p, fault_kind::ring_mid_dial) || has(p, fault_kind::carrier_drop) ||
      std::find(p.numbers.begin(), p.numbers.end(), target::no_answer) != p.numbers.end() ||  // an alternate
      (std::find(p.numbers.begin(), p.numbers.end(), target::modem) != p.numbers.end() && !p.callee_answers);
  if (late_refusal && p.dial_script_timeout < k_default_s7 + 5) out.insert(638);
  // A script that resets the modem itself (pap's ATZ) undoes the init's X3: without a dial
  // tone the modem may say NO DIALTONE even where the entry dials blind.
  if (!p.dial_tone) out.insert({679, 680});
  if (has(p, fault_kind::script_timeout)) out.insert(638);
  for (const auto& r : refusals)
    if (out.count(r.error) && !aborted(r)) {
      out.erase(r.error);
      out.insert(638);
    }
}

// The terminal errors this plan allows (631 is judged apart: it needs a hang-up first).
std::set<int> expected_errors(const dial_plan& p) {
  std::set<int> out;
  // The numbers actually dialled: the first, then on redials the alternates in turn.
  std::vector<target> dialled{p.numbers.front()};
  if (p.entry.redial.rotate_alternates)
    for (std::uint32_t a = 1; a <= p.entry.redial.attempts; ++a) dialled.push_back(p.numbers[a % p.numbers.size()]);
  for (auto t : dialled) {
    if (!p.dial_tone) {
      if (p.entry.profile.blind_dial) out.insert(679);  // X3: blind, NO CARRIER after S7
      else add_errors(out, rule_for(fault_kind::no_dial_tone), p.personality);
      if (p.dial_tone_back.count() == 0) continue;  // no attempt ever gets a dial tone
    }
    line_outcome(p, t, out);
  }
  for (auto k : p.faults) {
    const auto& r = rule_for(k);
    if (r.rule == rule_kind::perturbation) add_errors(out, r, p.personality);
  }
  // A RING from the other modem while waiting for a callback is answered (ATA): that call
  // brings no login, so the callback script times out (638), and the real callback finds
  // the line busy.
  if (has(p, fault_kind::ring_mid_dial) && !p.params.callback_number.empty()) out.insert({638, 679});
  if (has(p, fault_kind::carrier_drop) && !p.params.callback_number.empty()) out.insert(638);
  // 5551001 dropped by the far-end hang-up may stay off-hook: a redial finds it busy.
  if (has(p, fault_kind::carrier_drop) &&
      std::find(p.numbers.begin(), p.numbers.end(), target::modem) != p.numbers.end())
    out.insert(676);
  // Dialling 5551001 while 5551001 calls us: it is off-hook (busy, 676), or its call to
  // us and ours to it cross (NO CARRIER 679, or S7 runs out while ringing 678).
  if (has(p, fault_kind::ring_mid_dial) &&
      std::find(p.numbers.begin(), p.numbers.end(), target::modem) != p.numbers.end())
    out.insert({676, 678, 679});
  if (p.dial_script != dial_script_kind::none) dial_script_errors(p, out);
  return out;
}

// Faults that explain a hang-up the engine could not confirm (async_hang_up gives 638).
bool explains_unconfirmed_hang_up(const dial_plan& p) {
  return has(p, fault_kind::silent) || has(p, fault_kind::late_reply) ||
         (has(p, fault_kind::split_delay) && p.response_delay.count() > 0) || has(p, fault_kind::modem_reset);
}

std::string set_text(const std::set<int>& s) {
  std::string t = "{";
  for (int e : s) t += (t.size() > 1 ? " " : "") + std::to_string(e);
  return t + "}";
}

// The simulated time within which every dial must have ended, its hang-up included.
constexpr auto k_dial_deadline = 900s;
constexpr std::size_t k_max_steps = 2'000'000;


// The caller of one dial: its notifier, its reactions, its hang-ups.
struct caller {
  caller(world& wr, const dial_plan& pl) : w(wr), p(pl) {}
  world& w;
  const dial_plan& p;
  connection_manager* mgr = nullptr;
  connection_handle h;
  std::vector<notification> notes;
  int terminal_count = 0;
  std::size_t terminal_index = 0;
  int wrong_executor = 0;
  std::vector<std::string> leaks;
  bool hang_up_requested = false;
  bool hang_up_before_terminal = false;
  std::vector<std::error_code> hang_up_results;  // every async_hang_up completion
  std::size_t next_resume = 0;
  int redials = 0;
  std::unique_ptr<data_stream> stream;
  std::array<char, 256> rbuf{};
  std::uint64_t data_in = 0;
  bool reading = false;
  // The message-queue shape: the caller's loop waits for the queue's eventfd to be
  // readable (as a poll()/epoll loop would) and pops what is there.
  std::shared_ptr<dial_message_queue> queue;
  std::unique_ptr<asio::posix::stream_descriptor> queue_fd;
  int bad_messages = 0;  // not WM_RASDIALEVENT, or another dial's handle

  void watch_queue() {
    queue_fd->async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
      if (ec) return;  // closed at the end of the dial
      check_executor("message queue readable");
      while (auto m = queue->try_pop()) on_message(*m);
      watch_queue();
    });
  }

  void on_message(const dial_message& m) {
    if (m.message != wm_rasdialevent || m.handle != h) {
      ++bad_messages;
      w.note("caller", "BAD MESSAGE " + std::to_string(m.message) + " for handle " + std::to_string(m.handle.value));
    }
    // A consumer's exception is its own loop's business: the engine never runs this code.
    try {
      on_note(m.state, m.error, 0, 1, {});
    } catch (const std::exception&) {
    }
  }

  void stop_queue() {
    if (queue_fd) queue_fd->close();
  }

  void check_executor(const char* what) {
    const bool on_caller = w.caller_io().get_executor().running_in_this_thread();
    const bool on_engine = w.engine_io().get_executor().running_in_this_thread();
    if (!on_caller || on_engine) {
      ++wrong_executor;
      w.note("caller", std::string("WRONG EXECUTOR: ") + what);
    }
  }

  void scan(std::string_view text, const char* where) {
    // Passwords shared with a user name ("demo") or with common words ("old") would give
    // false alarms; the drawn ones carry 10 random hex digits and are what masking is
    // checked against (docs/soak.md).
    auto check = [&](const std::string& s) {
      if (s.size() >= 6 && text.find(s) != std::string_view::npos)
        leaks.push_back(std::string(where) + " carries the password " + s.substr(0, 3) + "...");
    };
    check(p.params.password);
    for (const auto& r : p.resumes) check(r.password);
  }

  void on_note(conn_state s, std::uint32_t err, std::uint32_t ext, std::uint32_t attempt, const std::string& detail) {
    check_executor("notification");
    scan(detail, "a notification's detail");
    const auto index = notes.size();
    std::string line = std::string(to_string(s));
    if (err) line += " error " + std::to_string(err);
    if (ext) line += " ext " + std::to_string(ext);
    if (attempt > 1) line += " attempt " + std::to_string(attempt);
    w.note("notify", line);
    notes.push_back({s, err, ext});
    if (s == conn_state::connect_device && ext != 0 && err == 0) ++redials;
    const bool terminal = err != 0 || s == conn_state::connected || s == conn_state::disconnected;
    if (terminal && terminal_count++ == 0) {
      terminal_index = index;
      react_terminal(s, err);
    } else if (is_paused(s) && err == 0) {
      react_paused(s);
    }
    if (static_cast<int>(index) == p.notifier_hang_up_at) {
      w.note("caller", "hang_up from inside the notification");
      if (!hang_up_requested && terminal_count == 0) hang_up_before_terminal = true;
      hang_up_requested = true;
      mgr->hang_up(h);
    }
    if (static_cast<int>(index) == p.notifier_throw_at) {
      w.note("caller", "the notifier throws");
      throw std::runtime_error("soak: a notifier that throws");
    }
  }

  void react_terminal(conn_state s, std::uint32_t err) {
    if (s == conn_state::connected && err == 0) {
      start_data();
      w.after(p.hold, [this] { request_hang_up("hold over"); });
    } else {
      w.after(err == 631 ? 0ms : p.hang_up_after_failure, [this] { request_hang_up("after the terminal notification"); });
    }
  }

  void react_paused(conn_state s) {
    if (next_resume >= p.resumes.size()) {
      w.after(0ms, [this] { request_hang_up("no more answers for a paused state"); });
      return;
    }
    const auto& a = p.resumes[next_resume++];
    w.after(a.think, [this, s, a] { resume(s, a); });
  }

  // dial(handle, params) with the answer, the rest as in the first call (docs/ras-model.md §1.4).
  void resume(conn_state s, const resume_answer& a) {
    if (hang_up_requested) return;
    dial_params params = p.params;
    switch (s) {
      case conn_state::retry_authentication:
        params.user_name = a.user_name;
        params.password = a.password;
        break;
      case conn_state::password_expired: params.password = a.password; break;
      case conn_state::callback_set_by_caller: params.callback_number = a.callback_number; break;
      default: break;
    }
    std::optional<thread_loop_scope> scope;
    if (!p.bind_executor) scope.emplace(w.caller_io().get_executor());
    const auto ec = mgr->dial(h, params);
    w.note("caller", "resume from " + std::string(to_string(s)) + (ec ? ": error " + std::to_string(ras_number(ec)) : ""));
    if (ec) {
      // Refused (751 for a bad callback number, 704 for "*"): the dial stays paused, and
      // the user tries the next answer.
      react_paused(s);
    }
  }

  void start_data() {
    stream = std::make_unique<data_stream>(*mgr, h, w.caller_io().get_executor());
    if (!p.payload.empty())
      asio::async_write(*stream, asio::buffer(p.payload), [this](boost::system::error_code ec, std::size_t n) {
        check_executor("data write");
        w.note("caller", "wrote " + std::to_string(n) + " bytes" + (ec ? ": " + ec.message() : ""));
      });
    read_more();
  }

  void read_more() {
    reading = true;
    stream->async_read_some(asio::buffer(rbuf), [this](boost::system::error_code ec, std::size_t n) {
      check_executor("data read");
      reading = false;
      if (ec) {
        w.note("caller", "data line ended: " + ec.message() + " after " + std::to_string(data_in) + " bytes");
        return;
      }
      data_in += n;
      read_more();
    });
  }

  void request_hang_up(const char* why) {
    w.note("caller", std::string("hang up: ") + why);
    if (!hang_up_requested && terminal_count == 0) hang_up_before_terminal = true;
    hang_up_requested = true;
    mgr->async_hang_up(h, asio::bind_executor(w.caller_io().get_executor(), [this](std::error_code ec) {
                         check_executor("hang-up completion");
                         w.note("caller", "hung up" + (ec ? ": error " + std::to_string(ras_number(ec)) : std::string()));
                         hang_up_results.push_back(ec);
                       }));
  }

  notifier make_notifier() {
    auto bind = [this](auto f) {
      return asio::bind_executor(w.caller_io().get_executor(), std::move(f));
    };
    switch (p.shape) {
      case notifier_shape::on_event: {
        auto f = [this](const dial_event& e) {
          on_note(e.state, ras_number(e.error), e.extended_error, e.attempt, e.detail);
        };
        return p.bind_executor ? notifier::on_event(bind(f)) : notifier::on_event(f);
      }
      case notifier_shape::rasdialfunc: {
        auto f = [this](unsigned, conn_state s, std::uint32_t err) { on_note(s, err, 0, 1, {}); };
        return p.bind_executor ? notifier::rasdialfunc(bind(f)) : notifier::rasdialfunc(f);
      }
      case notifier_shape::rasdialfunc1: {
        auto f = [this](connection_handle, unsigned, conn_state s, std::uint32_t err, std::uint32_t ext) {
          on_note(s, err, ext, 1, {});
        };
        return p.bind_executor ? notifier::rasdialfunc1(bind(f)) : notifier::rasdialfunc1(f);
      }
      case notifier_shape::rasdialfunc2: {
        auto f = [this](std::uintptr_t, std::uint32_t, connection_handle, unsigned, conn_state s,
                        std::uint32_t err, std::uint32_t ext) -> std::uint32_t {
          on_note(s, err, ext, 1, {});
          return 1;  // keep notifying
        };
        return p.bind_executor ? notifier::rasdialfunc2(bind(f)) : notifier::rasdialfunc2(f);
      }
      case notifier_shape::queue: {
        queue = std::make_shared<dial_message_queue>();
        // Our own descriptor for the same eventfd: the queue keeps (and closes) its fd.
        queue_fd = std::make_unique<asio::posix::stream_descriptor>(w.caller_io(), ::dup(queue->fd()));
        watch_queue();
        return notifier::queue(queue);
      }
    }
    return {};
  }
};

}  // namespace

// Checks 2-5 of docs/soak.md §3 on what the caller saw (both modes).
void check_notifications(const dial_plan& p, const notifications_seen& s, const check_fn& check) {
  // Exactly one terminal notification, and nothing after it.
  check(s.terminal_count == 1, "terminal notifications: " + std::to_string(s.terminal_count) + " (want exactly 1)");
  check(s.terminal_count == 0 || s.notes.size() == s.terminal_index + 1,
        "notifications after the terminal one: " + std::to_string(s.notes.size() - s.terminal_index - 1));

  // States only along the legal graph.
  {
    std::optional<conn_state> cur;
    std::string bad;
    for (const auto& n : s.notes) {
      bool ok;
      if (n.error != 0) ok = (cur && n.state == *cur) || (n.state == conn_state::disconnected && n.error == 631);
      else if (n.state == conn_state::disconnected) ok = false;  // Disconnected always carries 631
      else ok = legal(cur, n.state);
      if (n.state == conn_state::connect_device && n.extended != 0 && cur != conn_state::connect_device) ok = false;
      if (!ok && bad.empty())
        bad = (cur ? std::string(to_string(*cur)) : std::string("(start)")) + " -> " + std::string(to_string(n.state)) +
              (n.error ? " error " + std::to_string(n.error) : "");
      cur = n.state;
    }
    check(bad.empty(), "illegal state transition: " + bad);
  }
  check(s.redials <= static_cast<int>(p.entry.redial.attempts),
        "redials: " + std::to_string(s.redials) + " > redial.attempts " + std::to_string(p.entry.redial.attempts));

  // Every notification (and completion) on the caller's loop, none on the engine's.
  check(s.wrong_executor == 0, std::to_string(s.wrong_executor) + " handlers ran off the caller's loop");

  // The terminal error is one the plan's faults imply.
  if (s.terminal_count) {
    const auto err = static_cast<int>(s.notes[s.terminal_index].error);
    if (err == 631) {
      check(s.hang_up_before_terminal, "631 (user disconnection) but the caller had not hung up before it");
    } else {
      const auto allowed = expected_errors(p);
      check(allowed.count(err) != 0, "terminal " + s.result + " not among the errors the faults imply " +
                                         set_text(allowed));
    }
  }

}

bool unconfirmed_hang_up_explained(const dial_plan& p) { return explains_unconfirmed_hang_up(p); }
std::set<int> errors_implied(const dial_plan& p) { return expected_errors(p); }

void exclude_faults(dial_plan& p, const std::set<fault_kind>& excluded) {
  if (excluded.empty()) return;
  for (auto k : excluded) {
    switch (k) {
      case fault_kind::no_dial_tone: p.dial_tone = true; p.dial_tone_back = {}; break;
      case fault_kind::reset_garbage: p.reset_garbage.clear(); break;
      case fault_kind::split_delay: p.split_writes = 0; p.split_gap = {}; p.response_delay = {}; break;
      case fault_kind::late_reply: p.late_reply_command = -1; break;
      case fault_kind::ring_mid_dial: p.ring_at.reset(); break;
      case fault_kind::line_noise: p.noise_rate = 0; break;
      case fault_kind::notifier_hang_up: p.notifier_hang_up_at = -1; break;
      case fault_kind::notifier_throws: p.notifier_throw_at = -1; break;
      case fault_kind::busy:
      case fault_kind::no_answer:
      case fault_kind::voice:
      case fault_kind::unknown_number:
      case fault_kind::wrong_password:
      case fault_kind::expired_password:
      case fault_kind::bad_callback:
        // Decided by the number or the credentials: such a dial is skipped (run_dial).
        break;
      default: break;
    }
    std::erase_if(p.timed, [k](const timed_fault& t) { return t.kind == k; });
  }
}

std::string describe_invariants() {
  std::string s = "legal state edges (docs/ras-model.md §3.3):\n";
  for (const auto& e : legal_edges)
    s += "  " + std::string(to_string(e.from)) + " -> " + std::string(to_string(e.to)) + "  (" + e.why + ")\n";
  s += "  any -> Disconnected with 631; an error repeats its state\nfault -> errors it may give:\n";
  for (const auto& r : fault_rules) s += "  " + std::string(to_string(r.kind)) + ": " + r.why + "\n";
  s += "dial scripts: a modem refusal the script aborts on gives its error, another 638 (its TIMEOUT):\n";
  for (const auto& r : refusals)
    s += "  " + std::to_string(r.error) + " " + r.text + (std::string_view(r.text) != r.conexant_text ? std::string(" (conexant ") + r.conexant_text + ")" : std::string()) + "\n";
  for (auto k : {dial_script_kind::pap, dial_script_kind::full, dial_script_kind::login, dial_script_kind::short_wait}) {
    s += "  script " + std::string(to_string(k)) + " aborts on:";
    for (const auto& a : aborts_of(k)) s += " '" + a + "'";
    s += "\n";
  }
  return s;
}

dial_outcome run_dial(std::uint64_t seed, const run_options& options) {
  dial_outcome out;
  out.seed = seed;
  auto plan = draw_plan(seed);
  exclude_faults(plan, options.excluded);
  out.plan = plan.describe();
  for (auto k : plan.faults)
    if (!options.excluded.count(k)) out.faults.push_back(k);
  const dial_plan& p = plan;

  world w(p.personality, options.keep_trace, seed);
  // Excluded kinds that decide the outcome (a number, a credential) cannot be neutralised
  // without changing what is dialled: such a dial is skipped, and says so in its trace.
  auto by_number = [&](fault_kind k) {
    // 5550140 drops its own carrier, 5550150 is a noisy line: the number is the fault.
    const auto t = k == fault_kind::carrier_drop ? target::carrier_drop : k == fault_kind::line_noise ? target::noisy : target::echo;
    return t != target::echo && std::find(p.numbers.begin(), p.numbers.end(), t) != p.numbers.end();
  };
  for (auto k : p.faults)
    if (options.excluded.count(k) &&
        ((rule_for(k).rule != rule_kind::perturbation && rule_for(k).rule != rule_kind::hang_up) || by_number(k))) {
      w.note("soak", "skipped: excluded fault " + std::string(to_string(k)));
      out.result = "skipped";
      out.trace_hash = w.trace().hash();
      out.trace = w.trace().text();
      return out;
    }
  w.note("plan", out.plan);
  const auto port0 = w.add_port("soak0", p.modem_control);  // the modem we dial with
  const auto port1 = w.add_port("soak1", false);            // another subscriber (5551001)
  auto& ex = w.exchange();
  w.port(port0).unplug_gives_eof = p.unplug_gives_eof;
  for (const auto& pw : {p.params.password}) w.secrets.push_back(pw);
  for (const auto& r : p.resumes) w.secrets.push_back(r.password);
  std::erase_if(w.secrets, [](const std::string& s) { return s.empty(); });

  // The other subscriber: powered, DTR up, answering on the first ring if the plan says.
  ex.dtr_on(1, w.sim_now());
  if (p.numbers.front() == target::modem && p.callee_answers) ex.feed(1, "ATS0=1\r", w.sim_now());

  // Line conditions from the start.
  if (!p.dial_tone) {
    ex.set_dial_tone(0, false);
    if (p.dial_tone_back.count())
      w.after(p.dial_tone_back, [&w] {
        w.note("fault", "dial tone back");
        w.exchange().set_dial_tone(0, true);
      });
  }
  {
    hwsim::modem_faults f;
    f.garbage_after_reset = p.reset_garbage;
    f.split_writes = p.split_writes;
    f.split_gap = hwsim::sim_duration(p.split_gap.count());
    f.response_delay = hwsim::sim_duration(p.response_delay.count());
    w.port(port0).faults = f;
    ex.set_faults(0, f);
  }
  w.port(port0).noise_rate = p.noise_rate;
  if (p.late_reply_command >= 0) w.late_reply(port0, p.late_reply_command, p.late_reply_delay);
  if (p.ring_at)
    w.after(*p.ring_at, [&w] {
      w.note("fault", "5551001 calls us");
      w.exchange().feed(1, "ATDT5551000\r", w.sim_now());
    });

  caller c(w, p);
  engine_options eo;
  eo.executor = w.engine_io().get_executor();
  eo.transports = w.factory();
  eo.clock = w.clock();
  eo.log = [&w, &c](log_level, std::string_view text) {
    c.scan(text, "the engine's log");
    w.note("log", text);
  };
  auto mgr = std::make_unique<connection_manager>(std::move(eo));
  c.mgr = mgr.get();

  for (const auto& t : p.timed) {
    w.after(t.at, [&w, &c, t, port0] {
      switch (t.kind) {
        case fault_kind::silent:
          w.note("fault", "the modem goes silent");
          w.exchange().modem_at(0).set_silent(true);
          if (t.duration.count())
            w.after(t.duration, [&w] {
              w.note("fault", "the modem answers again");
              w.exchange().modem_at(0).set_silent(false);
            });
          break;
        case fault_kind::carrier_drop:
          w.note("fault", "the far end hangs up");
          w.exchange().drop_carrier(0, w.sim_now());
          break;
        case fault_kind::unplug:
          w.unplug(port0);
          if (t.duration.count()) w.after(t.duration, [&w, port0] { w.replug(port0); });
          break;
        case fault_kind::modem_reset:
          w.note("fault", "the modem resets itself");
          w.exchange().advance(w.sim_now());
          w.exchange().modem_at(0).power_on(w.sim_now());
          break;
        case fault_kind::user_hang_up:
          if (!c.hang_up_requested) c.request_hang_up("the user, at a drawn moment");
          break;
        case fault_kind::caller_stall:
          w.note("fault", "the caller's loop stops");
          w.caller_stalled = true;
          w.after(t.duration, [&w] {
            w.note("fault", "the caller's loop runs again");
            w.caller_stalled = false;
          });
          break;
        default: break;
      }
    });
  }

  // The dial.
  std::error_code ec;
  {
    std::optional<thread_loop_scope> scope;
    if (!p.bind_executor) scope.emplace(w.caller_io().get_executor());
    c.h = mgr->dial(p.entry, p.params, p.extensions, c.make_notifier(), ec);
  }
  std::size_t& passed = out.checks_passed;
  auto check = [&](bool ok, const std::string& what) {
    if (ok) ++passed;
    else {
      out.failures.push_back(what);
      w.note("FAIL", what);
    }
  };
  check(!ec && c.h, "dial() refused the plan's entry: " + (ec ? describe(ec) : std::string("null handle")));

  // Run until the dial has ended, the caller has hung up, and the handle is retired.
  connection_status st;
  auto retired = [&] { return !c.h || mgr->status(c.h, st) == ras_error::invalid_handle; };
  auto finished = [&] { return c.terminal_count > 0 && !c.hang_up_results.empty() && retired(); };
  bool hung = false;
  std::size_t steps = 0;
  while (c.h && !finished()) {
    if (w.since_start() > k_dial_deadline || ++steps > k_max_steps) {
      hung = true;
      break;
    }
    if (!w.step()) break;  // nothing pending anywhere
  }
  w.settle();
  out.sim_seconds = std::chrono::duration<double>(w.since_start()).count();
  if (c.terminal_count) {
    const auto& t = c.notes[c.terminal_index];
    out.result = std::string(to_string(t.state)) + (t.error ? " error " + std::to_string(t.error) : "");
  } else {
    out.result = "no terminal notification";
  }

  const bool ended = c.h && finished();
  check(!hung, "hang: the dial had not ended after " + std::to_string(out.sim_seconds) + " simulated s (" +
                   std::to_string(steps) + " steps; terminal notifications " + std::to_string(c.terminal_count) +
                   ", hang-ups completed " + std::to_string(c.hang_up_results.size()) + ")");
  check(hung || ended || !c.h, "stopped: nothing pending, yet the dial has not ended (terminal notifications " +
                                   std::to_string(c.terminal_count) + ", hang-ups completed " +
                                   std::to_string(c.hang_up_results.size()) + ", retired " +
                                   (retired() ? "yes" : "no") + ")");

  check_notifications(p, {c.notes, c.terminal_count, c.terminal_index, c.redials, c.hang_up_before_terminal,
                          c.wrong_executor, out.result},
                      check);

  // The handle retired after hang-up; no connection left.
  if (c.h) {
    check(retired(), "status() of the hung-up handle does not answer 6 (invalid handle)");
    check(mgr->connections().empty(), "connections() still lists " + std::to_string(mgr->connections().size()));
    // A hang-up completion with 6 means it was retired already (the engine's own
    // hang-up, an idle disconnect); otherwise it is the hang-up's own result.
    std::optional<std::error_code> result;
    for (auto e : c.hang_up_results)
      if (e != ras_error::invalid_handle) result = e;
    if (result && *result) {
      check(*result == ras_error::request_timeout, "hang-up completed with " + describe(*result));
      check(explains_unconfirmed_hang_up(p), "the hang-up could not confirm the modem on-hook (638) "
                                             "and no fault explains it");
    }
    // No leaked port, timer or double owner.
    const auto& port = w.port(port0);
    check(port.open == nullptr, "the port is still open after the handle was retired");
    check(port.double_opens == 0, "the port was opened twice at once");
    check(w.clock()->pending() == 0, std::to_string(w.clock()->pending()) + " engine timers still pending after retire");
    // The modem on-hook and in command mode: as the engine left it when it closed the
    // port (when it said so), and now (after the close's DTR drop and the other
    // subscriber giving up).
    if (result && !*result && port.off_hook_at_close)
      check(!*port.off_hook_at_close, "the hang-up reported success, but the modem was off-hook when the port closed");
  }
  // The other subscriber gives up any call it placed (DTR drop, &D2).
  ex.dtr_off(1, w.sim_now());
  w.settle();
  {
    const auto& m = std::as_const(w.exchange()).modem_at(0);
    check(!m.off_hook(), std::string("the modem is off-hook at the end (mode ") + hwsim::to_string(m.mode()) + ")");
    // Ringing is an on-hook modem hearing a call (the callback service or 5551001).
    check(m.mode() == hwsim::modem_mode::command || m.mode() == hwsim::modem_mode::ringing,
          std::string("the modem is not in command mode at the end: ") + hwsim::to_string(m.mode()));
  }

  // No password in any log line or notification.
  check(c.leaks.empty(), c.leaks.empty() ? "" : c.leaks.front());

  // The message queue: every message WM_RASDIALEVENT for this handle, nothing left in it,
  // and its eventfd readable exactly while messages wait (so not now).
  if (c.queue) {
    w.settle();
    check(c.bad_messages == 0, std::to_string(c.bad_messages) + " queue messages not WM_RASDIALEVENT for this handle");
    check(c.queue->size() == 0, std::to_string(c.queue->size()) + " messages left in the queue after the dial");
    pollfd pfd{c.queue->fd(), POLLIN, 0};
    check(::poll(&pfd, 1, 0) == 0, "the queue's eventfd is readable with the queue empty");
    c.stop_queue();
    w.settle();
  }

  // The engine gone: every transport it opened must be gone too.
  c.stream.reset();
  mgr.reset();
  w.settle();
  check(w.live_transports == 0, std::to_string(w.live_transports) + " transports leaked after the manager was destroyed");
  (void)port1;

  out.trace_hash = w.trace().hash();
  out.trace_lines = w.trace().lines();
  if (options.keep_trace) out.trace = w.trace().text();
  return out;
}

}  // namespace dialup::soak
