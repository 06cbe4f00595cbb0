#include "dialup/engine/at_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "dialup/engine/text.hpp"

namespace dialup {
namespace {

char upper(char c) noexcept {
  // Parity is stripped for matching: some modems answer with the parity bit of the
  // command's framing set (docs/modem-behaviour.md §1.1).
  return text::ascii_upper(static_cast<char>(static_cast<unsigned char>(c) & 0x7f));
}

bool iequals_prefix(std::string_view line, std::string_view pattern) noexcept {
  if (line.size() < pattern.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i)
    if (upper(line[i]) != upper(pattern[i])) return false;
  return true;
}

// The first run of digits in text, as a rate in bit/s ("CONNECT 33600/ARQ" -> 33600).
std::uint32_t first_number(std::string_view text) noexcept {
  auto it = std::find_if(text.begin(), text.end(),
                         [](char c) { return c >= '0' && c <= '9'; });
  if (it == text.end()) return 0;
  std::uint32_t value = 0;
  auto first = text.data() + (it - text.begin());
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
  (void)ptr;
  return ec == std::errc{} ? value : 0;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view to_string(response_kind k) noexcept {
  switch (k) {
    case response_kind::ok: return "ok";
    case response_kind::connect: return "connect";
    case response_kind::error: return "error";
    case response_kind::no_carrier: return "no_carrier";
    case response_kind::no_dialtone: return "no_dialtone";
    case response_kind::busy: return "busy";
    case response_kind::no_answer: return "no_answer";
    case response_kind::voice: return "voice";
    case response_kind::delayed: return "delayed";
    case response_kind::blacklisted: return "blacklisted";
    case response_kind::cme_error: return "cme_error";
    case response_kind::cms_error: return "cms_error";
    case response_kind::progress: return "progress";
    case response_kind::ring: return "ring";
    case response_kind::caller_id: return "caller_id";
    case response_kind::unsolicited: return "unsolicited";
    case response_kind::information: return "information";
  }
  return "?";
}

response_table response_table::generic() {
  using k = response_kind;
  response_table t;
  t.verbose = {
      {"OK", k::ok},
      {"CONNECT", k::connect, true},
      {"ERROR", k::error},
      {"NO CARRIER", k::no_carrier},
      {"NO DIALTONE", k::no_dialtone},
      {"NO DIAL TONE", k::no_dialtone},  // Conexant spelling (docs/modem-behaviour.md §2.2)
      {"BUSY", k::busy},
      {"NO ANSWER", k::no_answer},
      {"VOICE", k::voice},
      {"DELAYED", k::delayed, true},
      {"BLACKLISTED", k::blacklisted, true},
      {"+CME ERROR:", k::cme_error, true},
      {"+CMS ERROR:", k::cms_error, true},
      {"COMMAND NOT SUPPORT", k::error, true},
      {"RING", k::ring},
      {"RING ", k::ring, true},   // distinctive ring "RING 1".."RING 4"
      {"RING;", k::ring, true},   // ISDN "RING;<from>;<to>"
      {"+CRING:", k::ring, true},
      {"DATE =", k::caller_id, true},
      {"TIME =", k::caller_id, true},
      {"NMBR =", k::caller_id, true},
      {"NAME =", k::caller_id, true},
      {"MESG =", k::caller_id, true},
      {"DATE=", k::caller_id, true},
      {"TIME=", k::caller_id, true},
      {"NMBR=", k::caller_id, true},
      {"NAME=", k::caller_id, true},
      {"+CLIP:", k::caller_id, true},
      {"CARRIER ", k::progress, true},
      {"PROTOCOL:", k::progress, true},
      {"COMPRESSION:", k::progress, true},
      {"+MCR:", k::progress, true},
      {"+MRR:", k::progress, true},
      {"+ER:", k::progress, true},
      {"+DR:", k::progress, true},
      {"+ILRR:", k::progress, true},
  };
  // Codes 0-12 are common to every vendor family except 9 (docs/modem-behaviour.md §2.3); codes above
  // 12 conflict between families and belong in a vendor profile's table.
  t.numeric = {
      {0, k::ok},          {1, k::connect},         {2, k::ring},
      {3, k::no_carrier},  {4, k::error},           {5, k::connect, 1200},
      {6, k::no_dialtone}, {7, k::busy},            {8, k::no_answer},
      {10, k::connect, 2400}, {11, k::connect, 4800}, {12, k::connect, 9600},
  };
  return t;
}

at_parser::at_parser(response_table table, std::size_t max_line)
    : table_(std::move(table)), max_line_(max_line) {}

void at_parser::reset() noexcept {
  line_.clear();
  truncated_ = false;
  swallow_lf_ = false;
  state_ = state::line;
}

void at_parser::resume_command_mode() noexcept { reset(); }

void at_parser::enter_data_mode() noexcept {
  reset();
  state_ = state::data;
}

response_line at_parser::classify(std::string_view text) const {
  response_line r;
  r.text = std::string(text);
  if (numeric_ && all_digits(text) && text.size() <= 3 && (text.size() == 1 || text[0] != '0')) {
    int code = 0;
    std::from_chars(text.data(), text.data() + text.size(), code);
    for (const auto& n : table_.numeric) {
      if (n.code == code) {
        r.kind = n.kind;
        r.numeric = true;
        r.code = code;
        r.rate = n.rate;
        return r;
      }
    }
  }
  for (const auto& p : table_.verbose) {
    bool match = p.prefix ? iequals_prefix(text, p.text)
                          : (text.size() == p.text.size() && iequals_prefix(text, p.text));
    if (!match) continue;
    r.kind = p.kind;
    switch (p.kind) {
      case response_kind::connect:
        // "CONNECT", "CONNECT 33600", "CONNECT 28800/ARQ/V34/LAPM/V42BIS" but not
        // "CONNECTED" or other text that merely starts with the word.
        if (text.size() > 7 && text[7] != ' ' && text[7] != '/') {
          r.kind = response_kind::information;
          continue;
        }
        r.rate = first_number(text.substr(7));
        break;
      case response_kind::progress:
        r.rate = iequals_prefix(text, "CARRIER ") ? first_number(text) : 0;
        break;
      case response_kind::cme_error:
      case response_kind::cms_error:
        r.code = static_cast<int>(first_number(text.substr(p.text.size())));
        break;
      default:
        break;
    }
    return r;
  }
  r.kind = response_kind::information;
  return r;
}

void at_parser::finish_line(std::vector<response_line>& out) {
  // Trailing blanks are not part of the reply ("OK " from a sloppy firmware).
  while (!line_.empty() && (line_.back() == ' ' || line_.back() == '\t')) line_.pop_back();
  if (!line_.empty()) {
    auto r = classify(line_);
    r.truncated = truncated_;
    if (truncated_ && is_final(r.kind) && r.kind != response_kind::connect) {
      // A final word followed by hundreds of bytes of junk is junk.
      r.kind = response_kind::information;
    }
    out.push_back(std::move(r));
  }
  line_.clear();
  truncated_ = false;
}

std::size_t at_parser::feed(std::string_view bytes, std::vector<response_line>& out) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (state_ == state::data) return i;
    char c = bytes[i++];
    if (state_ == state::after_cr) {
      state_ = state::line;
      if (c == '\n') continue;  // the LF of a CR LF pair
    }
    if (c == '\r' || c == '\n') {
      bool was_connect = false;
      if (!line_.empty()) {
        auto before = out.size();
        finish_line(out);
        was_connect = out.size() > before && out.back().kind == response_kind::connect;
      }
      state_ = (c == '\r') ? state::after_cr : state::line;
      if (was_connect) {
        // The modem is in data state now; everything after this line is call data.
        if (c == '\r') {
          if (i < bytes.size()) {
            if (bytes[i] == '\n') ++i;
          } else {
            swallow_lf_ = true;
          }
        }
        state_ = state::data;
        return i;
      }
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) continue;  // NUL padding, XON/XOFF, DEL, noise
    if (line_.size() < max_line_) {
      line_.push_back(c);
    } else {
      truncated_ = true;
    }
  }
  return i;
}

std::string_view at_parser::take_data(std::string_view bytes) {
  if (swallow_lf_ && !bytes.empty()) {
    swallow_lf_ = false;
    if (bytes.front() == '\n') bytes.remove_prefix(1);
  }
  return bytes;
}

}  // namespace dialup
