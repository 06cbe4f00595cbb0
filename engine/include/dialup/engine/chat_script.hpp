// dialup::chat_script, dialup::chat_runner — login scripts in the language of pppd's chat(8).
//
// A script written for chat runs here unchanged: expect-send pairs, sub-expects
// (`ogin:-BREAK-ogin:`), '' and "" for the empty string, the keywords ABORT, CLR_ABORT,
// REPORT, CLR_REPORT, TIMEOUT, SAY, ECHO, HANGUP, the sends EOT and BREAK and @file, the escapes
// \b \c \d \K \n \N \p \q \r \s \t \\ \T \U \ddd and ^C, quoting with ' and ", and # comment
// lines (chat(8); ppp-project/ppp: chat/chat.c; docs/peers.md §3). Behaviour follows chat.c where the
// man page is silent:
//
//  * Tokens alternate expect, send, expect, send... across lines. A keyword is recognised only
//    in an expect position, and takes the next token (the send position) as its argument; a
//    keyword word in a send position is sent as text, as chat does.
//  * Quotes only group: 'a-b' as an expect is still the sub-expect a, b. A quoted token ends at
//    its closing quote (chat starts the next token right after it). A backslash inside quotes
//    protects the next character. A raw CR in a file (CRLF line ends) is part of the token, as
//    with chat. Comment lines have # in column 1.
//  * Matching: every received byte has its parity bit cleared (chat reads with ISTRIP and keeps 7
//    bits; NUL bytes stay in the buffer and simply fail to match). After each byte, the text
//    received since the expect (or sub-expect) began is checked: REPORT strings first, then the
//    expect string (it matches when the text ends with it — a substring match, case-sensitive),
//    then the ABORT strings in order, then (an extension, below) the CALLBACK strings in order,
//    matched as ABORT strings are. The first that matches decides: an expect that completes at
//    the same byte as an ABORT or CALLBACK string wins, and an ABORT string beats a CALLBACK
//    string. A buffer of 1024 bytes rolls as in chat.
//  * Timing: chat writes each byte of a send string after a 10 ms pause (usleep(10000) before
//    every byte, the first included), \d sleeps 1 s, \p 10 ms (the man page says 1/10 s; chat.c
//    and this module use 10 ms), \K sends a break (tcsendbreak(fd, 0): 250 ms on Linux). A send
//    ends with CR unless it ends with \c. EOT sends ^D and BREAK a break, neither with CR.
//  * TIMEOUT n applies to the expects that follow (default 45 s; n <= 0 or not a number resets
//    to 45 as chat's atoi() does). A timed-out expect sends its sub-send, if it has one, and
//    waits for the next sub-expect; with no sub-send the script fails with exit code 3.
//  * REPORT strings are one-shot, as in chat: the first time one is seen, its text and the rest of
//    the line up to the next control character become a report. chat's 50-byte report buffer
//    includes a 16-character time stamp, so a report holds at most 33 characters; we leave the
//    time stamp to the caller, who owns the clock. When the script ends while a report line is
//    still arriving, the runner keeps reading it (up to 1 s per byte, as chat's terminate() does)
//    before it gives the outcome.
//  * Exit codes are chat's: 0 success, 1 bad script/@file, 2 hang-up (SIGHUP), 3 timeout, 4 + n
//    for the ABORT string at index n (n from 0: the first ABORT string gives 4), where the index
//    is the string's position in chat's packed array at the time of the match (CLR_ABORT packs).
//    Ours: 64 for a CALLBACK string (chat never exits with 64: its codes end at 4 + 49 = 53).
//
// Syntax errors are code 752 (ERROR_SCRIPT_SYNTAX) with line, column and reason. Always: an
// unterminated quote; ABORT/REPORT strings of 50 bytes or more and more than 50 of them live at
// once (chat's fatal errors, found at parse time here); the same limits for CALLBACK strings, and
// an empty one (it would match the first byte received); a bad REGEX or a malformed ANY. Unless
// chat_parse_options::strict is false (then we read them as chat does): an escape the man page
// marks "not valid in expect" used in an expect, ABORT, REPORT or CALLBACK string (\c \d \K \N
// \0 \p \q \T \U, and our \P and \B); \c anywhere but at the end of a send; a keyword at the end
// of the script with no argument (chat ignores it).
//
// Substitutions (send strings only; SAY shows them too): \T is the phone number (chat -T), \U the
// user name (chat -U; chat calls it the second phone number), and — our extensions — \P the
// password and \B the callback number (the number a callback server is to call back; not a
// secret). Each one that is not supplied to the runner is sent as its letter, exactly as chat
// sends "T" for \T without -T, so a classic script that happens to contain \P or \B means what
// it meant to chat unless a password or callback number is given. \P and \B work with or
// without extensions on.
//
// Extensions (off unless parse options say `extensions = true`, or the script contains the
// comment line `#dialup: extensions`, which chat skips as a comment; they apply to the tokens
// after it). With extensions off, every word is read as chat reads it, so no chat script changes
// meaning. With them on, three more keywords are recognised in expect positions:
//
//   REGEX <pattern> <send>
//       Expect a match of the regular expression <pattern>, then send <send>. The pattern is
//       RE2 syntax (https://github.com/google/re2/wiki/Syntax: the Perl/ECMAScript forms people
//       write, such as [Pp]ass(word|code): *$, \d, \s, {n,m}, alternation and groups), given
//       as written (chat escapes are not applied: \r, \n, \d, \s are the regex's own). No
//       sub-expects. RE2 matches in time linear in the text and never backtracks, so no pattern
//       and no far end can make matching slow; the price is that back-references (\1, \k<n>)
//       and look-around ((?=...), (?!...), (?<=...)) are refused as syntax errors (752).
//
//   ANY <expect> <send> [<expect> <send>]... END
//       Wait for whichever alternative comes first; send the send of the one that matched, then
//       continue after END. An alternative's expect is a literal expect string (chat escapes;
//       '-' is literal here, there are no sub-expects) or REGEX <pattern>. Every alternative has
//       exactly one send token (use \c to send nothing). When two alternatives match at the same
//       byte, the first one written wins. The runner reports which one matched (a `matched`
//       action with its index). ABORT strings, REPORT and TIMEOUT apply as for a plain expect.
//
//   Anchoring rule for REGEX: after every received byte, the pattern is searched for in the
//   text received since the expect began (parity bits cleared, at most the last 1024 bytes), in
//   multi-line mode: `^` matches at the start of that text and after an LF, `$` at the end of
//   what has arrived so far and before an LF (a CR is an ordinary character: write `\r?$` or
//   `\r` where a line ends in CR). Because the test runs at every byte, a pattern matches as
//   soon as it can: `CONNECT [0-9]+` matches at "CONNECT 3"; write `CONNECT [0-9]+\r` to wait
//   for the whole number. A pattern RE2 cannot compile, or one too large for its memory budget,
//   is a syntax error (752) with RE2's reason.
//
//   Example (a terminal server that says either "login:" or "Username:", then a password
//   prompt spelt one way or another):
//       #dialup: extensions
//       ABORT BUSY ABORT 'NO CARRIER'
//       '' ATZ
//       OK ATDT\T
//       REGEX 'CONNECT( [0-9]+)?\r' ''
//       ANY
//         ogin:      \U
//         sername:   \U
//       END
//       REGEX '[Pp]ass(word|code): *$' \P
//
//   Inside ANY, the word END in an expect position ends the block (write \END to expect the
//   text END: an unknown escape is the character itself, as in chat). An ANY times out as a
//   whole, with exit code 3; an empty alternative is a syntax error.
//
//   CALLBACK <string>
//       Declare a string that means "the server is going to call us back". Like an ABORT string
//       it is checked after every byte of every later expect (plain, REGEX and ANY; after the
//       ABORT strings), with the same escapes and limits (at most 49 bytes, at most 50 of them;
//       there is no CLR_CALLBACK). When one is seen, the script ends with chat_result::callback,
//       exit code 64, and the string in chat_outcome::callback_string. That is not a failure:
//       chat_outcome::error() is empty for it, and the dialer decides what to do (hang up and
//       wait for the call). Several CALLBACK strings may be declared; the first written that
//       matches is the one reported. Inside ANY, the word CALLBACK is an alternative's text.
//
//   Example (a callback server: it asks for the number to call back, says so, and hangs up):
//       #dialup: extensions
//       ABORT incorrect
//       CALLBACK 'alling you back'
//       ogin: \U
//       assword: \P
//       'allback number:' \B
//       'logged in' ''
//
// Secrets: every send action carries the real bytes and a redacted form in which bytes that came
// from \P, and whole send strings marked \q or read from @file, are replaced by "********". Say
// texts show \P as "********"; echo and report texts have any occurrence of the password
// replaced by "********" before they leave the runner. Nothing this module returns for display
// (describe, to_string, actions' text/redacted, outcomes) holds the password.
//
// Differences from chat 2.4.9 that remain (besides strictness and the extensions): SAY gets no
// CR appended; reports carry no time stamp; -E ($VAR) substitution is not supported; values
// substituted for \T \U \P \B are sent literally (chat would interpret backslashes in a -T
// value); chat -t 0 (no timeout at all) becomes 45 s; lines are not cut at 1023 bytes as fgets()
// cuts them.
//
// Thread safety: none; a chat_script is immutable after parse and may be shared between threads
// for reading; a chat_runner is used by one thread at a time. No I/O, no clock: time comes in as
// arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace re2 {
class RE2;
}

namespace dialup {

using chat_clock = std::chrono::steady_clock;

// Where a token starts: 1-based line and byte column for script text; for the word-vector form,
// `line` is the 1-based word number and `column` the 1-based byte within that word.
struct chat_location {
  int line = 0;
  int column = 0;
  friend bool operator==(const chat_location&, const chat_location&) = default;
};

struct chat_parse_options {
  int timeout_seconds = 45;  // chat -t
  bool echo = false;         // chat -e
  bool extensions = false;   // REGEX, ANY, CALLBACK (see above); also by "#dialup: extensions"
  // true: the escapes chat(8) calls invalid where they are used, and a keyword with no argument,
  // are syntax errors (see above). false: accept exactly what chat accepts, with chat's reading
  // (\d in an expect matches "d", \T there matches "\T", \c inside a send sends "c", a trailing
  // keyword is ignored). Limits (quotes, string lengths, 50 strings) apply either way.
  bool strict = true;
  // A script longer than this (bytes of text, or of all words together) is refused with 752
  // before anything is parsed: a real login script is a few hundred bytes, and parsing is
  // linear but not free (about 3 MB/s), so a runaway file cannot hold up the dial.
  std::size_t max_bytes = 1 << 20;
};

// A syntax error: code() is ras_error::script_syntax (752).
struct chat_syntax_error {
  chat_location where;
  std::string reason;
  std::error_code code() const;
  std::string to_string() const;  // "line 3, column 7: unterminated quote"
};

class chat_parse_error : public std::system_error {
 public:
  explicit chat_parse_error(chat_syntax_error e);
  const chat_syntax_error& detail() const noexcept { return detail_; }

 private:
  chat_syntax_error detail_;
};

// One element of a send string after escape processing.
enum class chat_piece_kind : std::uint8_t {
  bytes,       // `bytes` are written one at a time
  delay,       // \d: 1 s
  pause,       // \p: 10 ms
  send_break,  // \K or BREAK
  phone,       // \T
  user,        // \U
  password,    // \P (dialup extension)
  callback,    // \B (dialup extension): the callback number
};

struct chat_piece {
  chat_piece_kind kind = chat_piece_kind::bytes;
  std::string bytes;
};

struct chat_send_string {
  std::string source;  // the token as written (quotes removed)
  chat_location where;
  std::vector<chat_piece> pieces;  // the trailing CR, when there is one, is the last bytes piece
  bool quiet = false;              // \q: redacted as a whole
  bool from_file = false;          // @file: the pieces are read from `file` when it is sent
  std::string file;
};

struct chat_pattern {
  std::string source;  // as written
  std::string text;    // literal: the bytes to find (escapes applied); regex: the pattern
  bool regex = false;
  std::shared_ptr<const re2::RE2> compiled;  // for regex
  chat_location where;
};

// expect-send-expect-send-expect...: attempts in order; on a timeout, the attempt's on_timeout
// is sent and the next attempt waited for (none left: the expect succeeds after the send).
struct chat_attempt {
  chat_pattern pattern;
  std::optional<chat_send_string> on_timeout;
};

struct chat_expect_step {
  std::vector<chat_attempt> attempts;  // empty for '' (expect nothing)
};

struct chat_alternative {
  chat_pattern pattern;
  chat_send_string send;
};

struct chat_any_step {
  std::vector<chat_alternative> alternatives;
};

struct chat_send_step {
  chat_send_string send;
};

// callback is CALLBACK, recognised only with extensions on.
enum class chat_keyword : std::uint8_t {
  abort, clr_abort, report, clr_report, timeout, say, echo, hangup, callback
};

struct chat_keyword_step {
  chat_keyword keyword = chat_keyword::abort;
  // ABORT, CLR_ABORT, REPORT, CLR_REPORT, CALLBACK: the string (escapes applied)
  std::string argument;
  int seconds = 0;          // TIMEOUT: the resulting timeout (45 for n <= 0)
  bool on = false;          // ECHO (only "ON" is on) and HANGUP (only "OFF" is off), as chat
  chat_send_string say;     // SAY: the text (pieces; no CR added)
};

struct chat_step {
  chat_location where;
  std::variant<chat_expect_step, chat_any_step, chat_send_step, chat_keyword_step> what;
};

std::string_view to_string(chat_keyword k) noexcept;

// A parsed script. Immutable; cheap to copy (regexes are shared).
class chat_script {
 public:
  // Script text, as chat -f reads it. On error returns nullopt and fills `error`.
  static std::optional<chat_script> parse(std::string_view text, chat_syntax_error& error,
                                          const chat_parse_options& options = {});
  // Throwing twin: chat_parse_error (a std::system_error with code 752).
  static chat_script parse(std::string_view text, const chat_parse_options& options = {});

  // The command-line form: one word per argument, as the shell gave them to chat.
  static std::optional<chat_script> parse_words(const std::vector<std::string>& words,
                                                chat_syntax_error& error,
                                                const chat_parse_options& options = {});
  static chat_script parse_words(const std::vector<std::string>& words,
                                 const chat_parse_options& options = {});

  const std::vector<chat_step>& steps() const noexcept { return steps_; }
  const chat_parse_options& options() const noexcept { return options_; }
  bool uses_phone() const noexcept { return uses_phone_; }
  bool uses_user() const noexcept { return uses_user_; }
  bool uses_password() const noexcept { return uses_password_; }
  bool uses_callback() const noexcept { return uses_callback_; }

  // One line per step ("1:1 ABORT BUSY", "1:14 expect OK", "1:17 send ATDT\T"); quiet sends show
  // as ********. Never holds a substituted value.
  std::string describe() const;

 private:
  friend class chat_parser;
  std::vector<chat_step> steps_;
  chat_parse_options options_;
  bool uses_phone_ = false;
  bool uses_user_ = false;
  bool uses_password_ = false;
  bool uses_callback_ = false;
};

struct chat_substitutions {
  std::optional<std::string> phone;     // \T; absent: \T sends "T" (chat without -T)
  std::optional<std::string> user;      // \U; absent: \U sends "U"
  std::optional<std::string> password;  // \P; absent: \P sends "P". Never displayed.
  std::optional<std::string> callback;  // \B; absent: \B sends "B". Displayed (not a secret).
  // Reads the file of an @file send when it is sent (chat reads it then too, so it may be a
  // FIFO fed by a prompt). Absent, or returning nullopt: the script fails with exit code 1.
  std::function<std::optional<std::string>(const std::string& name)> read_file;
};

struct chat_runner_options {
  chat_clock::duration byte_spacing = std::chrono::milliseconds(10);  // before every byte
  chat_clock::duration delay = std::chrono::seconds(1);               // \d
  chat_clock::duration pause = std::chrono::milliseconds(10);         // \p
  chat_clock::duration break_time = std::chrono::milliseconds(250);   // \K, BREAK
  chat_clock::duration report_wait = std::chrono::seconds(1);         // per byte, after the end
};

enum class chat_result : std::uint8_t {
  success,  // exit 0
  failed,   // exit 1: an @file that cannot be read
  hangup,   // exit 2: the caller reported a hang-up while HANGUP is ON
  timeout,  // exit 3
  abort,    // exit 4 + abort_index
  callback, // exit 64 (ours; chat never gives it): a CALLBACK string was seen
};

std::string_view to_string(chat_result r) noexcept;

struct chat_outcome {
  chat_result result = chat_result::success;
  int exit_code = 0;
  chat_clock::time_point at{};
  // timeout: the expect that timed out (its last attempt, or the ANY step)
  chat_location where;
  std::string expect;  // the expect as written
  int attempt = 0;     // 0 for the first expect of expect-send-expect..., 1 for the next...
  // abort: the index in the ABORT array (exit_code - 4) and the string
  int abort_index = -1;
  std::string abort_string;
  // callback: the CALLBACK string that was seen (escapes applied)
  std::string callback_string;
  std::string reason;  // failed: why

  // A suggestion for a dialer: success {}; callback {} too (not a failure: the server will call
  // back, and the dialer decides how to wait for it — check `result`); timeout 638 (request
  // timeout); abort on BUSY 676, NO CARRIER 679, NO DIALTONE / NO DIAL TONE 680, NO ANSWER 678,
  // VOICE 677, ERROR 651 (these exact strings), an ABORT string containing "expired" in any case
  // 648 (password expired: ABORT 'password has expired'), any other ABORT string 691
  // (authentication failure: login scripts abort on "incorrect"); hangup 629 (remote
  // disconnection); failed 752.
  std::error_code error() const;
  std::string to_string() const;
};

enum class chat_action_kind : std::uint8_t {
  send,        // write `bytes`: the first byte at `at`, each next one `spacing` later
  send_break,  // send a break (tcsendbreak) at `at`
  say,         // SAY text for the user (`text`)
  report,      // a REPORT line (`text`: the REPORT string and the rest of the line)
  echo,        // ECHO ON: modem output made visible, in chat's style (`text`)
  matched,     // an expect matched (`text`: the expect as written; `alternative` for ANY)
  outcome,     // the last action: see chat_runner::outcome()
};

std::string_view to_string(chat_action_kind k) noexcept;

struct chat_action {
  chat_action_kind kind = chat_action_kind::send;
  chat_clock::time_point at{};
  std::string bytes;     // send: the real bytes. Never log this; log `redacted`.
  std::string redacted;  // send: the bytes with secrets replaced by ********
  std::string text;      // say, report, echo, matched: display text (no secrets)
  chat_clock::duration spacing{};  // send: the gap between two bytes
  int alternative = -1;  // matched: index of the ANY alternative, or the attempt of an expect

  // When byte i of a send is due.
  chat_clock::time_point due(std::size_t i) const { return at + spacing * static_cast<long>(i); }
};

// One line for a log: "send \"ATDT5551212^M\"", "say ...", never the password.
std::string to_string(const chat_action& a);

// A report as chat writes it to its report file: "chat:  Nov 24 21:55:32 CONNECT 33600/ARQ"
// (no newline), with the caller's local time (strftime "%b %d %H:%M:%S ", C locale).
std::string chat_report_line(std::string_view report_text, const std::tm& local_time);

// Runs a chat_script against a peer, sans-I/O.
//
// Driving it:
//   chat_runner r(script, subs);
//   r.start(now);
//   loop:
//     for (auto& a : r.take_actions()) perform a  (send: write a.bytes now — they are due —,
//                                                   pacing them a.spacing apart if you care)
//     if (r.done()) break;                          (r.outcome() is set; r.take_unread() holds
//                                                   bytes the script did not read: session data)
//     arm one timer at *r.next_deadline()
//     on bytes from the modem:   r.feed(bytes, now)
//     on the timer:              r.advance(now)
//     on carrier loss / SIGHUP:  r.hangup(now)
//
// Actions are released by take_actions() only once due (at <= the latest `now` given), in order,
// so the caller writes what it gets at once. Internally the runner keeps chat's time line: a send
// string is scheduled byte by byte from the moment its expect matched, and the next expect begins
// when the last byte is due; bytes that arrive meanwhile are read by that next expect, as they
// would queue in the tty for chat. Timeouts are taken at their exact deadlines, whenever the
// caller notices them. Feeding times that go backwards is treated as the latest time seen.
//
// The runner keeps its own copy of the script and of the substitutions, the password included,
// for its lifetime (std::string gives no guarantee that freed memory is wiped).
class chat_runner {
 public:
  chat_runner(chat_script script, chat_substitutions subs, chat_runner_options options = {});

  void start(chat_clock::time_point now);
  void feed(std::string_view bytes, chat_clock::time_point now);
  void advance(chat_clock::time_point now);
  void hangup(chat_clock::time_point now);

  // The earliest time at which advance() has something to do; nullopt once done.
  std::optional<chat_clock::time_point> next_deadline() const;
  std::vector<chat_action> take_actions();

  bool done() const noexcept { return state_ == state::done; }
  const std::optional<chat_outcome>& outcome() const noexcept { return outcome_; }
  // Bytes received that the script never read (after it ended); cleared by the call.
  std::string take_unread();

  // For a status line: the expect being waited for, as written ("\"ogin:\"", "REGEX \"...\"",
  // "ANY \"a\" \"b\""), or "" when the runner is not waiting for an expect.
  std::string waiting_for() const;

 private:
  enum class state { not_started, running, expecting, finishing_report, finished, done };

  void run();
  void begin_attempt();
  void process_byte(unsigned char c, chat_clock::time_point t);
  void on_timeout();
  void on_match(int alternative, chat_clock::time_point t);
  void finish(chat_outcome o);
  void report_byte(unsigned char b, chat_clock::time_point t);
  void finish_report_at(chat_clock::time_point t);
  void emit_report(chat_clock::time_point t);  // the gathered REPORT line, as an action
  bool schedule_send(const chat_send_string& s);
  void schedule(chat_action a);
  void emit_echo(unsigned char c, chat_clock::time_point t);
  void flush_echo();
  void release(chat_clock::time_point now);
  std::string scrub(std::string text) const;
  bool pattern_matches(const chat_pattern& p) const;
  void advance_to(chat_clock::time_point now);

  chat_script script_;
  chat_substitutions subs_;
  chat_runner_options opt_;
  state state_ = state::not_started;

  std::size_t pc_ = 0;       // current step
  std::size_t attempt_ = 0;  // current attempt of an expect step
  chat_clock::time_point cursor_{};    // where chat's time line is
  chat_clock::time_point now_{};       // the latest time the caller gave
  chat_clock::time_point deadline_{};  // of the current expect
  std::string window_;                 // received since the expect began (7-bit)
  std::size_t window_start_ = 0;

  std::vector<std::optional<std::string>> aborts_;   // chat's abort_string[] (packed)
  std::vector<std::optional<std::string>> reports_;  // chat's report_string[] (one-shot)
  std::vector<std::string> callbacks_;               // CALLBACK strings, in the order declared
  int timeout_seconds_ = 45;
  bool echo_ = false;
  bool hangup_on_ = true;

  bool gathering_ = false;
  std::string report_;
  chat_clock::time_point report_deadline_{};
  chat_clock::time_point report_time_{};
  std::optional<chat_outcome> pending_outcome_;

  std::string echo_line_;
  chat_clock::time_point echo_time_{};
  bool echo_need_lf_ = false;
  chat_outcome final_outcome_;
  std::deque<chat_action> scheduled_;
  std::vector<chat_action> ready_;
  std::optional<chat_outcome> outcome_;
  std::string unread_;
};

}  // namespace dialup
