// dialup — dial a modem from the command line and watch the RAS states go by.
//
//   dialup dial --sim                         a simulated modem on a pty, built in
//   dialup dial --port /dev/ttyUSB0 --phone 5550100 [--hold 60]
//   dialup phonebook list|show|set|remove|rename|import-wvdial ...
//   dialup ports [--all] [--json]              the serial ports (none is opened)
//   dialup status --port PORT [--json]         the modem's identity; SIM, signal, network
//
// Each state is printed the moment the engine reports it, on this program's own event
// loop (dial_session.hpp). Once connected the call stays up until SIGINT/SIGTERM or --hold
// runs out, then it is hung up cleanly. Exit status: 0 connected and hung up cleanly; 2 the
// dial failed or the connection was lost (the RAS error is printed); 3 the call was fine but
// the hang-up could not be confirmed (the modem may still be off-hook); 1 bad usage or set-up
// (a file that cannot be read, a bad option: CLI11's message, always status 1).
//
// Passwords come from standard input (--password-stdin), DIALUP_PASSWORD or, in a paused
// state, the terminal with its echo off: never from argv, and they are never printed.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "dial_session.hpp"
#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/phonebook.hpp"
#include "file_io.hpp"
#include "line_input.hpp"
#include "phonebook_commands.hpp"
#include "ports_command.hpp"
#include "status_command.hpp"
#include "dialup/engine/cellular.hpp"

namespace {

// Reads a chat(8) script and parses it, so a mistake is reported with the file name, line
// and column before anything is dialled. The engine runs this parse (set_script): the
// script is parsed once.
bool load_script(const std::string& path, dialup::parsed_script& out) {
  std::string text, error;
  if (!dialup_cli::read_file(path, text, error, dialup_cli::max_script_bytes)) {
    std::cerr << "dialup: " << error << "\n";
    return false;
  }
  dialup::chat_syntax_error syntax;
  auto parsed = dialup::parse_script(std::move(text), syntax);
  if (!parsed) {
    std::cerr << "dialup: " << path << ": " << syntax.to_string() << "\n";
    return false;
  }
  out = std::move(*parsed);
  return true;
}

// Takes the entry from the phone book into d.from_phonebook; false (message printed) when
// it cannot be dialled as it is.
bool take_phonebook_entry(const std::string& file, dialup_cli::dial_options& d) {
  dialup::phonebook pb;
  if (!dialup_cli::load_phonebook(file, pb)) return false;
  const auto* e = pb.find(d.entry_name);
  if (!e) {
    std::cerr << "dialup: " << dialup::describe(std::error_code(dialup::ras_error::cannot_find_phonebook_entry))
              << ": " << d.entry_name << " in " << file << "\n";
    return false;
  }
  if (auto ec = dialup::check_dialable(*e)) {
    std::cerr << "dialup: " << d.entry_name << ": " << dialup::describe(ec) << "\n";
    return false;
  }
  // A Windows dial-up script (.scp) has a language of its own: dialup cannot run it, and
  // dialling without it would skip the login the entry asks for.
  if (!e->script.empty() && d.script.text.empty() && d.dial_script.text.empty() && !d.terminal) {
    std::cerr << "dialup: " << e->name << ": the entry logs in with the Windows script " << e->script
              << ", which dialup cannot run (.scp is not chat).\n"
              << "dialup: write the login as a chat(8) script and pass --script FILE"
              << " (or --terminal to log in by hand)\n";
    return false;
  }
  if (e->terminal_before_dial)
    std::cerr << "dialup: note: " << e->name << " opens a terminal before dialling; dialup does not\n";
  // RedialOnLinkFailure -> reconnect_if_dropped, a terminal after dialling ->
  // terminal_after_dial; --reconnect/--no-reconnect and --terminal apply on top.
  d.from_phonebook = dialup::to_dial_entry(*e);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup — a modem dialing engine with the Windows RAS dial model"};
  app.require_subcommand(1);

  dialup_cli::dial_options d;
  auto* dial = app.add_subcommand("dial", "dial a number and report each RAS state");
  dial->add_flag("--sim", d.sim, "dial on a simulated modem started inside this process");
  dial->add_option("--port", d.port, "the modem's tty (/dev/ttyUSB0, /dev/ttyACM0, a pty) or a remote port (rfc2217://host:port)");
  dial->add_option("--phone", d.phone, "the number to dial (with --sim: default 5550100)");
  dial->add_option("--hold", d.hold, "hang up after this many seconds connected (default: until Ctrl-C; 0 with --sim)");
  dial->add_option("--send", d.send, "text to send once connected (with --sim: a greeting the simulator echoes)");
  dial->add_option("--time-scale", d.time_scale, "with --sim: simulated time per real second (1 = real time)")
      ->check(CLI::Range(0.01, 10.0));
  dial->add_option("--baud", d.baud, "port speed in bit/s: any rate the port takes, 250000 or 921600 as well (read back; 701 if refused)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            // 0 is termios' B0, "hang up": never a speed (termios(3)). Other numbers go to the
            // port, which says whether it supports them.
            return value.find_first_not_of('0') == std::string::npos && !value.empty()
                       ? "0 is not a speed (for example 115200)"
                       : "";
          },
          "BPS"));
  dial->add_option("--s7", d.s7, "seconds the modem waits for carrier (S7); 0 leaves the modem's own")
      ->check(CLI::Range(0u, 255u));
  dial->add_flag("-v,--verbose", d.verbose, "log engine activity to stderr (-vv: every byte to and from the modem)");
  std::string phonebook_file;
  dial->add_option("--phonebook", phonebook_file, "a rasphone.pbk file to take the entry from")->type_name("FILE");
  dial->add_option("--entry", d.entry_name, "the phone-book entry to dial (with --phonebook)");
  std::string user;
  dial->add_option("--user", user, "user name for the scripts (\\U)");
  bool password_stdin = false;
  dial->add_flag("--password-stdin", password_stdin,
                 "read the password (\\P) from the first line of standard input; "
                 "DIALUP_PASSWORD in the environment also works. Never give it as an argument.");
  std::string script_file, dial_script_file, callback_script_file;
  dial->add_option("--script", script_file, "a chat(8) login script to run after CONNECT")->type_name("FILE");
  dial->add_option("--dial-script", dial_script_file,
                   "a chat(8) script that does the whole modem dialogue (\\T is the number), "
                   "e.g. /etc/chatscripts/pap")
      ->type_name("FILE");
  std::string callback;
  dial->add_option("--callback", callback,
                   "the number the server is to call back (\\B); \"*\": ask when it wants one "
                   "(--sim: the modem's own number is 5551000)")
      ->type_name("NUMBER");
  dial->add_option("--callback-script", callback_script_file,
                   "a chat(8) login script for after the call back (default: --script)")
      ->type_name("FILE");
  // Callbacks, not an optional<bool> flag: CLI11 2.1 sets that to false when absent, which
  // would override the entry's RedialOnLinkFailure.
  dial->add_flag_callback("--reconnect", [&d] { d.reconnect = true; },
                          "dial again when the carrier drops (default: the entry's RedialOnLinkFailure)");
  dial->add_flag_callback("--no-reconnect", [&d] { d.reconnect = false; }, "never, whatever the entry says");
  dial->add_option("--redial", d.redial,
                   "more attempts after a failed call or a dropped line (default: the entry's, else 0)")
      ->type_name("N");
  dial->add_option("--redial-pause", d.redial_pause, "seconds before each (default: the entry's, else 3)")
      ->type_name("SECONDS");
  dial->add_flag("--terminal", d.terminal,
                 "after CONNECT, stdin goes to the line and the line to stdout until a line "
                 "with only ~. (or the end of stdin); then the dial goes on");
  dial->add_flag("--ask", d.ask,
                 "read what the dial stops for (new login, new password, callback number, "
                 "--terminal) line by line from stdin; without it, the terminal is asked if stdin "
                 "is one");

  std::string pb_file, pb_entry, pb_new_name, wv_file, wv_dialer = "Defaults";
  std::vector<std::string> pb_assignments;
  bool pb_create = false;
  auto* pbcmd = app.add_subcommand("phonebook", "read and edit Windows rasphone.pbk phone books, import wvdial.conf");
  pbcmd->require_subcommand(1);
  auto* pb_list = pbcmd->add_subcommand("list", "list the entries of a phone book");
  pb_list->add_option("file", pb_file, "rasphone.pbk")->required();
  auto* pb_show = pbcmd->add_subcommand("show", "show one entry");
  pb_show->add_option("file", pb_file, "rasphone.pbk")->required();
  pb_show->add_option("entry", pb_entry, "entry name (case-insensitive)")->required();
  auto* pb_set = pbcmd->add_subcommand("set", "set keys of an entry (every other line is kept)");
  pb_set->add_option("file", pb_file, "rasphone.pbk")->required();
  pb_set->add_option("entry", pb_entry, "entry name (case-insensitive)")->required();
  pb_set->add_option("assignments", pb_assignments, dialup_cli::phonebook_set_help)->required();
  pb_set->add_flag("--create", pb_create, "make the entry (and the file) if missing: a modem entry");
  auto* pb_remove = pbcmd->add_subcommand("remove", "remove an entry");
  pb_remove->add_option("file", pb_file, "rasphone.pbk")->required();
  pb_remove->add_option("entry", pb_entry, "entry name (case-insensitive)")->required();
  auto* pb_rename = pbcmd->add_subcommand("rename", "rename an entry");
  pb_rename->add_option("file", pb_file, "rasphone.pbk")->required();
  pb_rename->add_option("entry", pb_entry, "entry name (case-insensitive)")->required();
  pb_rename->add_option("new-name", pb_new_name, "its new name")->required();
  auto* pb_import = pbcmd->add_subcommand("import-wvdial",
                                          "turn a wvdial.conf dialer into a rasphone.pbk entry (stdout; report on stderr)");
  pb_import->add_option("file", wv_file, "wvdial.conf")->required();
  pb_import->add_option("dialer", wv_dialer, "dialer section name (default: Defaults)");

  dialup_cli::ports_options ports_opts;
  auto* ports = app.add_subcommand("ports", "list the serial ports, their USB ids and stable names, and who holds them "
                                            "(no port is opened)");
  ports->add_flag("--all", ports_opts.all, "also serial ports with no UART behind them (ttyS* the kernel reserves)");
  ports->add_flag("--json", ports_opts.json, "one JSON object per port and line");

  // Cellular (docs/cellular.md): `dial --cellular/--apn/--pin-stdin` and `dialup status`.
  dial->add_flag("--cellular", d.cellular,
                 "a 3GPP modem: unlock the SIM, set the APN and wait for the network before dialling "
                 "(the number defaults to *99#; with --sim a cellular simulated modem)");
  dial->add_option("--apn", d.apn, "cellular: the access point name (implies --cellular)");
  bool pin_stdin = false;
  dial->add_flag("--pin-stdin", pin_stdin,
                 "cellular: read the SIM PIN from standard input (the line after the password with "
                 "--password-stdin); DIALUP_PIN in the environment also works. Never an argument.");
  dialup_cli::status_options status_opts;
  auto* status = app.add_subcommand("status", "ask a modem who it is and, if cellular, its SIM, signal, "
                                              "registration and operator (only queries are sent)");
  status->add_option("--port", status_opts.port, "the modem's tty or rfc2217://host:port")->required();
  status->add_flag("--cellular", status_opts.cellular, "ask the cellular questions even if AT+CPIN? fails");
  status->add_flag("--json", status_opts.json, "one JSON object");
  status->add_option("--baud", status_opts.baud, "port speed in bit/s (default 115200)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (the help for --help, which is a success). Every usage
    // error is status 1, as documented, not CLI11's own numbers (105, 106, ...).
    return app.exit(e) == 0 ? 0 : 1;
  }

  if (pb_list->parsed()) return dialup_cli::phonebook_list(pb_file);
  if (pb_show->parsed()) return dialup_cli::phonebook_show(pb_file, pb_entry);
  if (pb_set->parsed()) return dialup_cli::phonebook_set(pb_file, pb_entry, pb_assignments, pb_create);
  if (pb_remove->parsed()) return dialup_cli::phonebook_remove(pb_file, pb_entry);
  if (pb_rename->parsed()) return dialup_cli::phonebook_rename(pb_file, pb_entry, pb_new_name);
  if (pb_import->parsed()) return dialup_cli::phonebook_import_wvdial(wv_file, wv_dialer);
  if (ports->parsed()) return dialup_cli::ports_command(ports_opts);
  if (status->parsed()) return dialup_cli::status_command(status_opts);
  if (!dial->parsed()) return 1;

  if (!d.apn.empty()) d.cellular = true;
  if (auto why = dialup::cellular::apn_problem(d.apn)) {
    std::cerr << "dialup dial: --apn: " << *why << "\n";
    return 1;
  }
  if (!d.sim && phonebook_file.empty() && (d.port.empty() || (d.phone.empty() && !d.cellular))) {
    std::cerr << "dialup dial: give --sim, --phonebook with --entry, or both --port and --phone\n";
    return 1;
  }
  if (d.sim && !d.port.empty()) {
    std::cerr << "dialup dial: --sim and --port exclude each other\n";
    return 1;
  }
  if (!script_file.empty() && !load_script(script_file, d.script)) return 1;
  if (!dial_script_file.empty() && !load_script(dial_script_file, d.dial_script)) return 1;
  if (!callback_script_file.empty() && !load_script(callback_script_file, d.callback_script)) return 1;
  if (!phonebook_file.empty() || !d.entry_name.empty()) {
    if (phonebook_file.empty() || d.entry_name.empty()) {
      std::cerr << "dialup dial: --phonebook and --entry go together\n";
      return 1;
    }
    if (!take_phonebook_entry(phonebook_file, d)) return 1;
  }

  // Standard input is read through one object, so that the password line, --ask's answers
  // and terminal mode never lose each other's bytes to a buffer.
  auto input = dialup_cli::line_input::standard_input();
  d.params.user_name = user;
  d.params.callback_number = callback;
  if (password_stdin) {
    auto line = input->read_line(input->is_terminal() ? "Password: " : "", true);
    if (!line) {
      std::cerr << "dialup dial: --password-stdin: standard input is empty\n";
      return 1;
    }
    d.params.password = std::move(*line);
  } else if (const char* pw = std::getenv("DIALUP_PASSWORD")) {
    d.params.password = pw;
  }
  // The SIM PIN: after the password line when both come from standard input.
  if (pin_stdin) {
    auto line = input->read_line(input->is_terminal() ? "SIM PIN: " : "", true);
    if (!line) {
      std::cerr << "dialup dial: --pin-stdin: no PIN line on standard input\n";
      return 1;
    }
    d.params.sim_pin = std::move(*line);
  } else if (const char* pin = std::getenv("DIALUP_PIN")) {
    d.params.sim_pin = pin;
  }
  if (!d.params.sim_pin.empty()) {
    if (auto why = dialup::cellular::pin_problem(d.params.sim_pin)) {
      std::cerr << "dialup dial: the SIM PIN given cannot be used: " << *why << "\n";
      return 1;
    }
  }
  try {
    return dialup_cli::run_dial(std::move(d), *input);
  } catch (const std::exception& e) {
    std::cerr << "dialup: " << e.what() << "\n";
    return 1;
  }
}
