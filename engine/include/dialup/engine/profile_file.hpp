// dialup::profile_file — modem profiles as TOML files (docs/profiles.md).
//
// A profile file says everything the engine needs to drive one kind of modem: the reset,
// the init steps, the dial string's pieces, blind dialling, the escape and hang-up, the
// answer, the response table, the reply -> RAS error table, how `dialup probe` recognises
// the modem and, for a 3GPP modem, its cellular settings. It plays the part of a Unimodem
// INF's AddReg keys (docs/ras-model.md §8.1-§8.3) with the key names docs/profiles.md lists.
//
// parse_profile() reads one file onto a base profile (the generic one, or the profile it
// `inherits`); every problem comes back as "file:line: reason" and no profile is given
// when there is one (nothing is half-loaded). to_toml() writes a profile back as a file that
// parses to the same profile. profile_set holds the built-in profiles (data/modems, embedded
// at build time) and the directories a user or the system adds, later ones overriding
// earlier ones by name.
//
// Thread safety: none of these touch shared state; a profile_set is a value (distinct
// objects may be used from different threads; one object is not synchronised).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/modem_profile.hpp"

namespace dialup {

// Limits on what a profile file may hold (docs/profiles.md §5).
struct profile_limits {
  static constexpr std::size_t file_bytes = 256 * 1024;
  static constexpr std::size_t string_bytes = 512;
  static constexpr std::size_t command_bytes = 255;  // after AT: Hayes' command-line buffer
  static constexpr std::size_t init_steps = 32;
  static constexpr std::size_t responses = 256;
  static constexpr std::size_t list_items = 64;  // each identify list, registration queries
  static constexpr std::size_t error_entries = 256;
  static constexpr std::size_t inherit_depth = 16;
  static constexpr std::size_t files_per_directory = 256;
};

struct profile_error {
  std::string file;
  std::size_t line = 0;  // 0: the file as a whole
  std::string reason;
  // "file:line: reason" (or "file: reason" without a line).
  std::string text() const;
};

struct profile_parse_result {
  std::optional<modem_profile> profile;  // set only when errors is empty
  std::string inherits;                  // the file's `inherits`, "" for none
  std::vector<profile_error> errors;
};

// Reads one profile file onto `base` (what its keys leave alone keeps the base's value).
// `source` names the file in errors; `default_name` is the profile's name when the file has
// no `name` key (the file's stem). The file's `inherits` is returned, not followed: the
// caller passes the inherited profile as base (profile_set does).
profile_parse_result parse_profile(std::string_view text, std::string_view source,
                                   const modem_profile& base = modem_profile::generic(),
                                   std::string_view default_name = {});

// The profile as a TOML file: every key, so it stands alone (no `inherits`); parsed with
// parse_profile onto the generic profile (as profile_set reads a file without inherits) it
// gives the same profile back. The response table is written as the entries ahead of the
// generic table when it ends with it, else whole with responses_replace = true.
std::string to_toml(const modem_profile& profile);

// Why `command` cannot be a profile's (or --init's) AT command, or "" if it can: a CR, LF,
// NUL or other control character, a ';' that would chain another command line, a command
// that does not start with AT, longer than Hayes' 255-character buffer, or (for an init
// step) one that dials.
std::string profile_command_problem(std::string_view command, bool init_step = false);

// Where a profile_set looks (docs/profiles.md §4), in order, later overriding earlier:
// the built-ins, `<prefix>/share/dialup/modems` of the installed program, /etc/dialup/modems,
// then $XDG_CONFIG_HOME/dialup/modems (else ~/.config/dialup/modems).
std::vector<std::filesystem::path> default_profile_directories();

class profile_set {
 public:
  // The built-in profiles only (data/modems at build time).
  static profile_set builtin();
  // The built-ins, then every directory of default_profile_directories() that exists.
  static profile_set load_default();

  // Adds every *.toml file of `dir` (in name order) as a layer above what is loaded. A file
  // with errors is left out whole and its errors kept; a directory that does not exist adds
  // nothing and is no error.
  void add_directory(const std::filesystem::path& dir);
  // Adds one file's text as a layer above what is loaded (`source` names it in errors).
  void add_text(std::string_view text, std::string source);

  // The resolved profile of that name (inherits followed), or nullopt.
  std::optional<modem_profile> find(std::string_view name) const;
  // Every resolved profile, by name; a name defined twice counts once (the later file).
  std::vector<modem_profile> all() const;
  // Where the profile of that name was read from ("built-in:generic.toml", a path).
  std::string source_of(std::string_view name) const;
  // The problems found so far: files that did not parse, inherits that do not resolve.
  std::vector<profile_error> errors() const;

 private:
  struct file_entry {
    std::string name;
    std::string inherits;
    std::string source;
    std::string text;
  };
  std::optional<modem_profile> resolve(std::size_t index, std::vector<std::size_t>& chain,
                                       std::vector<profile_error>* errors) const;
  std::vector<file_entry> files_;
  std::vector<profile_error> load_errors_;
};

}  // namespace dialup
