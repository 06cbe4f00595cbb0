// Internals shared by the chat-script sources: chat's limits, the token the lexer hands the
// parser, chat's escape processing (used by the parser, and by the runner for an @file read
// when it is sent) and the display forms of strings and patterns.
//
//   chat_escapes.cpp   chat's clean(): escapes in expect and send strings; the %v display form
//   chat_lexer.cpp     script text or words -> tokens (quotes, comments, the extensions pragma)
//   chat_parser.cpp    tokens -> chat_script (keywords, sub-expects, REGEX, ANY, CALLBACK)
//   chat_runner.cpp    running a chat_script against a peer, sans-I/O
//   chat_outcome.cpp   outcomes and actions: their text and the RAS error a dialer gets
//
// The language itself is described in chat_script.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/chat_script.hpp"

namespace dialup::chat_detail {

// chat's limits (ppp-project/ppp: chat/chat.c).
inline constexpr std::size_t buffer_size = 1024;     // STR_LEN
inline constexpr std::size_t max_abort_len = 49;     // sizeof(fail_buffer) - 1
inline constexpr std::size_t max_strings = 50;       // MAX_ABORTS, MAX_REPORTS
inline constexpr std::size_t report_capacity = 33;   // 50-byte report_buffer less NUL and time stamp
inline constexpr int default_timeout = 45;           // DEFAULT_CHAT_TIMEOUT
inline constexpr int callback_exit_code = 64;        // ours: chat's codes end at 4 + 49 = 53
inline constexpr std::string_view redaction = "********";
inline constexpr std::string_view extensions_pragma = "#dialup: extensions";

// ---- tokens (chat_lexer.cpp) ------------------------------------------------------------

struct token {
  std::string text;
  chat_location where;  // of the token's first character (the quote, when quoted)
  int content_column = 0;  // column of text[0]
  bool extensions = false;
};

// Script text as chat -f reads it. `extensions` is the parse option; the pragma line turns
// extensions on for the tokens after it. On an unterminated quote returns false and fills
// `error`.
bool tokenize_text(std::string_view text, bool extensions, std::vector<token>& out,
                   chat_syntax_error& error);
// The command-line form: one token per word.
std::vector<token> tokenize_words(const std::vector<std::string>& words, bool extensions);

// ---- escapes (chat_escapes.cpp) ---------------------------------------------------------

struct clean_error {
  std::size_t offset = 0;
  std::string reason;
};

// chat's clean(s, 0): an expect, ABORT or REPORT string. Strict: the escapes the man page calls
// "not valid in expect" are errors; lenient gives chat's own reading of them.
std::optional<std::string> clean_expect(std::string_view s, bool strict, clean_error& err);

// chat's clean(s, 1) followed by put_string's reading of \d \p \K: a send string's pieces.
bool clean_send(std::string_view s, bool strict, chat_send_string& out, bool& add_cr,
                clean_error& err);

// A send token as chat_send() reads it: EOT, BREAK, @file, or a send string.
bool make_send(std::string_view text, chat_location where, bool strict, chat_send_string& out,
               clean_error& err);

// ---- display forms (chat_escapes.cpp) ---------------------------------------------------

// chat's %v: control characters as ^X, DEL as ^?, the high bit as M-.
std::string visible(std::string_view s);
std::string quoted(std::string_view s);                // "..." around visible(s)
std::string send_display(const chat_send_string& s);  // quiet and @file sends as ********
std::string pattern_display(const chat_pattern& p);   // "ogin:" or REGEX "..."

}  // namespace dialup::chat_detail
