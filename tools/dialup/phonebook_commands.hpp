// phonebook_commands — `dialup phonebook ...`: read, edit and write rasphone.pbk files,
// import wvdial.conf dialers. Each command prints its result (or "dialup: ..." on stderr)
// and returns the program's exit status: 0 done, 1 refused (bad file, missing entry, ...).
// Files are read with dialup::phonebook::load / wvdial_config::load, so a phone book larger
// than 16 MiB or a wvdial.conf larger than 1 MiB is refused ("FILE: larger than 16 MiB")
// before anything is parsed or written.
//
// Edits (set, remove, rename) go through dialup::phonebook's edit/serialize API, so every
// line the command does not change — unknown keys, comments, other entries — is written
// back as it was. The file is replaced atomically (file_io.hpp); a file that does not parse
// is refused with file:line: reason and is never written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/phonebook.hpp"

namespace dialup_cli {

// Loads a rasphone.pbk; false (with "dialup: file:line: reason" on stderr) when it cannot.
bool load_phonebook(const std::string& path, dialup::phonebook& pb);

int phonebook_list(const std::string& path);
int phonebook_show(const std::string& path, const std::string& name);
// Writes the dialer as a phone-book entry on stdout and the import report on stderr. A
// phone number the engine would refuse to dial (dialup::check_dial_string: ';', an AT
// command, ...) is left out with a "refused:" line naming section, key and why; the rest is
// written and the status is then 2.
int phonebook_import_wvdial(const std::string& path, const std::string& dialer);

// KEY=VALUE assignments to one entry (dialup::set_entry_key: the keys dialup interprets are
// checked and go through the entry's typed fields); with `create` a missing entry is made
// (a modem entry laid out as Windows XP writes one; a missing file then starts empty), else
// 623.
int phonebook_set(const std::string& path, const std::string& name,
                  const std::vector<std::string>& assignments, bool create);
int phonebook_remove(const std::string& path, const std::string& name);
int phonebook_rename(const std::string& path, const std::string& from, const std::string& to);

// The help text of `phonebook set`'s assignments.
extern const char* const phonebook_set_help;

}  // namespace dialup_cli
