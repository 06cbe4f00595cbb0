// file_io — whole-file reads and atomic replacement, for scripts and phone books.
#pragma once

#include <string>

namespace dialup_cli {

// Reads a whole file. false (with "cannot open FILE: reason" in `error`) on failure.
bool read_file(const std::string& path, std::string& out, std::string& error);

// Replaces `path` with `text` atomically: the text goes to a temporary file in the same
// directory, which is flushed to disk and renamed over the file, so a reader sees the old
// file or the new one, never a part of either. A symbolic link is followed (the file it
// points to is replaced); an existing file's permission bits (and, as root, its owner) are
// kept; a new file gets 0666 less the umask. On failure the old file is untouched, the
// temporary file removed, and `error` says why.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace dialup_cli
