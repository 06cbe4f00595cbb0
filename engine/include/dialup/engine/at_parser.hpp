// dialup::at_parser — sans-I/O splitter and classifier for modem replies.
//
// Bytes from the modem go in through feed(); complete lines come out classified by a
// response_table (the modem profile's list of replies, like the Responses key of a
// Unimodem INF, docs/ras-model.md §8.3). No I/O and no time: "need more input" is simply no
// line yet.
//
// Framing (docs/modem-behaviour.md §2.1): V1 replies are "\r\nTEXT\r\n", V0 replies "<digits>\r",
// information text "\r\ntext\r\n" (V1) or "text\r\n" (V0). A line ends at CR or LF; a CR
// LF pair ends one line; empty lines are dropped. Control characters other than TAB are
// dropped from a line (a NUL-padded or noisy reply still classifies). A line longer than
// max_line keeps its first max_line bytes and is marked truncated.
//
// Numeric (V0) result codes are recognised only while numeric_codes(true) is set: in V1 an
// information line such as "0" (the answer to AT+FCLASS?) must not be taken for OK. The
// AT channel enables them around the reset command, whose reply may come in the stored
// profile's format (docs/modem-behaviour.md §9: a modem left in V0).
//
// CONNECT switches the modem to data state, so feed() stops right after the CONNECT line
// (and its LF) and returns how much it consumed: the rest is the first data of the call.
// resume_command_mode() makes the parser read lines again (after +++ or NO CARRIER).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dialup {

enum class response_kind : std::uint8_t {
  ok,
  connect,
  error,
  no_carrier,
  no_dialtone,
  busy,
  no_answer,
  voice,
  delayed,      // DELAYED: the modem's blacklist delays this number
  blacklisted,  // BLACKLISTED: the modem refuses to dial this number
  cme_error,    // +CME ERROR: <n> (3GPP 27.007), final
  cms_error,    // +CMS ERROR: <n>, final
  progress,     // negotiation progress: CARRIER, PROTOCOL:, COMPRESSION:, +MCR:, +MRR:, +ER:, +DR:
  ring,         // RING (unsolicited)
  caller_id,    // DATE = / TIME = / NMBR = / NAME = / +CLIP: (unsolicited)
  unsolicited,  // another unsolicited result code named by the table
  information,  // anything else: information text (or garbage)
};

// True for the kinds that end a command: OK, CONNECT, and every error or call-failure code.
constexpr bool is_final(response_kind k) noexcept {
  switch (k) {
    case response_kind::progress:
    case response_kind::ring:
    case response_kind::caller_id:
    case response_kind::unsolicited:
    case response_kind::information:
      return false;
    default:
      return true;
  }
}

// True for RING, caller ID and other unsolicited codes: they never answer a command.
constexpr bool is_unsolicited(response_kind k) noexcept {
  return k == response_kind::ring || k == response_kind::caller_id ||
         k == response_kind::unsolicited;
}

std::string_view to_string(response_kind k) noexcept;

struct response_pattern {
  std::string text;        // compared case-insensitively
  response_kind kind;
  bool prefix = false;     // true: the line starts with text; false: the whole line is text
  bool operator==(const response_pattern&) const = default;
};

struct numeric_code {
  int code;
  response_kind kind;
  std::uint32_t rate = 0;  // for the CONNECT <rate> codes
  bool operator==(const numeric_code&) const = default;
};

struct response_table {
  std::vector<response_pattern> verbose;  // first match wins
  std::vector<numeric_code> numeric;

  // The replies every Hayes-compatible modem shares (codes 0-12, docs/modem-behaviour.md §2.3) plus
  // the progress reports and the 27.007 error forms.
  static response_table generic();
  bool operator==(const response_table&) const = default;
};

struct response_line {
  std::string text;            // without terminators or control characters
  response_kind kind = response_kind::information;
  bool numeric = false;        // came as a V0 numeric code
  bool truncated = false;      // the modem sent more than max_line bytes on this line
  std::uint32_t rate = 0;      // CONNECT <rate>, CARRIER <rate>: bit/s, 0 if none
  int code = 0;                // +CME/+CMS ERROR number, V0 code
};

class at_parser {
 public:
  explicit at_parser(response_table table = response_table::generic(),
                     std::size_t max_line = 512);

  // Parses bytes and appends complete lines to out. Returns the number of bytes consumed:
  // bytes.size(), unless a CONNECT line was completed, in which case parsing stops after it.
  std::size_t feed(std::string_view bytes, std::vector<response_line>& out);

  // Data that arrives after CONNECT: drops the LF of the CONNECT line's CR LF if it was
  // split off into a later read. Returns what is left for the data stream.
  std::string_view take_data(std::string_view bytes);

  bool in_data_mode() const noexcept { return state_ == state::data; }
  void resume_command_mode() noexcept;
  // Everything from here on is data (a dial script reads the modem's replies itself).
  void enter_data_mode() noexcept;

  void numeric_codes(bool enabled) noexcept { numeric_ = enabled; }
  bool numeric_codes() const noexcept { return numeric_; }

  // Forgets a partial line (after a resynchronisation).
  void reset() noexcept;

  // Classifies one complete line as the parser would.
  response_line classify(std::string_view text) const;

  const response_table& table() const noexcept { return table_; }

 private:
  enum class state { line, after_cr, data };

  void finish_line(std::vector<response_line>& out);

  response_table table_;
  std::size_t max_line_;
  std::string line_;
  bool truncated_ = false;
  bool numeric_ = false;
  bool swallow_lf_ = false;  // in data mode: the CONNECT line's LF has not arrived yet
  state state_ = state::line;
};

}  // namespace dialup
