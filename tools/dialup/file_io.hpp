// file_io — whole-file reads and atomic replacement, for scripts and phone books.
#pragma once

#include <cstddef>
#include <string>

namespace dialup_cli {

// How much of each kind of file dialup reads, at most. A chat script is a few hundred
// bytes; a phone book or a wvdial.conf with thousands of entries is well under a MiB.
inline constexpr std::size_t max_script_bytes = std::size_t{1} << 20;      // 1 MiB
inline constexpr std::size_t max_phonebook_bytes = std::size_t{16} << 20;  // 16 MiB, wvdial.conf too

// Reads a whole file of at most `max_bytes`. false, with the reason in `error`, when it
// cannot be opened or read ("cannot open FILE: reason"), is a directory ("FILE is a
// directory"), is longer ("FILE is larger than N KiB": never more than max_bytes + 1 bytes
// are read, whatever stat says — /dev/zero has size 0), or is a FIFO no program is
// writing to ("FILE is a FIFO and no program has it open for writing"; a pipe with a writer,
// such as the shell's <(command) or /dev/stdin, is read to its end). A terminal is read
// until end of file (Ctrl-D).
bool read_file(const std::string& path, std::string& out, std::string& error,
               std::size_t max_bytes = max_phonebook_bytes);

// Replaces `path` with `text` atomically: the text goes to a temporary file in the same
// directory, which is flushed to disk and renamed over the file, so a reader sees the old
// file or the new one, never a part of either. A symbolic link is followed (the file it
// points to is replaced); an existing file's permission bits (and, as root, its owner) are
// kept; a new file gets 0666 less the umask. On failure the old file is untouched, the
// temporary file removed, and `error` says why.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace dialup_cli
