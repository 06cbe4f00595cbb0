// phonebook_commands — `dialup phonebook ...`: read, edit and write rasphone.pbk files,
// import wvdial.conf dialers. Each command prints its result (or "dialup: ..." on stderr)
// and returns the program's exit status: 0 done, 1 refused (bad file, missing entry, ...).
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
int phonebook_import_wvdial(const std::string& path, const std::string& dialer);

// KEY=VALUE assignments to one entry; with `create` a missing entry is made (a modem entry
// laid out as Windows XP writes one; a missing file then starts empty), else 623.
int phonebook_set(const std::string& path, const std::string& name,
                  const std::vector<std::string>& assignments, bool create);
int phonebook_remove(const std::string& path, const std::string& name);
int phonebook_rename(const std::string& path, const std::string& from, const std::string& to);

// Sets one key of an entry. The keys dialup interprets go through the typed fields, so
// what depends on them follows (PreferredPort with Port, a PhoneNumber group's lines, a MEDIA
// or DEVICE subsection when there is none): PhoneNumber AreaCode CountryCode CountryID
// UseDialingRules Comment (of the first number); Port Device ConnectBPS; Type RedialAttempts
// RedialSeconds IdleDisconnectSeconds RedialOnLinkFailure PreviewPhoneNumber;
// TryNextAlternateOnFail PromoteAlternates; HwFlowControl Protocol Compression Speaker (an
// empty value: not set). Any other key is changed where it is — at the entry level, in link
// 1's MEDIA or in its modem DEVICE subsection — or added at the entry level. The subsection
// keys (MEDIA, DEVICE, NETCOMPONENTS) and the switch keys (Name, Terminal) are refused.
// Returns "" or why the key was refused; on refusal the entry may be partly changed (the
// caller then writes nothing).
std::string set_entry_key(dialup::phonebook_entry& e, std::string_view key, std::string_view value);

// The help text of `phonebook set`'s assignments.
extern const char* const phonebook_set_help;

}  // namespace dialup_cli
