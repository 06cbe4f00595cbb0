#include "plan.hpp"

#include "prng.hpp"

namespace dialup::soak {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string_view login_chat =
    "ABORT incorrect\n"
    "ABORT 'has expired'\n"
    "ogin: \\U\n"
    "assword: \\P\n"
    "\"logged in\" \"\"\n";

const std::string_view callback_chat =
    "#dialup: extensions\n"
    "ABORT incorrect\n"
    "ABORT 'has expired'\n"
    "CALLBACK 'alling you back'\n"
    "ogin: \\U\n"
    "assword: \\P\n"
    "'allback number:' \\B\n"
    "'logged in' ''\n";

const std::string_view callback_login_chat =
    "ABORT incorrect\n"
    "ogin: \\U\n"
    "assword: \\P\n"
    "'logged in' ''\n";

// Debian's /etc/chatscripts/pap, as pppd's connect script runs it (its comments left out).
const std::string_view pap_dial_chat =
    "ABORT BUSY\n"
    "ABORT VOICE\n"
    "ABORT \"NO CARRIER\"\n"
    "ABORT \"NO DIALTONE\"\n"
    "ABORT \"NO DIAL TONE\"\n"
    "\"\" ATZ\n"
    "OK ATDT\\T\n"
    "CONNECT \"\"\n";

// Every refusal a modem gives aborted, and a TIMEOUT longer than any S7 the plan sets.
const std::string_view full_dial_chat =
    "TIMEOUT 120\n"
    "ABORT BUSY\n"
    "ABORT VOICE\n"
    "ABORT 'NO CARRIER'\n"
    "ABORT 'NO DIALTONE'\n"
    "ABORT 'NO ANSWER'\n"
    "ABORT ERROR\n"
    "'' AT\n"
    "OK ATDT\\T\n"
    "CONNECT ''\n";

// The pre-PPP terminal login: the modem dialogue and the login in one script.
const std::string_view login_dial_chat =
    "TIMEOUT 60\n"
    "ABORT BUSY\n"
    "ABORT 'NO CARRIER'\n"
    "ABORT 'NO DIALTONE'\n"
    "ABORT ERROR\n"
    "ABORT incorrect\n"
    "ABORT 'has expired'\n"
    "'' AT\n"
    "OK 'ATDT\\T'\n"
    "CONNECT ''\n"
    "ogin:--ogin: \\U\n"
    "assword: \\P\n"
    "'logged in' ''\n";

std::string_view to_string(dial_script_kind k) {
  switch (k) {
    case dial_script_kind::none: return "none";
    case dial_script_kind::pap: return "pap";
    case dial_script_kind::full: return "full";
    case dial_script_kind::login: return "login";
    case dial_script_kind::short_wait: return "short-wait";
  }
  return "?";
}

const std::vector<std::string>& aborts_of(dial_script_kind k) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> pap = {"BUSY", "VOICE", "NO CARRIER", "NO DIALTONE", "NO DIAL TONE"};
  static const std::vector<std::string> full = {"BUSY", "VOICE", "NO CARRIER", "NO DIALTONE", "NO ANSWER", "ERROR"};
  static const std::vector<std::string> login = {"BUSY", "NO CARRIER", "NO DIALTONE", "ERROR"};
  static const std::vector<std::string> short_wait = {"BUSY", "NO CARRIER"};
  switch (k) {
    case dial_script_kind::none: return none;
    case dial_script_kind::pap: return pap;
    case dial_script_kind::full: return full;
    case dial_script_kind::login: return login;
    case dial_script_kind::short_wait: return short_wait;
  }
  return none;
}

std::string_view to_string(target t) {
  switch (t) {
    case target::echo: return "echo";
    case target::login: return "login";
    case target::callback: return "callback";
    case target::busy: return "busy";
    case target::no_answer: return "no-answer";
    case target::voice: return "voice";
    case target::carrier_drop: return "carrier-drop";
    case target::noisy: return "noisy";
    case target::unknown: return "unknown";
    case target::modem: return "modem";
  }
  return "?";
}

namespace {
struct number_of {
  target t;
  const char* number;
};
// The exchange's built-in plan (hw-sim README) and simulated modem 1 (5551000 + 1).
constexpr number_of numbers[] = {
    {target::echo, "5550100"},     {target::login, "5550102"},   {target::callback, "5550104"},
    {target::busy, "5550110"},     {target::no_answer, "5550120"}, {target::voice, "5550130"},
    {target::carrier_drop, "5550140"}, {target::noisy, "5550150"}, {target::unknown, "5550199"},
    {target::modem, "5551001"},
};
}  // namespace

target target_of(std::string_view number) {
  for (const auto& n : numbers)
    if (number == n.number) return n.t;
  return target::unknown;
}

static std::string number_for(target t) {
  for (const auto& n : numbers)
    if (n.t == t) return n.number;
  return "5550199";
}

std::string_view to_string(fault_kind k) {
  switch (k) {
    case fault_kind::busy: return "busy";
    case fault_kind::no_answer: return "no-answer";
    case fault_kind::voice: return "voice";
    case fault_kind::unknown_number: return "unknown-number";
    case fault_kind::no_dial_tone: return "no-dial-tone";
    case fault_kind::reset_garbage: return "reset-garbage";
    case fault_kind::split_delay: return "split-delay";
    case fault_kind::late_reply: return "late-reply";
    case fault_kind::ring_mid_dial: return "ring-mid-dial";
    case fault_kind::silent: return "silent";
    case fault_kind::carrier_drop: return "carrier-drop";
    case fault_kind::line_noise: return "line-noise";
    case fault_kind::unplug: return "unplug";
    case fault_kind::modem_reset: return "modem-reset";
    case fault_kind::user_hang_up: return "user-hang-up";
    case fault_kind::notifier_hang_up: return "notifier-hang-up";
    case fault_kind::caller_stall: return "caller-stall";
    case fault_kind::notifier_throws: return "notifier-throws";
    case fault_kind::wrong_password: return "wrong-password";
    case fault_kind::expired_password: return "expired-password";
    case fault_kind::bad_callback: return "bad-callback";
    case fault_kind::script_timeout: return "script-timeout";
    case fault_kind::count_: break;
  }
  return "?";
}

std::string_view to_string(notifier_shape s) {
  switch (s) {
    case notifier_shape::on_event: return "on_event";
    case notifier_shape::rasdialfunc: return "rasdialfunc";
    case notifier_shape::rasdialfunc1: return "rasdialfunc1";
    case notifier_shape::rasdialfunc2: return "rasdialfunc2";
    case notifier_shape::queue: return "queue";
  }
  return "?";
}

std::string dial_plan::describe() const {
  std::string s = "number " + entry.phone_number + " (" + std::string(to_string(numbers.front())) + ")";
  for (std::size_t i = 1; i < numbers.size(); ++i)
    s += " alt " + entry.alternates[i - 1] + " (" + std::string(to_string(numbers[i])) + ")";
  s += ", " + personality + (modem_control ? ", uart" : ", pty");
  if (entry.redial.attempts) s += ", redial " + std::to_string(entry.redial.attempts);
  if (dial_script != dial_script_kind::none)
    s += ", dial script " + std::string(to_string(dial_script)) + " (TIMEOUT " + std::to_string(dial_script_timeout) + ")";
  if (!entry.login_script.empty()) s += ", login script";
  if (extensions.options & rdeopt_paused_states) s += ", paused states";
  if (entry.terminal_after_dial) s += ", terminal";
  if (!params.callback_number.empty()) s += ", callback " + params.callback_number;
  if (entry.reconnect_if_dropped) s += ", reconnect";
  if (entry.idle_disconnect.count()) s += ", idle " + std::to_string(entry.idle_disconnect.count()) + " s";
  s += ", " + std::string(to_string(shape)) + (bind_executor ? " bound" : " thread-loop");
  s += "; faults:";
  if (faults.empty()) s += " none";
  for (auto f : faults) s += " " + std::string(to_string(f));
  return s;
}

dial_plan draw_plan(std::uint64_t seed) {
  prng r(seed);
  // What later versions of the plan added (dial scripts, the message queue) is drawn from a
  // stream of its own, so that every draw of the first version stays as it was: a dial
  // seed that found a bug still gives that dial, unless an addition lands on it.
  prng x(seed ^ 0x6164646974696f6eULL);
  dial_plan p;
  p.seed = seed;
  static const std::vector<std::string> personalities = {"generic", "generic", "usr", "conexant"};
  p.personality = r.pick(personalities);
  p.modem_control = r.chance(1, 2);
  p.unplug_gives_eof = r.chance(1, 2);

  auto& e = p.entry;
  e.port = "soak0";
  // Who answers.
  static const std::vector<unsigned> target_weights = {20, 14, 8, 7, 5, 5, 6, 5, 4, 6};
  const auto t = static_cast<target>(r.weighted(target_weights));
  p.numbers.push_back(t);
  e.phone_number = number_for(t);
  switch (t) {
    case target::busy: p.faults.push_back(fault_kind::busy); break;
    case target::no_answer: p.faults.push_back(fault_kind::no_answer); break;
    case target::voice: p.faults.push_back(fault_kind::voice); break;
    case target::unknown: p.faults.push_back(fault_kind::unknown_number); break;
    case target::carrier_drop: p.faults.push_back(fault_kind::carrier_drop); break;
    case target::noisy: p.faults.push_back(fault_kind::line_noise); break;
    default: break;
  }
  if (t == target::modem) p.callee_answers = r.chance(4, 5);

  // Redial rules and alternates (only call outcomes are worth a redial).
  if (r.chance(1, 2)) {
    e.redial.attempts = static_cast<std::uint32_t>(r.range(1, 3));
    e.redial.pause = seconds(r.range(1, 10));
    e.redial.backoff = r.chance(1, 2) ? 1.0 : 1.5;
    e.redial.max_pause = seconds(r.chance(1, 2) ? 600 : r.range(5, 20));
    e.redial.abort_on_busy = r.chance(3, 10);
    e.redial.abort_on_no_dialtone = r.chance(7, 10);
    e.redial.rotate_alternates = r.chance(4, 5);
  }
  if (t != target::login && t != target::callback && r.chance(3, 10)) {
    static const std::vector<target> alts = {target::echo, target::busy, target::no_answer,
                                             target::voice, target::unknown, target::echo};
    const auto n = r.range(1, 2);
    for (int i = 0; i < n; ++i) {
      auto a = r.pick(alts);
      p.numbers.push_back(a);
      e.alternates.push_back(number_for(a));
    }
  }
  if (r.chance(3, 10)) e.profile.call_setup_fail_timer = static_cast<std::uint32_t>(r.range(20, 60));
  if (r.chance(1, 10)) e.profile.blind_dial = true;

  // Scripts, paused states, callback.
  const bool paused = r.chance(1, 2);
  if (paused) p.extensions.options |= rdeopt_paused_states;
  if (r.chance(1, 4)) p.extensions.options |= rdeopt_ignore_modem_speaker | (r.chance(1, 2) ? std::uint32_t{rdeopt_set_modem_speaker} : 0U);
  auto distinctive = [&](const char* prefix) { return std::string(prefix) + r.hex(10); };
  if (t == target::login) {
    if (r.chance(17, 20)) e.login_script = std::string(login_chat);
    const auto who = r.below(10);
    if (who < 6) {
      p.params.user_name = "demo";
      p.params.password = "demo";
    } else if (who < 8) {
      p.params.user_name = "demo";
      p.params.password = distinctive("wrong-");
      if (!e.login_script.empty()) p.faults.push_back(fault_kind::wrong_password);
    } else {
      p.params.user_name = "expired";
      p.params.password = "old";
      if (!e.login_script.empty()) p.faults.push_back(fault_kind::expired_password);
    }
  } else if (t == target::callback) {
    p.params.user_name = "demo";
    p.params.password = r.chance(17, 20) ? std::string("demo") : distinctive("wrong-");
    if (p.params.password != "demo") p.faults.push_back(fault_kind::wrong_password);
    if (r.chance(17, 20)) {
      e.login_script = std::string(callback_chat);
      e.callback_script = std::string(callback_login_chat);
      const auto cb = r.below(20);
      p.params.callback_number = cb < 14 ? "5551000" : cb < 17 ? "*" : "5551999";
      if (p.params.callback_number != "5551000") p.faults.push_back(fault_kind::bad_callback);
      e.callback_wait = seconds(r.range(30, 120));
    }
  } else if (r.chance(1, 20)) {
    // A login script against a line that never prompts: the script's TIMEOUT (638).
    e.login_script = std::string(login_chat);
    p.params.user_name = "demo";
    p.params.password = distinctive("pw-");
  }
  // A dial script in place of the engine's ATD (never with a callback: its wait, reset and
  // answer are the engine's own dialogue).
  if (t != target::callback && x.chance(3, 20)) {
    const auto k = x.below(t == target::login ? 4 : 3);
    if (t == target::login && k == 3) {
      p.dial_script = dial_script_kind::login;
      p.dial_script_timeout = 60;
      e.dial_script = std::string(login_dial_chat);
      // The script logs in itself: the credentials decide, no login script follows.
      std::erase(p.faults, fault_kind::wrong_password);
      std::erase(p.faults, fault_kind::expired_password);
      if (!e.login_script.empty()) {
        e.login_script.clear();
      }
      if (p.params.user_name == "expired") p.faults.push_back(fault_kind::expired_password);
      else if (p.params.password != "demo") p.faults.push_back(fault_kind::wrong_password);
    } else if (k == 0) {
      p.dial_script = dial_script_kind::pap;
      p.dial_script_timeout = 45;
      e.dial_script = std::string(pap_dial_chat);
    } else if (k == 1) {
      p.dial_script = dial_script_kind::full;
      p.dial_script_timeout = 120;
      e.dial_script = std::string(full_dial_chat);
    } else {
      p.dial_script = dial_script_kind::short_wait;
      p.dial_script_timeout = static_cast<int>(x.range(1, 4));
      e.dial_script = "ABORT BUSY\nABORT 'NO CARRIER'\n'' AT\nOK ATDT\\T\nTIMEOUT " +
                      std::to_string(p.dial_script_timeout) + "\nCONNECT ''\n";
      p.faults.push_back(fault_kind::script_timeout);
    }
  }
  if (r.chance(2, 25)) e.terminal_after_dial = true;
  e.reconnect_if_dropped = r.chance(1, 4);
  if (r.chance(1, 20)) e.idle_disconnect = seconds(r.range(5, 30));

  // Answers for the pauses: the first few are drawn; past them the caller hangs up.
  for (int i = 0; i < 3; ++i) {
    resume_answer a;
    a.think = milliseconds(r.range(0, 20000));
    a.user_name = p.params.user_name.empty() ? "demo" : p.params.user_name;
    if (a.user_name == "expired" && r.chance(1, 2)) {
      a.password = r.chance(4, 5) ? distinctive("N3w-") : std::string();  // the new password
    } else {
      a.user_name = "demo";
      a.password = r.chance(3, 5) ? std::string("demo") : distinctive("wrong-");
    }
    const auto cb = r.below(20);
    a.callback_number = cb < 12 ? "5551000" : cb < 15 ? "*" : cb < 17 ? "12ab" : "5551999";
    p.resumes.push_back(a);
  }

  // The line and the modem.
  if (r.chance(3, 50)) {
    p.dial_tone = false;
    if (r.chance(1, 2)) p.dial_tone_back = milliseconds(r.range(1000, 20000));
    p.faults.push_back(fault_kind::no_dial_tone);
  }
  if (r.chance(2, 25)) {
    static const std::vector<std::string> junk = {
        "\r\nUSRobotics Courier V.Everything\r\n",  // a banner
        "\x1b[0m\xff\x00\xfe",                        // binary noise, no line end
        "\r\nOK\r\n",                                 // a stray result code
        "\r\nRING\r\n",                               // an unsolicited line
        "PARTIAL LINE WITHOUT END",
        "\r\n\r\n\r\n",
    };
    p.reset_garbage = r.pick(junk);
    p.faults.push_back(fault_kind::reset_garbage);
  }
  if (r.chance(1, 10)) {
    p.split_writes = static_cast<std::size_t>(r.range(0, 8));
    p.split_gap = milliseconds(r.range(0, 30));
    p.response_delay = milliseconds(r.chance(1, 2) ? r.range(0, 2000) : 0);
    p.faults.push_back(fault_kind::split_delay);
  }
  if (r.chance(1, 20)) {
    p.late_reply_command = static_cast<int>(r.range(0, 1));
    // ATZ has the profile's reset timeout, the init commands the command timeout.
    const auto limit = p.late_reply_command == 0 ? e.profile.reset_timeout : e.profile.command_timeout;
    p.late_reply_delay = limit + milliseconds(r.range(100, 2000));
    p.faults.push_back(fault_kind::late_reply);
  }
  if (r.chance(1, 20)) {
    p.ring_at = milliseconds(r.range(0, 9000));
    p.faults.push_back(fault_kind::ring_mid_dial);
  }
  auto moment = [&] { return milliseconds(r.chance(1, 5) ? 0 : r.range(0, 45000)); };
  auto timed = [&](fault_kind k, milliseconds at, milliseconds d) {
    p.timed.push_back({k, at, d});
    p.faults.push_back(k);
  };
  if (r.chance(1, 20)) timed(fault_kind::silent, moment(), milliseconds(r.chance(1, 2) ? 0 : r.range(1000, 30000)));
  if (r.chance(3, 50)) timed(fault_kind::carrier_drop, milliseconds(r.range(0, 45000)), {});
  else if (p.dial_script != dial_script_kind::none && x.chance(1, 5))
    // The line drops while the dial script is at work (its dial, or its login).
    timed(fault_kind::carrier_drop, milliseconds(x.range(2000, 15000)), {});
  if (r.chance(1, 20)) {
    p.noise_rate = 0.001 + 0.03 * r.unit();
    if (t != target::noisy) p.faults.push_back(fault_kind::line_noise);
  }
  if (r.chance(1, 20)) timed(fault_kind::unplug, moment(), milliseconds(r.chance(1, 3) ? 0 : r.range(1000, 60000)));
  if (r.chance(1, 25)) timed(fault_kind::modem_reset, milliseconds(r.range(0, 45000)), {});
  if (r.chance(2, 25)) timed(fault_kind::user_hang_up, milliseconds(r.range(0, 45000)), {});
  if (r.chance(2, 25)) timed(fault_kind::caller_stall, milliseconds(r.range(0, 20000)), milliseconds(r.range(1000, 60000)));

  // The caller.
  static const std::vector<unsigned> shape_weights = {55, 15, 15, 15};
  p.shape = static_cast<notifier_shape>(r.weighted(shape_weights));
  if (x.chance(1, 6)) p.shape = notifier_shape::queue;
  p.bind_executor = r.chance(3, 5);
  if (r.chance(1, 20)) {
    p.notifier_hang_up_at = static_cast<int>(r.range(0, 8));
    p.faults.push_back(fault_kind::notifier_hang_up);
  }
  // A queue consumer is the caller's own code: the engine never runs it, so there is
  // nothing of the engine's for its exception to test (docs/soak.md).
  if (r.chance(3, 50)) {
    const auto at = static_cast<int>(r.range(0, 8));
    if (p.shape != notifier_shape::queue) {
      p.notifier_throw_at = at;
      p.faults.push_back(fault_kind::notifier_throws);
    }
  }
  p.hold = milliseconds(r.range(0, 30000));
  if (r.chance(1, 2)) p.payload = "soak " + r.hex(static_cast<std::size_t>(r.range(1, 40))) + "\r\n";
  p.hang_up_after_failure = milliseconds(r.range(0, 3000));
  return p;
}

}  // namespace dialup::soak
