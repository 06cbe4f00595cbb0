// dialup — dial a modem from the command line and watch the RAS states go by.
//
//   dialup dial --sim                         a simulated modem on a pty, built in
//   dialup dial --port /dev/ttyUSB0 --phone 5550100 [--hold 60]
//   dialup phonebook list|show|set|remove|rename|import-wvdial ...
//   dialup ports [--all] [--json]              the serial ports (none is opened)
//   dialup probe [PORT...] [--json] ...        find and identify the modems (docs/probe.md)
//   dialup status --port PORT [--json]         the modem's identity; SIM, signal, network
//   dialup --version
//
// Defaults come from the user's config file (user_config.hpp: --config FILE, DIALUP_CONFIG,
// ~/.config/dialup/config.toml); the command line wins over it. A mistyped command or option
// is answered with the nearest one ("did you mean 'dial'?").
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
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "dial_session.hpp"
#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/phonebook.hpp"
#include "dialup/engine/text.hpp"
#include "dialup/version.hpp"
#include "file_io.hpp"
#include "line_input.hpp"
#include "phonebook_commands.hpp"
#include "ports_command.hpp"
#include "probe_command.hpp"
#include "import_inf_command.hpp"
#include "profiles_command.hpp"
#include "user_config.hpp"
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

// ---- the top level: --version, --config, and "did you mean" ------------------------------

struct global_options {
  std::string config_file;  // --config
};

void add_global_options(CLI::App& app, global_options& g) {
  app.set_version_flag("--version", std::string("dialup ") + DIALUP_VERSION_STRING, "print the version and exit");
  app.add_option("--config", g.config_file,
                 "the config file (default: $DIALUP_CONFIG, else $XDG_CONFIG_HOME/dialup/config.toml or "
                 "~/.config/dialup/config.toml)")
      ->type_name("FILE");
  // --config after the subcommand too (dialup dial --config FILE ...).
  app.fallthrough();
}

// The names `word` could have been meant as, with their leading dashes.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a; a = a->get_parent()) {
    for (const auto* o : a->get_options()) {
      for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      for (const auto& sn : o->get_snames()) names.push_back("-" + sn);
    }
  }
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

// "dialup dail": the command is looked at before CLI11 parses, so the answer is the nearest
// command, not CLI11's "a subcommand is required". Returns false (message printed) when
// argv's command is not one.
bool check_command_name(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config") {
      ++i;  // its value
      continue;
    }
    if (a.empty() || a.front() == '-') continue;
    const auto names = subcommand_names(app);
    if (std::find(names.begin(), names.end(), a) != names.end()) return true;
    std::cerr << "dialup: unknown command '" << a << "'";
    if (auto near = dialup::text::nearest(a, names); !near.empty()) std::cerr << " (did you mean '" << near << "'?)";
    std::cerr << "\ndialup: the commands are:";
    for (const auto& n : names) std::cerr << " " << n;
    std::cerr << " (dialup --help)\n";
    return false;
  }
  return true;
}

// After CLI11's message: for each word it did not expect, the nearest option or command of
// the (sub)command it was given to.
void suggest(const CLI::App& app) {
  const CLI::App* at = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const auto* sub : at->get_subcommands([](const CLI::App* s) { return s->parsed(); })) {
      at = sub;
      deeper = true;
      break;
    }
  }
  std::string path = "dialup";
  std::vector<std::string> chain;
  for (const CLI::App* a = at; a && a->get_parent(); a = a->get_parent()) chain.insert(chain.begin(), a->get_name());
  for (const auto& c : chain) path += " " + c;
  // The words nobody took (with fallthrough, a subcommand's go up to the top).
  for (const auto& word : app.remaining(true)) {
    std::string w = word.substr(0, word.find('='));
    std::string near =
        dialup::text::nearest(w, !w.empty() && w.front() == '-' ? option_names(*at) : subcommand_names(*at));
    if (!near.empty()) std::cerr << path << ": '" << w << "': did you mean '" << near << "'?\n";
  }
}

// Takes the entry from the phone book into d.from_phonebook; false (message printed) when
// it cannot be dialled as it is. A Windows port name (COM3) is mapped through the config's
// [ports], unless --port gives the device.
bool take_phonebook_entry(const std::string& file, dialup_cli::dial_options& d, const dialup_cli::user_config& cfg) {
  dialup::phonebook pb;
  if (!dialup_cli::load_phonebook(file, pb)) return false;
  auto* e = pb.find(d.entry_name);
  if (!e) {
    std::cerr << "dialup: " << dialup::describe(std::error_code(dialup::ras_error::cannot_find_phonebook_entry))
              << ": " << d.entry_name << " in " << file << "\n";
    return false;
  }
  // An entry with no port: --port, else the config's [dial] port (else 665 below).
  if (dialup::text::trim(e->port).empty() && !d.sim) {
    if (!d.port.empty()) e->port = d.port;
    else if (cfg.port) e->port = *cfg.port;
  }
  if (auto ec = dialup::check_dialable(*e)) {
    std::cerr << "dialup: " << d.entry_name << ": " << dialup::describe(ec) << "\n";
    return false;
  }
  std::optional<std::string> mapped_port;
  if (d.port.empty() && !d.sim && dialup_cli::is_windows_port_name(e->port)) {
    mapped_port = cfg.map_port(e->port);
    if (!mapped_port) {
      // Opening "COM3" would fail with a bare 615 (the port was not found).
      std::cerr << "dialup: " << e->name << ": the entry's port " << e->port
                << " is a Windows port name: give --port /dev/ttyUSB0, or map it in "
                << (cfg.file.empty() ? dialup_cli::default_config_path() : cfg.file) << " [ports] ("
                << e->port << " = \"/dev/ttyUSB0\")\n";
      return false;
    }
    std::cerr << "dialup: " << e->port << " is " << *mapped_port << " (" << cfg.file << " [ports])\n";
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
  d.from_phonebook = dialup::to_dial_entry(*e, {}, d.profile ? *d.profile : dialup::modem_profile::generic());
  if (mapped_port) d.from_phonebook->port = *mapped_port;
  return true;
}

// Whether one of the scripts of the dial sends the password (\P).
bool scripts_use_password(const dialup_cli::dial_options& d) {
  for (const auto* s : {&d.script, &d.dial_script, &d.callback_script})
    if (s->script && s->script->uses_password()) return true;
  return false;
}

// Splits `phonebook show|remove|set|rename`'s words into the file and the rest: the file is
// left out when the words are one fewer than the command takes (the default phone book is
// then used); for set, when the second word is an assignment.
std::string phonebook_file_of(std::vector<std::string>& words, std::size_t with_file, bool is_set,
                              const dialup_cli::user_config& cfg) {
  bool has_file = is_set ? words.size() >= 2 && words[1].find('=') == std::string::npos : words.size() >= with_file;
  if (has_file) {
    std::string file = words.front();
    words.erase(words.begin());
    return file;
  }
  return cfg.phonebook ? *cfg.phonebook : dialup_cli::default_phonebook_path();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup — a modem dialing engine with the Windows RAS dial model"};
  app.require_subcommand(1);
  global_options global;
  add_global_options(app, global);

  dialup_cli::dial_options d;
  std::string profile_name;
  std::vector<std::string> extra_init;
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
  dial->add_option("--profile", profile_name, "the modem profile to dial with (dialup profiles list; default: the config's dial.profile, else generic)")
      ->type_name("NAME");
  dial->add_option("--init", extra_init, "an init command sent after the profile's (repeatable; checked as a profile's)")
      ->type_name("COMMAND")->allow_extra_args(false);
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
  dial->add_flag("--json", d.json,
                 "JSON lines on stdout: one object per state, error and event (time, state, RAS error "
                 "number and text); messages go to stderr");

  std::string pb_file, pb_entry, wv_file, wv_dialer = "Defaults";
  std::vector<std::string> pb_assignments, pb_words;
  bool pb_create = false;
  auto* pbcmd = app.add_subcommand("phonebook", "read and edit Windows rasphone.pbk phone books, import wvdial.conf");
  pbcmd->require_subcommand(1);
  // FILE may be left out: the config's [dial] phonebook, else ~/.config/dialup/rasphone.pbk.
  const std::string pb_file_help = "[FILE] (default: the config's dial.phonebook, else " +
                                   dialup_cli::default_phonebook_path() + ")";
  auto* pb_list = pbcmd->add_subcommand("list", "list the entries of a phone book");
  pb_list->add_option("file", pb_file, pb_file_help);
  auto* pb_show = pbcmd->add_subcommand("show", "show one entry: [FILE] ENTRY");
  pb_show->add_option("words", pb_words, pb_file_help + " ENTRY (case-insensitive)")
      ->required()->expected(1, 2)->type_name("[FILE] ENTRY");
  auto* pb_set = pbcmd->add_subcommand("set", "set keys of an entry (every other line is kept): [FILE] ENTRY KEY=VALUE...");
  pb_set->add_option("words", pb_words, pb_file_help + " ENTRY, then " + dialup_cli::phonebook_set_help)
      ->required()->expected(2, -1)->type_name("[FILE] ENTRY KEY=VALUE...");
  pb_set->add_flag("--create", pb_create, "make the entry (and the file) if missing: a modem entry");
  auto* pb_remove = pbcmd->add_subcommand("remove", "remove an entry: [FILE] ENTRY");
  pb_remove->add_option("words", pb_words, pb_file_help + " ENTRY (case-insensitive)")
      ->required()->expected(1, 2)->type_name("[FILE] ENTRY");
  auto* pb_rename = pbcmd->add_subcommand("rename", "rename an entry: [FILE] ENTRY NEW-NAME");
  pb_rename->add_option("words", pb_words, pb_file_help + " ENTRY NEW-NAME")
      ->required()->expected(2, 3)->type_name("[FILE] ENTRY NEW-NAME");
  auto* pb_import = pbcmd->add_subcommand("import-wvdial",
                                          "turn a wvdial.conf dialer into a rasphone.pbk entry (stdout; report on stderr)");
  pb_import->add_option("file", wv_file, "wvdial.conf")->required();
  pb_import->add_option("dialer", wv_dialer, "dialer section name (default: Defaults)");

  dialup_cli::ports_options ports_opts;
  auto* ports = app.add_subcommand("ports", "list the serial ports, their USB ids and stable names, and who holds them "
                                            "(no port is opened)");
  ports->add_flag("--all", ports_opts.all, "also serial ports with no UART behind them (ttyS* the kernel reserves)");
  ports->add_flag("--json", ports_opts.json, "one JSON object per port and line");

  // dialup probe (docs/probe.md)
  dialup_cli::probe_cli_options probe_opts;
  auto* probe = app.add_subcommand("probe", "find the modems on serial ports, identify them and build an init string "
                                            "(ports held by another program are not opened)");
  probe->add_option("port", probe_opts.ports, "ports to probe (default: every candidate port; /dev/ttyS0 only when named)");
  probe->add_flag("--json", probe_opts.json, "one JSON object per port and line");
  probe->add_option("--exclude", probe_opts.exclude, "a port never to open (repeatable)")->allow_extra_args(false);
  probe->add_option("--timeout", probe_opts.timeout_ms, "how long the first AT waits at each speed, in ms (default 500)");
  probe->add_option("--write-entry", probe_opts.write_entry, "add a rasphone.pbk entry for each modem found to FILE");
  probe->add_option("--entry-name", probe_opts.entry_name, "the name of the (first) entry --write-entry adds");

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
  auto* profiles = app.add_subcommand("profiles", "the modem profiles: list, show NAME, check FILE...");
  profiles->require_subcommand(1);
  bool profiles_json = false;
  std::string profile_show_name;
  std::vector<std::string> profile_check_files;
  auto* pf_list = profiles->add_subcommand("list", "list the modem profiles and where each was read from");
  pf_list->add_flag("--json", profiles_json, "one JSON object per profile and line");
  auto* pf_show = profiles->add_subcommand("show", "show a profile as TOML, inherits resolved: NAME");
  pf_show->add_option("name", profile_show_name, "the profile's name")->required();
  auto* pf_check = profiles->add_subcommand("check", "check profile files: FILE... (file:line: reason, exit 1)");
  pf_check->add_option("files", profile_check_files, "profile files (TOML)")->required();
  std::string inf_file, inf_model, inf_output;
  auto* pf_import = profiles->add_subcommand(
      "import-inf", "turn a Windows modem INF's model into a profile file: FILE.inf [MODEL]");
  pf_import->add_option("inf", inf_file, "the INF file (at most 4 MiB)")->required();
  pf_import->add_option("model", inf_model,
                        "the model: its description, install section or a hardware id "
                        "(USB\\VID_0572&PID_1329); needed when the INF lists several");
  pf_import->add_option("-o,--output", inf_output, "write the profile to FILE (default: standard output)")
      ->type_name("FILE");
  probe->add_option("--write-profile", probe_opts.write_profile,
                    "write a modem profile (TOML) for the (first) modem found to FILE")->type_name("FILE");
  std::string status_profile;

  auto* status = app.add_subcommand("status", "ask a modem who it is and, if cellular, its SIM, signal, "
                                              "registration and operator (only queries are sent)");
  status->add_option("--port", status_opts.port, "the modem's tty or rfc2217://host:port")->required();
  status->add_flag("--cellular", status_opts.cellular, "ask the cellular questions even if AT+CPIN? fails");
  status->add_flag("--json", status_opts.json, "one JSON object");
  status->add_option("--baud", status_opts.baud, "port speed in bit/s (default 115200)");
  status->add_option("--profile", status_profile, "the modem profile to ask with (default: the config's dial.profile, else generic)")
      ->type_name("NAME");

  if (!check_command_name(app, argc, argv)) return 1;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (the help for --help, which is a success). Every usage
    // error is status 1, as documented, not CLI11's own numbers (105, 106, ...).
    const int rc = app.exit(e);
    if (rc != 0) suggest(app);
    return rc == 0 ? 0 : 1;
  }

  // The config file: command line > config > built-in defaults.
  dialup_cli::user_config cfg;
  {
    std::string error;
    if (!dialup_cli::load_user_config(global.config_file, cfg, error)) {
      std::cerr << "dialup: " << error << "\n";
      return 1;
    }
  }

  if (pb_list->parsed())
    return dialup_cli::phonebook_list(!pb_file.empty() ? pb_file
                                      : cfg.phonebook ? *cfg.phonebook
                                                      : dialup_cli::default_phonebook_path());
  if (pb_show->parsed()) {
    pb_file = phonebook_file_of(pb_words, 2, false, cfg);
    if (pb_words.size() != 1) return std::cerr << "dialup phonebook show: give [FILE] ENTRY\n", 1;
    return dialup_cli::phonebook_show(pb_file, pb_words[0]);
  }
  if (pb_set->parsed()) {
    pb_file = phonebook_file_of(pb_words, 3, true, cfg);
    if (pb_words.size() < 2) return std::cerr << "dialup phonebook set: give [FILE] ENTRY KEY=VALUE...\n", 1;
    pb_entry = pb_words.front();
    pb_assignments.assign(pb_words.begin() + 1, pb_words.end());
    // The default phone book's directory (~/.config/dialup) is made on first use.
    if (pb_create && pb_file == dialup_cli::default_phonebook_path()) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(pb_file).parent_path(), ec);
    }
    return dialup_cli::phonebook_set(pb_file, pb_entry, pb_assignments, pb_create);
  }
  if (pb_remove->parsed()) {
    pb_file = phonebook_file_of(pb_words, 2, false, cfg);
    if (pb_words.size() != 1) return std::cerr << "dialup phonebook remove: give [FILE] ENTRY\n", 1;
    return dialup_cli::phonebook_remove(pb_file, pb_words[0]);
  }
  if (pb_rename->parsed()) {
    pb_file = phonebook_file_of(pb_words, 3, false, cfg);
    if (pb_words.size() != 2) return std::cerr << "dialup phonebook rename: give [FILE] ENTRY NEW-NAME\n", 1;
    return dialup_cli::phonebook_rename(pb_file, pb_words[0], pb_words[1]);
  }
  if (pb_import->parsed()) return dialup_cli::phonebook_import_wvdial(wv_file, wv_dialer);
  if (ports->parsed()) return dialup_cli::ports_command(ports_opts);
  if (probe->parsed()) {
    // The config's exclusions add to --exclude (docs/probe.md §3).
    probe_opts.exclude.insert(probe_opts.exclude.end(), cfg.probe.exclude.begin(), cfg.probe.exclude.end());
    for (const auto& u : cfg.probe.exclude_usb) probe_opts.exclude_usb.emplace_back(u.vid, u.pid);
    return dialup_cli::probe_command(probe_opts);
  }
  if (pf_list->parsed()) return dialup_cli::profiles_list(profiles_json);
  if (pf_show->parsed()) return dialup_cli::profiles_show(profile_show_name);
  if (pf_check->parsed()) return dialup_cli::profiles_check(profile_check_files);
  if (pf_import->parsed()) return dialup_cli::run_import_inf(inf_file, inf_model, inf_output, std::cerr);
  if (status->parsed()) {
    if (status_profile.empty() && cfg.profile) status_profile = *cfg.profile;
    if (!status_profile.empty()) {
      status_opts.profile = dialup_cli::find_profile(status_profile, "dialup status");
      if (!status_opts.profile) return 1;
    }
    return dialup_cli::status_command(status_opts);
  }
  if (!dial->parsed()) return 1;

  if (!d.apn.empty()) d.cellular = true;
  if (auto why = dialup::cellular::apn_problem(d.apn)) {
    std::cerr << "dialup dial: --apn: " << *why << "\n";
    return 1;
  }

  // The config's defaults for what the command line leaves out: the entry (when nothing
  // else says what to dial), the phone book it is in, the port.
  if (!d.sim && d.entry_name.empty() && d.phone.empty() && phonebook_file.empty() && cfg.entry)
    d.entry_name = *cfg.entry;
  if (!d.entry_name.empty() && phonebook_file.empty())
    phonebook_file = cfg.phonebook ? *cfg.phonebook : dialup_cli::default_phonebook_path();
  if (!d.sim && d.port.empty() && phonebook_file.empty() && cfg.port) d.port = *cfg.port;

  if (!d.sim && phonebook_file.empty() && (d.port.empty() || (d.phone.empty() && !d.cellular))) {
    std::cerr << "dialup dial: give --sim, --phonebook with --entry, or both --port and --phone"
              << " (or set them in " << (cfg.file.empty() ? dialup_cli::default_config_path() : cfg.file)
              << ": [dial] port, entry)\n";
    return 1;
  }
  if (d.sim && !d.port.empty()) {
    std::cerr << "dialup dial: --sim and --port exclude each other\n";
    return 1;
  }
  // The modem profile: --profile, else the config's dial.profile, else the generic one.
  if (profile_name.empty() && cfg.profile) profile_name = *cfg.profile;
  if (!profile_name.empty()) {
    d.profile = dialup_cli::find_profile(profile_name, "dialup dial");
    if (!d.profile) return 1;
  }
  for (const auto& c : extra_init) {
    if (auto why = dialup_cli::init_option_problem(c); !why.empty()) {
      std::cerr << "dialup dial: --init '" << c << "': " << why << "\n";
      return 1;
    }
    d.extra_init.push_back(c);
  }
  if (!script_file.empty() && !load_script(script_file, d.script)) return 1;
  if (!dial_script_file.empty() && !load_script(dial_script_file, d.dial_script)) return 1;
  if (!callback_script_file.empty() && !load_script(callback_script_file, d.callback_script)) return 1;
  if (!phonebook_file.empty() || !d.entry_name.empty()) {
    if (phonebook_file.empty() || d.entry_name.empty()) {
      std::cerr << "dialup dial: --phonebook and --entry go together\n";
      return 1;
    }
    if (!take_phonebook_entry(phonebook_file, d, cfg)) return 1;
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
  } else if (scripts_use_password(d) && (input->is_terminal() || !d.ask)) {
    // The script would send an empty password and the login fail with 691: ask now at a
    // terminal, else say what to do before anything is dialled (with --ask, the refused
    // login's RetryAuthentication asks for it on standard input).
    if (!input->is_terminal() && !d.ask) {
      std::cerr << "dialup dial: the script sends the password (\\P), but no password was given "
                   "(use --password-stdin or DIALUP_PASSWORD)\n";
      return 1;
    }
    auto line = input->read_line("Password: ", true);
    if (!line) {
      std::cerr << "dialup dial: no password was given (use --password-stdin or DIALUP_PASSWORD)\n";
      return 1;
    }
    d.params.password = std::move(*line);
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
