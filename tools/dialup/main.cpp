// dialup — dial a modem from the command line and watch the RAS states go by.
//
//   dialup dial --sim                         a simulated modem on a pty, built in
//   dialup dial --port /dev/ttyUSB0 --phone 5550100 [--hold 60]
//
// Each state is printed the moment the engine reports it, on this program's own event
// loop. Once connected the call stays up until SIGINT/SIGTERM or --hold runs out, then it
// is hung up cleanly. Exit status: 0 connected and hung up cleanly; 2 the dial failed
// (the RAS error is printed); 1 bad usage or set-up.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "dialup/drivers/serial_transport.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "dialup/engine/phonebook.hpp"
#include "dialup/hwsim/simulator.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct dial_options {
  bool sim = false;
  std::string port;
  std::string phone;
  std::optional<double> hold;   // seconds; unset: until interrupted (or 0 with --sim)
  std::optional<std::string> send;
  double time_scale = 0.2;
  int verbose = 0;
  std::uint32_t baud = 115200;
  unsigned s7 = 0;
  std::string phonebook;          // --phonebook FILE
  std::string entry;              // --entry NAME
  std::string user;               // --user NAME
  std::string script;             // --script FILE: a chat login script run after CONNECT
  bool password_stdin = false;    // read the password from standard input
  std::optional<dialup::dial_entry> from_phonebook;
  dialup::dial_params params;
};

// Prints engine log lines to stderr. Called from the engine thread.
std::function<void(dialup::log_level, std::string_view)> make_logger(int verbose) {
  if (verbose == 0) return {};
  auto min = verbose >= 2 ? dialup::log_level::trace : dialup::log_level::debug;
  auto mutex = std::make_shared<std::mutex>();
  return [min, mutex](dialup::log_level level, std::string_view text) {
    if (level < min) return;
    std::lock_guard lock(*mutex);
    std::cerr << "  [engine] " << text << "\n";
  };
}

class dial_session {
 public:
  dial_session(dial_options o) : opt_(std::move(o)), signals_(io_, SIGINT, SIGTERM), hold_timer_(io_) {}

  int run() {
    dialup::thread_loop_scope scope(io_.get_executor());

    std::optional<asio::io_context> sim_io;
    std::unique_ptr<dialup::hwsim::simulator> sim;
    std::thread sim_thread;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> sim_work;
    if (opt_.sim) {
      sim_io.emplace();
      sim_work.emplace(sim_io->get_executor());
      dialup::hwsim::simulator_options so;
      so.time_scale = opt_.time_scale;
      sim = std::make_unique<dialup::hwsim::simulator>(sim_io->get_executor(), so);
      sim->add_modem();
      sim_thread = std::thread([&] { sim_io->run(); });
      opt_.port = sim->pty_path(0);
      if (opt_.phone.empty()) opt_.phone = "5550100";
      if (!opt_.send) opt_.send = "Hello from dialup\r\n";
      if (!opt_.hold) opt_.hold = 0;
      std::printf("dialup: simulated modem on %s (time scale %g), dialing %s\n",
                  opt_.port.c_str(), opt_.time_scale, opt_.phone.c_str());
    } else if (opt_.from_phonebook) {
      const auto& e = *opt_.from_phonebook;
      std::printf("dialup: dialing %s (%s) on %s\n", opt_.entry.c_str(),
                  (opt_.phone.empty() ? e.phone_number : opt_.phone).c_str(),
                  (opt_.port.empty() ? e.port : opt_.port).c_str());
    } else {
      std::printf("dialup: dialing %s on %s\n", opt_.phone.c_str(), opt_.port.c_str());
    }
    std::fflush(stdout);

    int rc;
    {
      dialup::engine_options eo;
      eo.transports = std::make_shared<dialup::drivers::serial_transport_factory>();
      eo.log = make_logger(opt_.verbose);
      dialup::connection_manager mgr(std::move(eo));
      mgr_ = &mgr;
      rc = dial_and_hold();
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

  void print_state(dialup::conn_state s, const std::string& detail = {}) {
    std::printf("  %7.3f  %-20s %s\n", elapsed(), std::string(to_string(s)).c_str(), detail.c_str());
    std::fflush(stdout);
  }

  int dial_and_hold() {
    dialup::dial_entry entry;
    if (opt_.from_phonebook) entry = *opt_.from_phonebook;
    if (!opt_.port.empty()) entry.port = opt_.port;
    if (!opt_.phone.empty()) entry.phone_number = opt_.phone;
    if (!opt_.from_phonebook) entry.settings.baud_rate = opt_.baud;
    if (opt_.s7) entry.profile.call_setup_fail_timer = opt_.s7;
    if (!opt_.script.empty()) entry.login_script = opt_.script;
    if (opt_.sim) {
      // The simulated modem's guard time (S12) runs scaled; so can ours.
      entry.profile.escape_guard = std::chrono::milliseconds(
          static_cast<long>(1200 * std::max(opt_.time_scale, 0.05)));
    }

    start_ = std::chrono::steady_clock::now();
    std::error_code ec;
    handle_ = mgr_->dial(entry, opt_.params, {}, dialup::notifier::on_event([this](const dialup::dial_event& e) {
                           on_event(e);
                         }),
                         ec);
    if (ec) {
      std::fprintf(stderr, "dialup: %s\n", dialup::describe(ec).c_str());
      return 1;
    }
    signals_.async_wait([this](boost::system::error_code e, int sig) {
      if (e) return;
      std::printf("dialup: %s, hanging up\n", sig == SIGINT ? "interrupted" : "terminated");
      interrupted_ = true;
      hang_up();
    });
    io_.run();
    return exit_code_;
  }

  void on_event(const dialup::dial_event& e) {
    if (e.error) {
      print_state(e.state, "failed: " + dialup::describe(e.error));
      std::fprintf(stderr, "dialup: %s\n", dialup::describe(e.error).c_str());
      exit_code_ = 2;
      hang_up();  // a failed dial's handle must still be hung up (RAS)
      return;
    }
    std::string detail;
    dialup::connection_status st;
    if (e.state == dialup::conn_state::device_connected && !mgr_->status(e.handle, st))
      detail = st.connect_text;
    print_state(e.state, detail);
    if (e.state == dialup::conn_state::connected) on_connected();
  }

  void on_connected() {
    if (opt_.send && !opt_.send->empty()) {
      stream_ = std::make_unique<dialup::data_stream>(*mgr_, handle_, io_.get_executor());
      out_ = *opt_.send;
      in_.assign(out_.size(), '\0');
      asio::async_write(*stream_, asio::buffer(out_), [](boost::system::error_code, std::size_t) {});
      // Wait for the same number of bytes back (the simulator's number echoes), at most 5 s.
      hold_timer_.expires_after(5s);
      hold_timer_.async_wait([this](boost::system::error_code e) {
        if (!e && !data_done_) {
          std::printf("data: sent %zu bytes, nothing came back within 5 s\n", out_.size());
          data_done_ = true;
          start_hold();
        }
      });
      asio::async_read(*stream_, asio::buffer(in_), [this](boost::system::error_code e, std::size_t n) {
        if (data_done_) return;
        data_done_ = true;
        hold_timer_.cancel();
        if (e) std::printf("data: read failed: %s\n", e.message().c_str());
        else std::printf("data: sent %zu bytes, received %zu: \"%s\"\n", out_.size(), n, printable(in_).c_str());
        start_hold();
      });
      return;
    }
    start_hold();
  }

  void start_hold() {
    if (interrupted_) return;
    if (opt_.hold && *opt_.hold <= 0) {
      hang_up();
      return;
    }
    if (opt_.hold) {
      std::printf("dialup: connected; holding the line for %g s (Ctrl-C hangs up)\n", *opt_.hold);
      hold_timer_.expires_after(std::chrono::milliseconds(static_cast<long>(*opt_.hold * 1000)));
      hold_timer_.async_wait([this](boost::system::error_code e) {
        if (!e) hang_up();
      });
    } else {
      std::printf("dialup: connected; Ctrl-C hangs up\n");
    }
    std::fflush(stdout);
  }

  void hang_up() {
    if (hanging_up_) return;
    hanging_up_ = true;
    hold_timer_.cancel();
    if (exit_code_ == 0) std::printf("dialup: hanging up\n");
    mgr_->async_hang_up(handle_, [this](std::error_code ec) {
      if (ec) std::fprintf(stderr, "dialup: hang-up: %s\n", dialup::describe(ec).c_str());
      print_state(dialup::conn_state::disconnected);
      signals_.cancel();
      stream_.reset();
    });
  }

  static std::string printable(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '\r') out += "\\r";
      else if (c == '\n') out += "\\n";
      else if (static_cast<unsigned char>(c) < 0x20) out += '.';
      else out += c;
    }
    return out;
  }

  dial_options opt_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer hold_timer_;
  dialup::connection_manager* mgr_ = nullptr;
  dialup::connection_handle handle_;
  std::unique_ptr<dialup::data_stream> stream_;
  std::string out_, in_;
  bool data_done_ = false;
  bool hanging_up_ = false;
  bool interrupted_ = false;
  int exit_code_ = 0;
  std::chrono::steady_clock::time_point start_;
};

// Reads a whole file; false with a message on failure.
bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "dialup: cannot open " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Loads a rasphone.pbk; exits the program's way (message, false) on a malformed file.
bool load_phonebook(const std::string& path, dialup::phonebook& pb) {
  std::string text;
  if (!read_file(path, text)) return false;
  auto err = dialup::phonebook::parse(text, path, pb);
  if (err.code) {
    std::cerr << "dialup: " << err.message() << "\n";
    return false;
  }
  return true;
}

int phonebook_list(const std::string& path) {
  dialup::phonebook pb;
  if (!load_phonebook(path, pb)) return 1;
  for (const auto& e : pb.entries()) {
    std::string number = e.numbers.empty() ? "-" : dialup::dialable_number(e.numbers.front());
    std::printf("%-30s %-8s %-12s %s%s\n", e.name.c_str(), e.device_type.c_str(),
                e.port.empty() ? "-" : e.port.c_str(), number.c_str(),
                e.numbers.size() > 1 ? (" (+" + std::to_string(e.numbers.size() - 1) + " alternates)").c_str() : "");
  }
  return 0;
}

int phonebook_show(const std::string& path, const std::string& name) {
  dialup::phonebook pb;
  if (!load_phonebook(path, pb)) return 1;
  const auto* e = pb.find(name);
  if (!e) {
    std::cerr << "dialup: " << dialup::describe(std::error_code(dialup::ras_error::cannot_find_phonebook_entry))
              << ": " << name << " in " << path << "\n";
    return 1;
  }
  std::cout << dialup::describe(*e);
  return 0;
}

int import_wvdial(const std::string& path, const std::string& dialer) {
  std::string text;
  if (!read_file(path, text)) return 1;
  dialup::wvdial_config cfg;
  auto err = dialup::wvdial_config::parse(text, path, cfg);
  if (err.code) {
    std::cerr << "dialup: " << err.message() << "\n";
    return 1;
  }
  dialup::wvdial_import imp;
  err = dialup::import_wvdial(cfg, dialer, imp);
  if (err.code) {
    std::cerr << "dialup: " << err.message() << "\n";
    return 1;
  }
  std::cerr << dialup::describe(imp);  // the report (never the password)
  dialup::phonebook pb;
  if (auto ec = pb.add(dialup::to_phonebook_entry(imp))) {
    std::cerr << "dialup: " << dialup::describe(ec) << "\n";
    return 1;
  }
  std::string out;
  if (auto ec = pb.serialize(out)) {
    std::cerr << "dialup: " << dialup::describe(ec) << "\n";
    return 1;
  }
  std::cout << out;  // a rasphone.pbk entry on standard output
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup — a modem dialing engine with the Windows RAS dial model"};
  app.require_subcommand(1);

  dial_options d;
  auto* dial = app.add_subcommand("dial", "dial a number and report each RAS state");
  dial->add_flag("--sim", d.sim, "dial on a simulated modem started inside this process");
  dial->add_option("--port", d.port, "the modem's tty (/dev/ttyUSB0, /dev/ttyACM0, a pty)");
  dial->add_option("--phone", d.phone, "the number to dial (with --sim: default 5550100)");
  dial->add_option("--hold", d.hold, "hang up after this many seconds connected (default: until Ctrl-C; 0 with --sim)");
  dial->add_option("--send", d.send, "text to send once connected (with --sim: a greeting the simulator echoes)");
  dial->add_option("--time-scale", d.time_scale, "with --sim: simulated time per real second (1 = real time)")
      ->check(CLI::Range(0.01, 10.0));
  dial->add_option("--baud", d.baud, "port speed")->capture_default_str();
  dial->add_option("--s7", d.s7, "seconds the modem waits for carrier (S7); 0 leaves the modem's own")
      ->check(CLI::Range(0u, 255u));
  dial->add_flag("-v,--verbose", d.verbose, "log engine activity to stderr (-vv: every byte to and from the modem)");
  dial->add_option("--phonebook", d.phonebook, "a rasphone.pbk file to take the entry from");
  dial->add_option("--entry", d.entry, "the phone-book entry to dial (with --phonebook)");
  dial->add_option("--user", d.user, "user name for the login script (\\U)");
  std::string script_file;
  dial->add_option("--script", script_file, "a chat(8) login script to run after CONNECT");
  dial->add_flag("--password-stdin", d.password_stdin,
                 "read the password (\\P) from the first line of standard input; "
                 "DIALUP_PASSWORD in the environment also works. Never give it as an argument.");

  std::string pb_file, pb_entry, wv_file, wv_dialer = "Defaults";
  auto* pbcmd = app.add_subcommand("phonebook", "read Windows rasphone.pbk phone books, import wvdial.conf");
  pbcmd->require_subcommand(1);
  auto* pb_list = pbcmd->add_subcommand("list", "list the entries of a phone book");
  pb_list->add_option("file", pb_file, "rasphone.pbk")->required();
  auto* pb_show = pbcmd->add_subcommand("show", "show one entry");
  pb_show->add_option("file", pb_file, "rasphone.pbk")->required();
  pb_show->add_option("entry", pb_entry, "entry name (case-insensitive)")->required();
  auto* pb_import = pbcmd->add_subcommand("import-wvdial",
                                          "turn a wvdial.conf dialer into a rasphone.pbk entry (stdout; report on stderr)");
  pb_import->add_option("file", wv_file, "wvdial.conf")->required();
  pb_import->add_option("dialer", wv_dialer, "dialer section name (default: Defaults)");

  CLI11_PARSE(app, argc, argv);

  if (pb_list->parsed()) return phonebook_list(pb_file);
  if (pb_show->parsed()) return phonebook_show(pb_file, pb_entry);
  if (pb_import->parsed()) return import_wvdial(wv_file, wv_dialer);

  if (dial->parsed()) {
    if (!d.phonebook.empty() || !d.entry.empty()) {
      if (d.phonebook.empty() || d.entry.empty()) {
        std::cerr << "dialup dial: --phonebook and --entry go together\n";
        return 1;
      }
      dialup::phonebook pb;
      if (!load_phonebook(d.phonebook, pb)) return 1;
      const auto* e = pb.find(d.entry);
      if (!e) {
        std::cerr << "dialup: " << dialup::describe(std::error_code(dialup::ras_error::cannot_find_phonebook_entry))
                  << ": " << d.entry << " in " << d.phonebook << "\n";
        return 1;
      }
      if (auto ec = dialup::check_dialable(*e)) {
        std::cerr << "dialup: " << d.entry << ": " << dialup::describe(ec) << "\n";
        return 1;
      }
      d.from_phonebook = dialup::to_dial_entry(*e);
    }
    if (!script_file.empty() && !read_file(script_file, d.script)) return 1;
    d.params.user_name = d.user;
    if (d.password_stdin) {
      std::getline(std::cin, d.params.password);
    } else if (const char* pw = std::getenv("DIALUP_PASSWORD")) {
      d.params.password = pw;
    }
    if (!d.sim && !d.from_phonebook && (d.port.empty() || d.phone.empty())) {
      std::cerr << "dialup dial: give --sim, --phonebook with --entry, or both --port and --phone\n";
      return 1;
    }
    if (d.sim && !d.port.empty()) {
      std::cerr << "dialup dial: --sim and --port exclude each other\n";
      return 1;
    }
    try {
      return dial_session(d).run();
    } catch (const std::exception& e) {
      std::cerr << "dialup: " << e.what() << "\n";
      return 1;
    }
  }
  return 1;
}
