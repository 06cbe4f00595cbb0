// user_config — the user's defaults for dialup, from a TOML file (docs/cli.md §2).
//
// Where it is (the first that applies):
//   1. --config FILE                       (the file must exist)
//   2. $DIALUP_CONFIG                      (the file must exist)
//   3. $XDG_CONFIG_HOME/dialup/config.toml (XDG Base Directory Specification; missing: none)
//   4. $HOME/.config/dialup/config.toml    (missing: no config)
//
// What it holds (every key optional; any other key is an error):
//
//   [dial]
//   port = "/dev/ttyUSB0"          # the port when neither --port nor a phone-book entry gives one
//   profile = "usr-courier"        # the modem profile name when --profile is not given
//   phonebook = "~/dialup.pbk"     # the phone book when --phonebook is not given
//   entry = "My ISP"               # the entry to dial when no --entry, --phone or --sim is given
//
//   [ports]                        # Windows port names in phone-book entries -> devices
//   COM3 = "/dev/ttyUSB0"          # (names matched case-insensitively)
//
//   [probe]
//   exclude = ["/dev/ttyS0"]       # ports `dialup probe` never opens
//   exclude_usb = ["1a86:7523"]    # USB vendor:product ids (hex) it never opens
//
// Precedence: the command line, then the config file, then dialup's built-in defaults.
// A leading "~/" in a path is the home directory. Without [dial] phonebook, the phone book is
// default_phonebook_path(): $XDG_CONFIG_HOME/dialup/rasphone.pbk, else
// $HOME/.config/dialup/rasphone.pbk.
//
// Errors (the loader's false, with "FILE:LINE: reason"; nothing is kept of a bad file): a
// file larger than max_user_config_bytes; TOML syntax (toml++'s reason); an unknown table or
// key ("unknown key 'dial.prot' (did you mean 'dial.port'?)"); a value of the wrong type
// ("dial.port must be a string, not an integer"); an empty string; a [ports] name that is
// not COM<n> or a device that is not an absolute path; an exclude_usb id that is not
// "vvvv:pppp" hex.
//
// Thread safety: plain values; load_user_config reads files and the environment only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dialup_cli {

inline constexpr std::size_t max_user_config_bytes = std::size_t{64} << 10;  // 64 KiB

// A USB vendor:product pair (probe.exclude_usb).
struct usb_id {
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
  bool operator==(const usb_id&) const = default;
};

struct probe_config {
  std::vector<std::string> exclude;  // device paths, as written (after "~/" expansion)
  std::vector<usb_id> exclude_usb;
  // Whether `dialup probe` is to leave this port alone.
  bool excludes(const std::string& path, std::optional<std::uint16_t> vid = std::nullopt,
                std::optional<std::uint16_t> pid = std::nullopt) const;
};

struct user_config {
  std::string file;  // the file it was read from; "" when there was none

  // [dial]
  std::optional<std::string> port;
  std::optional<std::string> profile;
  std::optional<std::string> phonebook;
  std::optional<std::string> entry;

  // [ports]: upper-case Windows name ("COM3") -> device.
  std::map<std::string, std::string> ports;

  probe_config probe;

  // The device a Windows port name maps to, or nullopt (not mapped; not a Windows name).
  std::optional<std::string> map_port(const std::string& windows_name) const;
};

// "COM1" .. "COM256", any case: a Windows serial port name.
bool is_windows_port_name(const std::string& name);

// Where the config file is looked for when neither --config nor DIALUP_CONFIG is given; ""
// when neither XDG_CONFIG_HOME nor HOME is set.
std::string default_config_path();
// The phone book used when neither --phonebook nor [dial] phonebook is given.
std::string default_phonebook_path();

// Parses a config text (file_name for the messages). false, with "file:line: reason" in
// `error`, when it is not valid; `out` is then untouched.
bool parse_user_config(const std::string& text, const std::string& file_name, user_config& out,
                       std::string& error);

// Finds and reads the config file (explicit: --config's value, or ""). A missing file at the
// default place is no error (out = defaults); a missing --config or DIALUP_CONFIG file is.
bool load_user_config(const std::string& explicit_path, user_config& out, std::string& error);

}  // namespace dialup_cli
