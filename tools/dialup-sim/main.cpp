// dialup-sim — simulated Hayes modems on ptys, connected to a simulated exchange.
//
//   dialup-sim --modems 2 --link /tmp/modem --personality generic --time-scale 1
//
// prints one line per modem ("<index> <pty> <link or -> <own number>", plus
// " rfc2217://127.0.0.1:<port>" with --rfc2217) and runs until SIGINT/SIGTERM, then
// closes the ptys and removes the links (and the control socket).
//
// --scenario FILE loads a number plan in the format --print-default-scenario prints
// (checked whole before the simulator starts: an error names the line, nothing is loaded).
// --control PATH listens on a Unix socket for line commands that change the line
// conditions while running (see k_control_help below); each command gets one reply
// line, "OK ..." or "ERROR ...", after any information lines.
#include <dialup/hwsim/simulator.hpp>

#include <dialup/hwsim/scenario.hpp>
#include <dialup/engine/text.hpp>
#include <dialup/version.hpp>

#include <dialup/hwsim/detail/asio.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <cctype>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {


namespace hwsim = dialup::hwsim;

const char* const k_control_help =
    "commands (I is a modem index, or 'all'):\n"
    "  status               one line per modem: index pty mode hook rate dialtone silent plugged\n"
    "  dialtone I on|off    dial tone present / a dead line (NO DIALTONE with X2/X4)\n"
    "  drop I               the far end of modem I's call hangs up now (NO CARRIER after S10)\n"
    "  retrain I            modem I's call retrains now (data pauses ~3 s; noisy lines fall back)\n"
    "  unplug I             USB unplug: the pty and its link go away\n"
    "  replug I             plugged back in: a new pty behind the same link (printed)\n"
    "  silent I on|off      the modem reads and ignores everything / answers again\n"
    "  fault I [delay=MS] [split=N] [gap=MS] [garbage=TEXT] [stuck=on|off]\n"
    "                       replaces modem I's faults (simulated ms): every reply MS late,\n"
    "                       replies cut into N-byte writes GAP apart, TEXT (\\r \\n \\xNN)\n"
    "                       after each ATZ/AT&F, online ignoring +++ and DTR; 'fault I' clears\n"
    "  ring I FROM [RINGS]  an incoming call from FROM (digits) rings modem I RINGS times\n"
    "                       (default 3; RING, and RI over RFC 2217), then gives up\n"
    "  help                 this text\n";

// "\r", "\n", "\t", "\\", "\xNN" in a control-command argument.
std::string unescape(const std::string& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      o += s[i];
      continue;
    }
    const char c = s[++i];
    if (c == 'r') o += '\r';
    else if (c == 'n') o += '\n';
    else if (c == 't') o += '\t';
    else if (c == 'x' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
             std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      o += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      o += c;
    }
  }
  return o;
}

// A modem index or "all".
std::optional<std::vector<std::size_t>> modems_of(const hwsim::simulator& sim, const std::string& arg) {
  std::vector<std::size_t> which;
  if (arg == "all") {
    for (std::size_t i = 0; i < sim.modem_count(); ++i) which.push_back(i);
    return which;
  }
  try {
    std::size_t used = 0;
    const unsigned long v = std::stoul(arg, &used);
    if (used != arg.size() || arg[0] == '-' || v >= sim.modem_count()) return std::nullopt;
    which.push_back(static_cast<std::size_t>(v));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return which;
}

// Runs one control command; returns the reply (information lines, then OK or ERROR).
std::string control_command(hwsim::simulator& sim, const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w{std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
  if (w.empty()) return "";
  const std::string& cmd = w[0];
  if (cmd == "help") return std::string(k_control_help) + "OK\n";
  if (cmd == "status") {
    if (w.size() != 1) return "ERROR status takes no argument\n";
    std::ostringstream o;
    for (std::size_t i = 0; i < sim.modem_count(); ++i)
      o << i << ' ' << (sim.vanished(i) ? "-" : sim.pty_path(i)) << ' ' << hwsim::to_string(sim.mode(i)) << ' '
        << (sim.off_hook(i) ? "off-hook" : "on-hook") << " rate=" << sim.connect_rate(i)
        << " dialtone=" << (sim.dial_tone(i) ? "on" : "off") << " silent=" << (sim.silent(i) ? "on" : "off")
        << ' ' << (sim.vanished(i) ? "unplugged" : "plugged") << '\n';
    return o.str() + "OK\n";
  }
  if (cmd == "fault") {
    if (w.size() < 2) return "ERROR usage: fault I [delay=MS] [split=N] [gap=MS] [garbage=TEXT] [stuck=on|off]\n";
    hwsim::modem_faults f;
    for (std::size_t k = 2; k < w.size(); ++k) {
      const auto eq = w[k].find('=');
      if (eq == std::string::npos) return "ERROR expected key=value, got '" + w[k] + "'\n";
      const std::string key = w[k].substr(0, eq), val = w[k].substr(eq + 1);
      auto number = [&](unsigned long max, unsigned long& out) {
        try {
          std::size_t used = 0;
          out = std::stoul(val, &used);
          return used == val.size() && val[0] != '-' && out <= max;
        } catch (const std::exception&) {
          return false;
        }
      };
      unsigned long v = 0;
      if (key == "delay" && number(3600000, v)) f.response_delay = hwsim::sim_duration(v);
      else if (key == "gap" && number(3600000, v)) f.split_gap = hwsim::sim_duration(v);
      else if (key == "split" && number(4096, v)) f.split_writes = v;
      else if (key == "stuck" && (val == "on" || val == "off")) f.stuck_in_data = val == "on";
      else if (key == "garbage") f.garbage_after_reset = unescape(val);
      else return "ERROR bad fault '" + w[k] + "' (delay=MS split=N gap=MS garbage=TEXT stuck=on|off)\n";
    }
    w.resize(2);
    const auto which = modems_of(sim, w[1]);
    if (!which) return "ERROR no modem '" + w[1] + "'\n";
    for (std::size_t i : *which) sim.set_faults(i, f);
    return "OK\n";
  }
  if (cmd == "ring") {
    if (w.size() != 3 && w.size() != 4) return "ERROR usage: ring I FROM [RINGS]\n";
    const auto which = modems_of(sim, w[1]);
    if (!which) return "ERROR no modem '" + w[1] + "'\n";
    if (w[2].empty() || w[2].size() > 20 || w[2].find_first_not_of("0123456789") != std::string::npos)
      return "ERROR FROM is 1 to 20 digits, got '" + w[2] + "'\n";
    unsigned long rings = 3;
    if (w.size() == 4) {
      if (w[3].empty() || w[3].size() > 3 || w[3].find_first_not_of("0123456789") != std::string::npos ||
          (rings = std::stoul(w[3])) < 1 || rings > 100)
        return "ERROR RINGS is 1 to 100, got '" + w[3] + "'\n";
    }
    for (std::size_t i : *which)
      if (!sim.incoming_call(i, w[2], static_cast<unsigned>(rings))) return "ERROR modem " + std::to_string(i) + " is busy\n";
    return "OK\n";
  }
  const bool needs_onoff = cmd == "dialtone" || cmd == "silent";
  const bool one_arg = cmd == "drop" || cmd == "unplug" || cmd == "replug" || cmd == "retrain";
  if (!needs_onoff && !one_arg) return "ERROR unknown command '" + cmd + "' (try help)\n";
  if (w.size() != (needs_onoff ? 3u : 2u))
    return "ERROR usage: " + cmd + (needs_onoff ? " I on|off\n" : " I\n");
  std::vector<std::size_t> which;
  if (w[1] == "all") {
    for (std::size_t i = 0; i < sim.modem_count(); ++i) which.push_back(i);
  } else {
    std::size_t i = 0;
    try {
      std::size_t used = 0;
      const unsigned long v = std::stoul(w[1], &used);
      if (used != w[1].size() || w[1][0] == '-') throw std::invalid_argument("");
      i = static_cast<std::size_t>(v);
    } catch (const std::exception&) {
      return "ERROR '" + w[1] + "' is not a modem index\n";
    }
    if (i >= sim.modem_count()) return "ERROR no modem " + w[1] + " (0.." + std::to_string(sim.modem_count() - 1) + ")\n";
    which.push_back(i);
  }
  bool on = false;
  if (needs_onoff) {
    if (w[2] != "on" && w[2] != "off") return "ERROR expected on or off, got '" + w[2] + "'\n";
    on = w[2] == "on";
  }
  std::ostringstream o;
  for (std::size_t i : which) {
    if (cmd == "dialtone") sim.set_dial_tone(i, on);
    else if (cmd == "silent") sim.set_silent(i, on);
    else if (cmd == "drop") sim.drop_carrier(i);
    else if (cmd == "retrain") sim.retrain(i);
    else if (cmd == "unplug") sim.vanish(i);
    else if (cmd == "replug") {
      sim.reappear(i);
      o << i << ' ' << sim.pty_path(i) << ' ' << (sim.link_path(i).empty() ? "-" : sim.link_path(i)) << '\n';
    }
  }
  return o.str() + "OK\n";
}

// One connection to the control socket: reads lines, answers each.
class control_session : public std::enable_shared_from_this<control_session> {
 public:
  control_session(boost::asio::local::stream_protocol::socket s, hwsim::simulator& sim)
      : sock_(std::move(s)), sim_(sim), in_(4096) {}
  void start() { read(); }

 private:
  void read() {
    boost::asio::async_read_until(sock_, in_, '\n', [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (ec) return;  // closed, or a line longer than 4 KiB
      std::string line(boost::asio::buffers_begin(self->in_.data()), boost::asio::buffers_begin(self->in_.data()) + static_cast<std::ptrdiff_t>(n));
      self->in_.consume(n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      std::string reply;
      try {
        reply = control_command(self->sim_, line);
      } catch (const std::exception& e) {
        reply = std::string("ERROR ") + e.what() + "\n";
      }
      if (reply.empty()) {
        self->read();
        return;
      }
      auto buf = std::make_shared<std::string>(std::move(reply));
      boost::asio::async_write(self->sock_, boost::asio::buffer(*buf), [self, buf](boost::system::error_code wec, std::size_t) {
        if (!wec) self->read();
      });
    });
  }
  boost::asio::local::stream_protocol::socket sock_;
  hwsim::simulator& sim_;
  boost::asio::streambuf in_;
};

void accept_control(boost::asio::local::stream_protocol::acceptor& acc, hwsim::simulator& sim) {
  acc.async_accept([&acc, &sim](boost::system::error_code ec, boost::asio::local::stream_protocol::socket s) {
    if (ec == boost::asio::error::operation_aborted || !acc.is_open()) return;
    if (!ec) std::make_shared<control_session>(std::move(s), sim)->start();
    accept_control(acc, sim);
  });
}

// A number plan is a few dozen lines; this is far past any real one.
constexpr std::size_t max_scenario_bytes = std::size_t{1} << 20;  // 1 MiB

// Reads a scenario file of at most max_scenario_bytes, the way dialup reads its scripts
// (tools/dialup/file_io.cpp): never more than the limit + 1 bytes, whatever stat says
// (/dev/zero); a directory or a FIFO nobody writes to is an error, not a crash or a hang.
bool read_scenario_file(const std::string& path, std::string& out, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = path + " is a directory";
    return false;
  }
  const bool fifo = S_ISFIFO(st.st_mode);
  if (!fifo) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  char chunk[16 * 1024];
  bool writer_seen = false;  // a FIFO read said "nothing yet" (EAGAIN) rather than "no writer" (0)
  for (;;) {
    const auto n = ::read(fd, chunk, std::min(sizeof chunk, max_scenario_bytes + 1 - text.size()));
    if (n > 0) {
      text.append(chunk, static_cast<std::size_t>(n));
      if (text.size() > max_scenario_bytes) {
        error = path + " is larger than " + std::to_string(max_scenario_bytes / 1024) + " KiB";
        return false;
      }
    } else if (n == 0) {
      if (fifo && text.empty() && !writer_seen) {
        error = path + " is a FIFO and no program has it open for writing";
        return false;
      }
      break;
    } else if (errno == EINTR) {
      continue;
    } else if (fifo && errno == EAGAIN) {
      writer_seen = true;
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, -1);
    } else {
      error = "cannot read " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  out = std::move(text);
  return true;
}

// Each modem needs a pty master here and its client a slave: raise the soft limit on
// open files to the hard one (1,024 by default is not enough for 1,000 modems).
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup-sim: simulated Hayes/V.250 modems on ptys with a simulated exchange"};
  std::size_t modems = 1;
  std::string link;
  std::string personality = "generic";
  double time_scale = 1.0;
  bool print_scenario = false;
  std::string trace_file;
  int rfc2217_base = -1;
  std::string scenario_file;
  std::string control_path;
  app.set_version_flag("--version", std::string("dialup-sim ") + DIALUP_VERSION_STRING, "print the version and exit");
  // The cellular personality's SIM and network (docs/cellular.md). The SIM PIN here is the
  // simulated card's, a test fixture, not a secret of anyone's.
  dialup::hwsim::cellular_options cellular;
  double registration_delay = 0.0;
  bool no_registration = false;
  bool registration_denied = false;
  app.add_option("--modems,-n", modems, "number of simulated modems")->check(CLI::Range(1, 4000));
  app.add_option("--link,-l", link, "symlink prefix: modem i is also PREFIX<i>");
  app.add_option("--personality,-p", personality, "generic, usr, conexant or cellular")
      ->check(CLI::IsMember({"generic", "usr", "conexant", "cellular"}));
  app.add_option("--time-scale,-t", time_scale,
                 "1 = real time, 0.1 = ten times faster, 0 = virtual time")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--print-default-scenario", print_scenario, "print the built-in number plan and exit");
  app.add_option("--trace", trace_file, "append every byte to and from the modems to FILE");
  app.add_option("--rfc2217", rfc2217_base,
                 "also serve modem i over RFC 2217 on 127.0.0.1:PORT+i (0: any free ports)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--scenario", scenario_file,
                 "number plan to load instead of the built-in one (format: --print-default-scenario)");
  app.add_option("--control", control_path,
                 "Unix socket for commands while running: status, dialtone I on|off, drop I, retrain I, "
                 "unplug I, replug I, silent I on|off, fault I ..., help");
  app.add_option("--sim-pin", cellular.sim_pin,
                 "cellular: the SIM wants this PIN (4-8 digits) before it registers; default none")
      ->check([](const std::string& v) {
        return v.size() >= 4 && v.size() <= 8 && v.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("a SIM PIN has 4 to 8 digits");
      });
  app.add_option("--sim-puk", cellular.sim_puk, "cellular: the SIM's PUK (default 12345678)")
      ->check([](const std::string& v) {
        return v.size() == 8 && v.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("a SIM PUK has 8 digits");
      });
  app.add_option("--registration-delay", registration_delay,
                 "cellular: simulated seconds from SIM ready to registered (default 0)")
      ->check(CLI::Range(0.0, 3600.0));
  auto* no_reg = app.add_flag("--no-registration", no_registration,
                              "cellular: the network is never found (+CREG stat 2, searching)");
  app.add_flag("--registration-denied", registration_denied,
               "cellular: searching for --registration-delay, then denied (+CREG stat 3)")
      ->excludes(no_reg);
  app.add_option_function<std::string>(
         "--signal",
         [&cellular](const std::string& v) {
           // One value, or a list that each +CSQ answer steps through (docs/simulator.md).
           std::vector<int> values;
           std::size_t start = 0;
           while (start <= v.size()) {
             const auto comma = std::min(v.find(',', start), v.size());
             const std::string item = v.substr(start, comma - start);
             int n = -1;
             const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
             if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || n < 0 ||
                 (n > 31 && n != 99))
               throw CLI::ValidationError("--signal", "'" + item + "' is not an <rssi> 0-31 or 99");
             values.push_back(n);
             if (values.size() > 1000) throw CLI::ValidationError("--signal", "at most 1000 values");
             start = comma + 1;
           }
           if (values.size() == 1) cellular.csq_rssi = values[0];
           else cellular.csq_schedule = values;
         },
         "cellular: +CSQ <rssi>, 0-31 (dBm = -113 + 2*rssi) or 99 unknown; default 20. A list "
         "(20,18,15,99) is stepped through, one value per +CSQ answer, cycling")
      ->type_name("RSSI[,RSSI...]");
  app.add_option("--operator", cellular.operator_name, "cellular: the +COPS? operator name")
      ->check([](const std::string& v) {
        if (v.empty() || v.size() > 64) return std::string("1 to 64 characters");
        for (unsigned char c : v)
          if (c < 0x20 || c > 0x7e || c == '"') return std::string("printable ASCII without quotes");
        return std::string();
      });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // A mistyped option: the nearest one (edit distance).
    if (rc != 0) {
      std::vector<std::string> names;
      for (const auto* o : app.get_options())
        for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      for (const auto& word : app.remaining()) {
        const std::string w = word.substr(0, word.find('='));
        if (auto near = dialup::text::nearest(w, names); !near.empty() && w.rfind("-", 0) == 0)
          std::cerr << "dialup-sim: '" << w << "': did you mean '" << near << "'?\n";
      }
    }
    return rc;
  }
  cellular.registration_delay =
      dialup::hwsim::sim_duration(static_cast<long long>(registration_delay * 1000.0 + 0.5));
  if (no_registration) cellular.network_mode = dialup::hwsim::cellular_options::network::searching;
  if (registration_denied) cellular.network_mode = dialup::hwsim::cellular_options::network::denied;

  if (print_scenario) {
    std::cout << dialup::hwsim::default_scenario();
    return 0;
  }

  // The scenario is read and checked whole before anything starts.
  std::vector<dialup::hwsim::number_entry> plan;
  if (!scenario_file.empty()) {
    std::string text, error;
    if (!read_scenario_file(scenario_file, text, error)) {
      std::cerr << "dialup-sim: " << error << " (nothing loaded)\n";
      return 2;
    }
    try {
      plan = dialup::hwsim::parse_scenario(text);
    } catch (const dialup::hwsim::scenario_error& e) {
      std::cerr << "dialup-sim: " << scenario_file << ": " << e.what() << " (nothing loaded)\n";
      return 2;
    }
  }
  raise_fd_limit();

  boost::asio::io_context ioc;
  std::shared_ptr<std::ofstream> trace;
  dialup::hwsim::simulator_options opt;
  opt.time_scale = time_scale;
  opt.link_prefix = link;
  opt.personality = personality;
  opt.cellular = cellular;
  opt.builtin_scenario = scenario_file.empty();
  if (!trace_file.empty()) {
    trace = std::make_shared<std::ofstream>(trace_file, std::ios::app);
    if (!*trace) {
      std::cerr << "dialup-sim: cannot open " << trace_file << "\n";
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    opt.trace = [trace, start](std::size_t i, bool from_dte, std::string_view b) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      *trace << ms << " modem" << i << (from_dte ? " < " : " > ") << dialup::text::escape_bytes(b) << '\n';
      trace->flush();
    };
  }
  try {
    dialup::hwsim::simulator sim(ioc.get_executor(), opt);
    for (auto& e : plan) sim.add_number(std::move(e));
    std::unique_ptr<boost::asio::local::stream_protocol::acceptor> control;
    struct remove_socket {
      std::string path;
      ~remove_socket() {
        if (!path.empty()) ::unlink(path.c_str());
      }
    } control_cleanup;
    if (!control_path.empty()) {
      struct stat st{};
      if (::lstat(control_path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(control_path + " exists and is not a socket");
        ::unlink(control_path.c_str());  // left by a previous run
      }
      control = std::make_unique<boost::asio::local::stream_protocol::acceptor>(
          ioc, boost::asio::local::stream_protocol::endpoint(control_path));
      control_cleanup.path = control_path;
      accept_control(*control, sim);
    }
    for (std::size_t i = 0; i < modems; ++i) {
      const auto k = sim.add_modem();
      std::cout << k << ' ' << sim.pty_path(k) << ' '
                << (sim.link_path(k).empty() ? "-" : sim.link_path(k)) << ' '
                << sim.own_number(k);
      if (rfc2217_base >= 0) {
        const auto want = rfc2217_base == 0 ? 0 : rfc2217_base + static_cast<int>(k);
        if (want > 65535) throw std::runtime_error("--rfc2217 port out of range");
        std::cout << " rfc2217://127.0.0.1:"
                  << sim.serve_rfc2217(k, static_cast<std::uint16_t>(want));
      }
      std::cout << std::endl;
    }
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&ioc](const boost::system::error_code&, int) { ioc.stop(); });
    if (control) std::cout << "control " << control_path << std::endl;
    ioc.run();
    if (control) control->close();
    sim.shutdown();  // the executor is stopped: safe here
  } catch (const std::exception& e) {
    std::cerr << "dialup-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
