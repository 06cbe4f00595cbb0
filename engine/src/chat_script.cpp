// chat(8) login scripts: parser and sans-I/O runner. See chat_script.hpp for the language.
//
// Runner states (one expect at a time; chat's time line is kept in cursor_):
//
//   not_started --start()--> running: execute keywords and sends, up to the next expect
//                               |                                   |
//                               | end of script                     v
//                               |           +------------------ expecting <----------------+
//                               |           | byte: expect matched  |  deadline, sub-send   |
//                               |           +--> running            +-----------------------+
//                               v                                   | deadline, none left / ABORT
//                            finish() <-----------------------------+
//                               | a REPORT line still arriving?
//                               +--yes--> finishing_report --(control char, full, 1 s)--+
//                               v                                                        |
//                            finished (outcome scheduled) <------------------------------+
//                               | outcome due (release)
//                               v
//                             done
//
// Keywords and sends take no input: run() executes them at once, scheduling the send bytes on
// chat's time line; the next expect begins when the last byte is due. Actions leave the runner
// only when due (release()).
#include "dialup/engine/chat_script.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <optional>
#include <utility>

#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/text.hpp"

namespace dialup {

namespace {

constexpr std::size_t buffer_size = 1024;     // chat's STR_LEN
constexpr std::size_t max_abort_len = 49;     // sizeof(fail_buffer) - 1
constexpr std::size_t max_strings = 50;       // MAX_ABORTS, MAX_REPORTS
constexpr std::size_t report_capacity = 33;   // 50-byte report_buffer less NUL and time stamp
constexpr int default_timeout = 45;           // DEFAULT_CHAT_TIMEOUT
constexpr int callback_exit_code = 64;        // ours: chat's codes end at 4 + 49 = 53
constexpr std::string_view redaction = "********";
constexpr std::string_view extensions_pragma = "#dialup: extensions";

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// The pieces of chat's clean() that an expect and a send string read alike (chat(8), "ESCAPE
// SEQUENCES"; docs/interop.md).

// After '^': the control character X & 0x1f; a '^' at the end is itself, and ^@ adds nothing.
void take_caret(std::string_view s, std::size_t& i, std::string& out) {
  if (i >= s.size()) {
    out += '^';
    return;
  }
  const char cc = static_cast<char>(s[i++] & 0x1f);
  if (cc != 0) out += cc;
}

// \b \r \n \s \t \\ : one byte each.
std::optional<char> simple_escape(char e) {
  switch (e) {
    case 'b': return '\b';
    case 'r': return '\r';
    case 'n': return '\n';
    case 's': return ' ';
    case 't': return '\t';
    case '\\': return '\\';
    default: return std::nullopt;
  }
}

// \ddd: up to three octal digits, the first (already read) in `first`; the byte's value.
unsigned read_octal(char first, std::string_view s, std::size_t& i) {
  unsigned v = static_cast<unsigned>(first - '0');
  for (int more = 0; more < 2 && i < s.size() && is_octal(s[i]); ++more)
    v = (v << 3) | static_cast<unsigned>(s[i++] - '0');
  return v & 0xff;
}

bool is_cntrl7(unsigned char c) { return c < 0x20 || c == 0x7f; }

// chat's %v: control characters as ^X, DEL as ^?, the high bit as M-.
std::string visible(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      out += "M-";
      c = static_cast<unsigned char>(c - 0x80);
    }
    if (c < 0x20) {
      out += '^';
      out += static_cast<char>(c ^ 0x40);
    } else if (c == 0x7f) {
      out += "^?";
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// \1..\9 or \k<name> outside a character class (a conservative test: any such escape counts).
// RE2's memory budget for one compiled REGEX (its default is 8 MiB); past it a pattern does not
// compile, so a script cannot make the runner allocate without limit.
constexpr std::int64_t max_regex_memory = 2 << 20;

// RE2's reason in the user's terms. The pattern is compiled with "(?m)" in front; that prefix
// is not the user's text, so it is taken out of what is shown.
std::string regex_error_text(const re2::RE2& re) {
  std::string arg = re.error_arg();
  if (arg.rfind("(?m)", 0) == 0) arg.erase(0, 4);
  const bool backref = arg.size() >= 2 && arg[0] == '\\' &&
                       ((arg[1] >= '1' && arg[1] <= '9') || arg[1] == 'k' || arg[1] == 'g');
  if (backref)
    return "back-reference " + arg +
           " is not supported (matching is linear-time and never backtracks)";
  if (arg.rfind("(?=", 0) == 0 || arg.rfind("(?!", 0) == 0 || arg.rfind("(?<=", 0) == 0 ||
      arg.rfind("(?<!", 0) == 0)
    return "look-around " + arg + " is not supported (matching is linear-time)";
  switch (re.error_code()) {
    case re2::RE2::ErrorPatternTooLarge: return "pattern too large";
    case re2::RE2::ErrorRepeatSize: return "repeat count too large (at most 1000): " + arg;
    default: break;
  }
  std::string e = re.error();
  if (e.rfind("(?m)") != std::string::npos) e.erase(e.rfind("(?m)"), 4);
  return e;
}

std::string quoted(std::string_view s) { return "\"" + visible(s) + "\""; }

// ASCII case-insensitive substring test (what modems and login servers print is ASCII).
bool contains_nocase(std::string_view text, std::string_view what) {
  return std::search(text.begin(), text.end(), what.begin(), what.end(), [](char a, char b) {
           return text::ascii_lower(a) == text::ascii_lower(b);
         }) != text.end();
}

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  std::size_t pos = 0;
  while ((pos = s.find(what, pos)) != std::string::npos) {
    s.replace(pos, what.size(), with);
    pos += with.size();
  }
}

// atoi(), clamped, as chat reads TIMEOUT and -t.
int chat_atoi(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  long v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i++] - '0');
    if (v > 10'000'000) v = 10'000'000;
  }
  return static_cast<int>(neg ? -v : v);
}

struct token {
  std::string text;
  chat_location where;  // of the token's first character (the quote, when quoted)
  int content_column = 0;  // column of text[0]
  bool extensions = false;
};

struct clean_error {
  std::size_t offset = 0;
  std::string reason;
};

// chat's clean(s, 0): an expect, ABORT or REPORT string. Strict: the escapes the man page calls
// "not valid in expect" are errors; lenient gives chat's own reading of them.
std::optional<std::string> clean_expect(std::string_view s, bool strict, clean_error& err) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '^') {
      take_caret(s, i, out);
      continue;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= s.size()) break;  // a lone trailing backslash: chat drops it in an expect
    const std::size_t at = i - 1;
    char e = s[i++];
    if (auto plain = simple_escape(e)) {
      out += *plain;
      continue;
    }
    switch (e) {
      case 'c': case 'd': case 'K': case 'p': case 'N': case 'q': case 'T': case 'U': case 'P':
      case 'B':
        if (strict) {
          err = {at, std::string("\\") + e + " is not valid in an expect string"};
          return std::nullopt;
        }
        if (e == 'T' || e == 'U') {
          out += '\\';
          out += e;
        } else if (e != 'q') {  // \B, \P (unknown to chat's clean()): the letter itself
          out += e;
        }
        break;
      default:
        if (is_octal(e)) {
          const unsigned v = read_octal(e, s, i);
          if (v == 0) {
            if (strict) {
              err = {at, "\\0 (NUL) is not valid in an expect string"};
              return std::nullopt;
            }
          } else {
            out += static_cast<char>(v);
          }
        } else {
          out += e;
        }
        break;
    }
  }
  return out;
}

// chat's clean(s, 1) followed by put_string's reading of \d \p \K: a send string's pieces.
bool clean_send(std::string_view s, bool strict, chat_send_string& out, bool& add_cr,
                clean_error& err) {
  std::string bytes;
  auto flush = [&] {
    if (!bytes.empty()) out.pieces.push_back({chat_piece_kind::bytes, std::move(bytes)});
    bytes.clear();
  };
  auto piece = [&](chat_piece_kind k) {
    flush();
    out.pieces.push_back({k, {}});
  };
  add_cr = true;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '^') {
      take_caret(s, i, bytes);
      continue;
    }
    if (c != '\\') {
      bytes += c;
      continue;
    }
    if (i >= s.size()) {
      bytes += '\\';  // chat sends a lone trailing backslash
      break;
    }
    const std::size_t at = i - 1;
    char e = s[i++];
    if (auto plain = simple_escape(e)) {
      bytes += *plain;
      continue;
    }
    switch (e) {
      case 'N': bytes += '\0'; break;
      case 'c':
        if (i == s.size()) {
          add_cr = false;
        } else if (strict) {
          err = {at, "\\c must be at the end of a send string"};
          return false;
        } else {
          bytes += 'c';
        }
        break;
      case 'd': piece(chat_piece_kind::delay); break;
      case 'p': piece(chat_piece_kind::pause); break;
      case 'K': piece(chat_piece_kind::send_break); break;
      case 'T': piece(chat_piece_kind::phone); break;
      case 'U': piece(chat_piece_kind::user); break;
      case 'P': piece(chat_piece_kind::password); break;
      case 'B': piece(chat_piece_kind::callback); break;
      case 'q': out.quiet = true; break;
      default:
        if (is_octal(e)) {
          bytes += static_cast<char>(read_octal(e, s, i));
        } else {
          bytes += e;
        }
        break;
    }
  }
  if (add_cr) bytes += '\r';
  flush();
  return true;
}

// A send token as chat_send() reads it: EOT, BREAK, @file, or a send string.
bool make_send(std::string_view text, chat_location where, bool strict, chat_send_string& out,
               clean_error& err) {
  out = {};
  out.source = std::string(text);
  out.where = where;
  if (text == "EOT") {
    out.pieces.push_back({chat_piece_kind::bytes, "\x04"});
    return true;
  }
  if (text == "BREAK") {
    out.pieces.push_back({chat_piece_kind::send_break, {}});
    return true;
  }
  if (!text.empty() && text.front() == '@') {
    std::size_t k = 1;
    while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;
    if (k < text.size()) {
      out.from_file = true;
      out.file = std::string(text.substr(k));
      return true;
    }
  }
  bool add_cr = true;
  return clean_send(text, strict, out, add_cr, err);
}

std::string send_display(const chat_send_string& s) {
  return s.quiet || s.from_file ? std::string(redaction) : visible(s.source);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Parser

class chat_parser {
 public:
  chat_parser(const chat_parse_options& o, chat_syntax_error& e) : opt_(o), err_(e) {}

  bool tokenize_text(std::string_view text) {
    bool ext = opt_.extensions;
    int line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line_no;
      // chat reads lines into C strings: a NUL ends the line.
      if (auto z = line.find('\0'); z != std::string_view::npos) line = line.substr(0, z);
      if (!line.empty() && line.front() == '#') {
        std::string_view t = line;
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.remove_suffix(1);
        if (t == extensions_pragma) ext = true;
        continue;
      }
      std::size_t i = 0;
      while (i < line.size()) {
        if (line[i] == ' ' || line[i] == '\t') {
          ++i;
          continue;
        }
        token t;
        t.where = {line_no, static_cast<int>(i) + 1};
        t.extensions = ext;
        if (line[i] == '"' || line[i] == '\'') {
          const char q = line[i];
          std::size_t j = i + 1;
          while (true) {
            if (j >= line.size()) {
              fail(t.where, "unterminated quote");
              return false;
            }
            if (line[j] == q) break;
            if (line[j++] == '\\' && j < line.size()) ++j;
          }
          t.text = std::string(line.substr(i + 1, j - i - 1));
          t.content_column = static_cast<int>(i) + 2;
          i = j + 1;  // chat overwrites the closing quote: the next token may start right after it
        } else {
          std::size_t j = i;
          while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
          t.text = std::string(line.substr(i, j - i));
          t.content_column = static_cast<int>(i) + 1;
          i = j;
        }
        tokens_.push_back(std::move(t));
      }
    }
    return true;
  }

  void tokenize_words(const std::vector<std::string>& words) {
    int n = 0;
    for (const auto& w : words) {
      ++n;
      token t;
      t.text = w;
      t.where = {n, 1};
      t.content_column = 1;
      t.extensions = opt_.extensions;
      tokens_.push_back(std::move(t));
    }
  }

  std::optional<chat_script> build() {
    chat_script script;
    script.options_ = opt_;
    std::vector<std::string> aborts;  // for the parse-time count, as chat's array would hold
    std::vector<std::string> reports;
    std::size_t callbacks = 0;  // no CLR_CALLBACK: they only accumulate
    std::size_t i = 0;
    const std::size_t n = tokens_.size();
    while (i < n) {
      const token& t = tokens_[i];
      auto kw = keyword(t.text);
      if (!kw && t.extensions && t.text == "CALLBACK") kw = chat_keyword::callback;
      if (kw) {
        if (i + 1 >= n) {
          if (!opt_.strict) break;  // chat sets a flag nobody reads
          fail(t.where, std::string(to_string(*kw)) + " needs an argument");
          return std::nullopt;
        }
        const token& a = tokens_[i + 1];
        chat_keyword_step k;
        k.keyword = *kw;
        switch (*kw) {
          case chat_keyword::abort:
          case chat_keyword::clr_abort:
          case chat_keyword::report:
          case chat_keyword::clr_report:
          case chat_keyword::callback: {
            clean_error ce;
            auto s = clean_expect(a.text, opt_.strict, ce);
            if (!s) {
              fail({a.where.line, a.content_column + static_cast<int>(ce.offset)}, ce.reason);
              return std::nullopt;
            }
            if (s->size() > max_abort_len) {
              fail(a.where, std::string(to_string(*kw)) + " string longer than 49 bytes");
              return std::nullopt;
            }
            k.argument = *s;
            if (*kw == chat_keyword::callback) {
              // An empty one would match the first byte of the next expect (as ABORT '' does in
              // chat): never what a script means.
              if (s->empty()) {
                fail(a.where, "a CALLBACK string cannot be empty");
                return std::nullopt;
              }
              if (callbacks >= max_strings) {
                fail(t.where, "more than 50 CALLBACK strings");
                return std::nullopt;
              }
              ++callbacks;
              break;
            }
            auto& arr = (*kw == chat_keyword::abort || *kw == chat_keyword::clr_abort) ? aborts : reports;
            if (*kw == chat_keyword::abort || *kw == chat_keyword::report) {
              if (arr.size() >= max_strings) {
                fail(t.where, std::string("more than 50 ") + std::string(to_string(*kw)) + " strings");
                return std::nullopt;
              }
              arr.push_back(*s);
            } else {
              auto it = std::find(arr.begin(), arr.end(), *s);
              if (it != arr.end()) arr.erase(it);
            }
            break;
          }
          case chat_keyword::timeout: {
            clean_error ce;
            int v = chat_atoi(clean_expect(a.text, false, ce).value_or(""));
            k.seconds = v <= 0 ? default_timeout : v;
            break;
          }
          case chat_keyword::say: {
            clean_error ce;
            bool add_cr = true;
            k.say.source = a.text;
            k.say.where = a.where;
            if (!clean_send(a.text, opt_.strict, k.say, add_cr, ce)) {
              fail({a.where.line, a.content_column + static_cast<int>(ce.offset)}, ce.reason);
              return std::nullopt;
            }
            // SAY output has no CR added (chat 2.4 appends one; it only disturbs a display).
            if (add_cr && !k.say.pieces.empty()) {
              auto& last = k.say.pieces.back();
              if (last.kind == chat_piece_kind::bytes && !last.bytes.empty()) last.bytes.pop_back();
              if (last.kind == chat_piece_kind::bytes && last.bytes.empty()) k.say.pieces.pop_back();
            }
            note_uses(script, k.say);
            break;
          }
          case chat_keyword::echo: k.on = a.text == "ON"; break;
          case chat_keyword::hangup: k.on = a.text != "OFF"; break;
        }
        script.steps_.push_back({t.where, std::move(k)});
        i += 2;
        continue;
      }
      if (t.extensions && t.text == "REGEX") {
        if (i + 1 >= n) {
          fail(t.where, "REGEX needs a pattern");
          return std::nullopt;
        }
        chat_expect_step e;
        chat_attempt at;
        if (!make_regex(tokens_[i + 1], at.pattern)) return std::nullopt;
        e.attempts.push_back(std::move(at));
        script.steps_.push_back({t.where, std::move(e)});
        i += 2;
        if (i < n) {
          if (!add_send(script, tokens_[i])) return std::nullopt;
          ++i;
        }
        continue;
      }
      if (t.extensions && t.text == "ANY") {
        chat_any_step any;
        ++i;
        while (true) {
          if (i >= n) {
            fail(t.where, "ANY without END");
            return std::nullopt;
          }
          const token& x = tokens_[i];
          if (x.text == "END") {
            ++i;
            break;
          }
          chat_alternative alt;
          if (x.text == "REGEX") {
            if (i + 1 >= n) {
              fail(x.where, "REGEX needs a pattern");
              return std::nullopt;
            }
            if (!make_regex(tokens_[i + 1], alt.pattern)) return std::nullopt;
            i += 2;
          } else {
            if (!make_literal(x, x.text, x.content_column, alt.pattern)) return std::nullopt;
            if (alt.pattern.text.empty()) {
              fail(x.where, "an ANY alternative cannot be empty");
              return std::nullopt;
            }
            ++i;
          }
          if (i >= n) {
            fail(x.where, "an ANY alternative needs a send string");
            return std::nullopt;
          }
          clean_error ce;
          if (!make_send(tokens_[i].text, tokens_[i].where, opt_.strict, alt.send, ce)) {
            fail({tokens_[i].where.line, tokens_[i].content_column + static_cast<int>(ce.offset)}, ce.reason);
            return std::nullopt;
          }
          note_uses(script, alt.send);
          any.alternatives.push_back(std::move(alt));
          ++i;
        }
        if (any.alternatives.empty()) {
          fail(t.where, "ANY needs at least one alternative");
          return std::nullopt;
        }
        script.steps_.push_back({t.where, std::move(any)});
        continue;
      }
      // expect[-send-expect...]
      chat_expect_step e;
      if (!split_expect(script, t, e)) return std::nullopt;
      script.steps_.push_back({t.where, std::move(e)});
      ++i;
      if (i < n) {
        if (!add_send(script, tokens_[i])) return std::nullopt;
        ++i;
      }
    }
    return script;
  }

 private:
  static std::optional<chat_keyword> keyword(std::string_view s) {
    if (s == "ABORT") return chat_keyword::abort;
    if (s == "CLR_ABORT") return chat_keyword::clr_abort;
    if (s == "REPORT") return chat_keyword::report;
    if (s == "CLR_REPORT") return chat_keyword::clr_report;
    if (s == "TIMEOUT") return chat_keyword::timeout;
    if (s == "SAY") return chat_keyword::say;
    if (s == "ECHO") return chat_keyword::echo;
    if (s == "HANGUP") return chat_keyword::hangup;
    return std::nullopt;
  }

  void fail(chat_location where, std::string reason) {
    err_.where = where;
    err_.reason = std::move(reason);
  }

  static void note_uses(chat_script& s, const chat_send_string& x) {
    for (const auto& p : x.pieces) {
      if (p.kind == chat_piece_kind::phone) s.uses_phone_ = true;
      if (p.kind == chat_piece_kind::user) s.uses_user_ = true;
      if (p.kind == chat_piece_kind::password) s.uses_password_ = true;
      if (p.kind == chat_piece_kind::callback) s.uses_callback_ = true;
    }
  }

  bool add_send(chat_script& script, const token& t) {
    chat_send_string s;
    clean_error ce;
    if (!make_send(t.text, t.where, opt_.strict, s, ce)) {
      fail({t.where.line, t.content_column + static_cast<int>(ce.offset)}, ce.reason);
      return false;
    }
    note_uses(script, s);
    script.steps_.push_back({t.where, chat_send_step{std::move(s)}});
    return true;
  }

  bool make_literal(const token& t, std::string_view part, int column, chat_pattern& p) {
    clean_error ce;
    auto s = clean_expect(part, opt_.strict, ce);
    if (!s) {
      fail({t.where.line, column + static_cast<int>(ce.offset)}, ce.reason);
      return false;
    }
    if (s->size() > buffer_size) {
      fail({t.where.line, column}, "expect string longer than 1024 bytes");
      return false;
    }
    p.source = std::string(part);
    p.text = *s;
    p.where = {t.where.line, column};
    return true;
  }

  bool make_regex(const token& t, chat_pattern& p) {
    p.source = t.text;
    p.text = t.text;
    p.regex = true;
    p.where = t.where;
    // RE2 (linear time, no backtracking): see the REGEX notes in chat_script.hpp. Multi-line
    // mode so that ^ and $ also match around LF; errors are reported here, not logged by RE2.
    RE2::Options o;
    o.set_log_errors(false);
    o.set_never_capture(true);  // only "did it match" is asked
    o.set_max_mem(max_regex_memory);
    auto re = std::make_shared<const RE2>("(?m)" + t.text, o);
    if (!re->ok()) {
      fail(t.where, "bad regular expression: " + regex_error_text(*re));
      return false;
    }
    p.compiled = std::move(re);
    return true;
  }

  // chat's expect_strtok(s, "-") loop in chat_expect(): expect, reply, expect, reply...
  bool split_expect(chat_script& script, const token& t, chat_expect_step& e) {
    const std::string& s = t.text;
    std::size_t pos = 0;
    auto next = [&](std::size_t& start) -> std::optional<std::string_view> {
      if (pos >= s.size()) return std::nullopt;
      start = pos;
      bool esc = false;
      while (pos < s.size()) {
        if (esc) {
          esc = false;
          ++pos;
          continue;
        }
        if (s[pos] == '\\') {
          esc = true;
          ++pos;
          continue;
        }
        if (s[pos] == '-') return std::string_view(s).substr(start, pos++ - start);
        ++pos;
      }
      return std::string_view(s).substr(start);
    };
    std::size_t start = 0;
    auto expect = next(start);
    while (expect) {
      chat_attempt a;
      if (!make_literal(t, *expect, t.content_column + static_cast<int>(start), a.pattern)) return false;
      std::size_t rstart = 0;
      auto reply = next(rstart);
      if (reply) {
        chat_send_string r;
        clean_error ce;
        chat_location rw{t.where.line, t.content_column + static_cast<int>(rstart)};
        if (!make_send(*reply, rw, opt_.strict, r, ce)) {
          fail({rw.line, rw.column + static_cast<int>(ce.offset)}, ce.reason);
          return false;
        }
        note_uses(script, r);
        a.on_timeout = std::move(r);
      }
      e.attempts.push_back(std::move(a));
      if (!reply) break;
      expect = next(start);
    }
    return true;
  }

  chat_parse_options opt_;
  chat_syntax_error& err_;
  std::vector<token> tokens_;
};

std::error_code chat_syntax_error::code() const { return make_error_code(ras_error::script_syntax); }

std::string chat_syntax_error::to_string() const {
  return "line " + std::to_string(where.line) + ", column " + std::to_string(where.column) + ": " + reason;
}

chat_parse_error::chat_parse_error(chat_syntax_error e)
    : std::system_error(e.code(), e.to_string()), detail_(std::move(e)) {}

std::optional<chat_script> chat_script::parse(std::string_view text, chat_syntax_error& error,
                                              const chat_parse_options& options) {
  error = {};
  if (text.size() > options.max_bytes) {
    error.where = {1, 1};
    error.reason = "script longer than " + std::to_string(options.max_bytes) + " bytes";
    return std::nullopt;
  }
  chat_parser p(options, error);
  if (!p.tokenize_text(text)) return std::nullopt;
  return p.build();
}

chat_script chat_script::parse(std::string_view text, const chat_parse_options& options) {
  chat_syntax_error e;
  auto s = parse(text, e, options);
  if (!s) throw chat_parse_error(std::move(e));
  return std::move(*s);
}

std::optional<chat_script> chat_script::parse_words(const std::vector<std::string>& words,
                                                    chat_syntax_error& error,
                                                    const chat_parse_options& options) {
  error = {};
  std::size_t total = 0;
  for (const auto& w : words) total += w.size() + 1;
  if (total > options.max_bytes) {
    error.where = {1, 1};
    error.reason = "script longer than " + std::to_string(options.max_bytes) + " bytes";
    return std::nullopt;
  }
  chat_parser p(options, error);
  p.tokenize_words(words);
  return p.build();
}

chat_script chat_script::parse_words(const std::vector<std::string>& words,
                                     const chat_parse_options& options) {
  chat_syntax_error e;
  auto s = parse_words(words, e, options);
  if (!s) throw chat_parse_error(std::move(e));
  return std::move(*s);
}

std::string_view to_string(chat_keyword k) noexcept {
  switch (k) {
    case chat_keyword::abort: return "ABORT";
    case chat_keyword::clr_abort: return "CLR_ABORT";
    case chat_keyword::report: return "REPORT";
    case chat_keyword::clr_report: return "CLR_REPORT";
    case chat_keyword::timeout: return "TIMEOUT";
    case chat_keyword::say: return "SAY";
    case chat_keyword::echo: return "ECHO";
    case chat_keyword::hangup: return "HANGUP";
    case chat_keyword::callback: return "CALLBACK";
  }
  return "?";
}

namespace {
std::string pattern_display(const chat_pattern& p) {
  return p.regex ? "REGEX " + quoted(p.source) : quoted(p.source);
}
}  // namespace

std::string chat_script::describe() const {
  std::string out;
  for (const auto& st : steps_) {
    out += std::to_string(st.where.line) + ":" + std::to_string(st.where.column) + " ";
    if (auto* e = std::get_if<chat_expect_step>(&st.what)) {
      out += "expect";
      if (e->attempts.empty()) out += " \"\"";
      for (const auto& a : e->attempts) {
        out += " " + pattern_display(a.pattern);
        if (a.on_timeout) out += " else send \"" + send_display(*a.on_timeout) + "\" and";
      }
    } else if (auto* any = std::get_if<chat_any_step>(&st.what)) {
      out += "ANY";
      for (const auto& a : any->alternatives)
        out += " " + pattern_display(a.pattern) + " -> \"" + send_display(a.send) + "\"";
      out += " END";
    } else if (auto* s = std::get_if<chat_send_step>(&st.what)) {
      out += "send \"" + send_display(s->send) + "\"";
    } else if (auto* k = std::get_if<chat_keyword_step>(&st.what)) {
      out += std::string(to_string(k->keyword));
      switch (k->keyword) {
        case chat_keyword::timeout: out += " " + std::to_string(k->seconds); break;
        case chat_keyword::say: out += " " + quoted(k->say.source); break;
        case chat_keyword::echo:
        case chat_keyword::hangup: out += k->on ? " ON" : " OFF"; break;
        default: out += " " + quoted(k->argument); break;
      }
    }
    out += '\n';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Outcomes and actions

std::string_view to_string(chat_result r) noexcept {
  switch (r) {
    case chat_result::success: return "success";
    case chat_result::failed: return "failed";
    case chat_result::hangup: return "hangup";
    case chat_result::timeout: return "timeout";
    case chat_result::abort: return "abort";
    case chat_result::callback: return "callback";
  }
  return "?";
}

std::error_code chat_outcome::error() const {
  switch (result) {
    case chat_result::success: return {};
    case chat_result::callback: return {};  // the server calls back: the dialer's business
    case chat_result::timeout: return make_error_code(ras_error::request_timeout);
    case chat_result::hangup: return make_error_code(ras_error::remote_disconnection);
    case chat_result::failed: return make_error_code(ras_error::script_syntax);
    case chat_result::abort: {
      const std::string& s = abort_string;
      if (s == "BUSY") return make_error_code(ras_error::line_busy);
      if (s == "NO CARRIER") return make_error_code(ras_error::no_carrier);
      if (s == "NO DIALTONE" || s == "NO DIAL TONE") return make_error_code(ras_error::no_dialtone);
      if (s == "NO ANSWER") return make_error_code(ras_error::no_answer);
      if (s == "VOICE") return make_error_code(ras_error::voice_answer);
      if (s == "ERROR") return make_error_code(ras_error::from_device);
      if (contains_nocase(s, "expired")) return make_error_code(ras_error::passwd_expired);
      return make_error_code(ras_error::authentication_failure);
    }
  }
  return make_error_code(ras_error::unknown);
}

std::string chat_outcome::to_string() const {
  std::string out(dialup::to_string(result));
  switch (result) {
    case chat_result::timeout:
      out += " waiting for " + expect + " at line " + std::to_string(where.line) + ", column " +
             std::to_string(where.column);
      if (attempt > 0) out += " (sub-expect " + std::to_string(attempt) + ")";
      break;
    case chat_result::abort:
      out += " on " + quoted(abort_string) + " (ABORT string " + std::to_string(abort_index) + ")";
      break;
    case chat_result::callback:
      out += " on " + quoted(callback_string) + " (CALLBACK string)";
      break;
    case chat_result::failed: out += ": " + reason; break;
    default: break;
  }
  out += " (exit " + std::to_string(exit_code) + ")";
  return out;
}

std::string_view to_string(chat_action_kind k) noexcept {
  switch (k) {
    case chat_action_kind::send: return "send";
    case chat_action_kind::send_break: return "break";
    case chat_action_kind::say: return "say";
    case chat_action_kind::report: return "report";
    case chat_action_kind::echo: return "echo";
    case chat_action_kind::matched: return "matched";
    case chat_action_kind::outcome: return "outcome";
  }
  return "?";
}

std::string to_string(const chat_action& a) {
  std::string out(to_string(a.kind));
  switch (a.kind) {
    case chat_action_kind::send: out += " " + quoted(a.redacted); break;
    case chat_action_kind::send_break: break;
    case chat_action_kind::matched:
      out += " " + a.text;
      if (a.alternative >= 0) out += " (" + std::to_string(a.alternative) + ")";
      break;
    case chat_action_kind::outcome: out += " " + a.text; break;
    default: out += " " + quoted(a.text); break;
  }
  return out;
}

std::string chat_report_line(std::string_view report_text, const std::tm& local_time) {
  // strftime's %b depends on the locale; chat runs in the C locale, so spell it out.
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char stamp[32];
  const int mon = local_time.tm_mon >= 0 && local_time.tm_mon < 12 ? local_time.tm_mon : 0;
  std::snprintf(stamp, sizeof stamp, "%s %02d %02d:%02d:%02d ", months[mon], local_time.tm_mday % 100,
                local_time.tm_hour % 100, local_time.tm_min % 100, local_time.tm_sec % 100);
  return "chat:  " + std::string(stamp) + std::string(report_text);
}

// ---------------------------------------------------------------------------------------------
// Runner

chat_runner::chat_runner(chat_script script, chat_substitutions subs, chat_runner_options options)
    : script_(std::move(script)), subs_(std::move(subs)), opt_(options) {
  const int t = script_.options().timeout_seconds;
  timeout_seconds_ = t > 0 ? t : default_timeout;
  echo_ = script_.options().echo;
}

void chat_runner::start(chat_clock::time_point now) {
  if (state_ != state::not_started) return;
  now_ = now;
  cursor_ = now;
  state_ = state::running;
  run();
  advance_to(now);
}

void chat_runner::feed(std::string_view bytes, chat_clock::time_point now) {
  if (state_ == state::not_started) start(now);
  advance_to(now);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    switch (state_) {
      case state::expecting:
        process_byte(b, std::max(now_, cursor_));
        continue;
      case state::finishing_report:
        report_byte(b, std::max(now_, report_time_));
        continue;
      case state::not_started:
      case state::running:
      case state::finished:
      case state::done:
        // The script has ended: chat would not read these; they are the session's first data.
        unread_.append(bytes.substr(i));
        break;
    }
    break;
  }
  release(now_);
}

void chat_runner::advance(chat_clock::time_point now) {
  if (state_ == state::not_started) {
    start(now);
    return;
  }
  advance_to(now);
}

void chat_runner::advance_to(chat_clock::time_point now) {
  now_ = std::max(now_, now);
  for (bool more = true; more;) {
    switch (state_) {
      case state::expecting:
        more = now_ >= deadline_;
        if (more) on_timeout();
        break;
      case state::finishing_report:
        more = now_ >= report_deadline_;
        if (more) finish_report_at(report_deadline_);
        break;
      case state::not_started:
      case state::running:
      case state::finished:
      case state::done:
        more = false;
        break;
    }
  }
  release(now_);
}

void chat_runner::hangup(chat_clock::time_point now) {
  if (state_ == state::not_started) start(now);
  advance_to(now);
  if (state_ == state::done || !hangup_on_) return;
  // chat dies of SIGHUP at once: whatever was still to be written is not.
  while (!scheduled_.empty() && scheduled_.back().at > now_) scheduled_.pop_back();
  flush_echo();
  if (gathering_) {
    chat_action a;
    a.kind = chat_action_kind::report;
    a.at = now_;
    a.text = scrub(report_);
    schedule(std::move(a));
    gathering_ = false;
  }
  chat_outcome o;
  o.result = chat_result::hangup;
  o.exit_code = 2;
  o.at = now_;
  o.reason = "hang-up (SIGHUP)";
  pending_outcome_.reset();
  finish(std::move(o));
  release(now_);
}

std::optional<chat_clock::time_point> chat_runner::next_deadline() const {
  if (state_ == state::done || state_ == state::not_started) return std::nullopt;
  std::optional<chat_clock::time_point> d;
  auto consider = [&](chat_clock::time_point t) {
    if (!d || t < *d) d = t;
  };
  if (!scheduled_.empty()) consider(scheduled_.front().at);
  if (state_ == state::expecting) consider(deadline_);
  if (state_ == state::finishing_report) consider(report_deadline_);
  return d;
}

std::vector<chat_action> chat_runner::take_actions() {
  std::vector<chat_action> out;
  out.swap(ready_);
  return out;
}

std::string chat_runner::waiting_for() const {
  if (state_ != state::expecting) return {};
  const chat_step& st = script_.steps()[pc_];
  if (auto* e = std::get_if<chat_expect_step>(&st.what))
    return pattern_display(e->attempts[attempt_].pattern);
  std::string out = "ANY";
  for (const auto& alt : std::get<chat_any_step>(st.what).alternatives)
    out += " " + pattern_display(alt.pattern);
  return out;
}

std::string chat_runner::take_unread() {
  std::string out;
  out.swap(unread_);
  return out;
}

void chat_runner::run() {
  const auto& steps = script_.steps();
  while (state_ != state::finishing_report && state_ != state::finished && state_ != state::done) {
    if (pc_ >= steps.size()) {
      chat_outcome o;
      o.at = cursor_;
      finish(std::move(o));
      return;
    }
    const chat_step& st = steps[pc_];
    if (auto* e = std::get_if<chat_expect_step>(&st.what)) {
      if (e->attempts.empty()) {
        ++pc_;
        continue;
      }
      attempt_ = 0;
      begin_attempt();
      if (state_ == state::expecting) return;
      continue;  // an empty expect succeeded at once
    }
    if (std::holds_alternative<chat_any_step>(st.what)) {
      attempt_ = 0;
      begin_attempt();
      return;
    }
    if (auto* s = std::get_if<chat_send_step>(&st.what)) {
      if (!schedule_send(s->send)) return;
      ++pc_;
      continue;
    }
    const auto& k = std::get<chat_keyword_step>(st.what);
    switch (k.keyword) {
      case chat_keyword::abort: aborts_.emplace_back(k.argument); break;
      case chat_keyword::report: reports_.emplace_back(k.argument); break;
      case chat_keyword::callback: callbacks_.push_back(k.argument); break;
      case chat_keyword::clr_abort:
      case chat_keyword::clr_report: {
        // chat's loop, quirks included: n shrinks while i runs, then pack_array().
        auto& arr = k.keyword == chat_keyword::clr_abort ? aborts_ : reports_;
        std::size_t n = arr.size();
        std::size_t packed = 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (arr[i] && *arr[i] == k.argument) {
            arr[i].reset();
            ++packed;
            --n;
          }
        }
        if (packed) {
          std::vector<std::optional<std::string>> kept;
          for (auto& x : arr)
            if (x) kept.push_back(std::move(x));
          kept.resize(std::min(kept.size(), n));
          arr = std::move(kept);
        }
        break;
      }
      case chat_keyword::timeout: timeout_seconds_ = k.seconds; break;
      case chat_keyword::say: {
        chat_action a;
        a.kind = chat_action_kind::say;
        a.at = cursor_;
        for (const auto& p : k.say.pieces) {
          switch (p.kind) {
            case chat_piece_kind::bytes: a.text += p.bytes; break;
            case chat_piece_kind::phone: a.text += subs_.phone.value_or("T"); break;
            case chat_piece_kind::user: a.text += subs_.user.value_or("U"); break;
            case chat_piece_kind::password: a.text += subs_.password ? std::string(redaction) : "P"; break;
            case chat_piece_kind::callback: a.text += subs_.callback.value_or("B"); break;
            default: break;
          }
        }
        a.text = scrub(std::move(a.text));
        schedule(std::move(a));
        break;
      }
      case chat_keyword::echo:
        if (!k.on) flush_echo();
        echo_ = k.on;
        break;
      case chat_keyword::hangup: hangup_on_ = k.on; break;
    }
    ++pc_;
  }
}

void chat_runner::begin_attempt() {
  window_.clear();
  window_start_ = 0;
  const chat_step& st = script_.steps()[pc_];
  if (auto* e = std::get_if<chat_expect_step>(&st.what)) {
    const auto& p = e->attempts[attempt_].pattern;
    if (!p.regex && p.text.empty()) {  // get_string(""): "got it" at once
      ++pc_;
      state_ = state::running;
      return;
    }
  }
  deadline_ = cursor_ + std::chrono::seconds(timeout_seconds_);
  state_ = state::expecting;
}

bool chat_runner::pattern_matches(const chat_pattern& p) const {
  std::string_view w(window_);
  w.remove_prefix(window_start_);
  if (!p.regex) return !p.text.empty() && ends_with(w, p.text);
  return RE2::PartialMatch(re2::StringPiece(w.data(), w.size()), *p.compiled);
}

void chat_runner::process_byte(unsigned char b, chat_clock::time_point t) {
  const auto c = static_cast<unsigned char>(b & 0x7f);  // ISTRIP
  echo_time_ = t;
  if (echo_) emit_echo(c, t);
  window_ += static_cast<char>(c);
  if (window_.size() - window_start_ > buffer_size) ++window_start_;
  if (window_start_ >= buffer_size) {
    window_.erase(0, window_start_);
    window_start_ = 0;
  }
  std::string_view w(window_);
  w.remove_prefix(window_start_);

  if (!gathering_) {
    for (auto& r : reports_) {
      if (r && ends_with(w, *r)) {
        report_ = *r;
        r.reset();
        gathering_ = true;
        break;
      }
    }
  } else if (!is_cntrl7(c)) {
    if (report_.size() < report_capacity) report_ += static_cast<char>(c);
  } else {
    gathering_ = false;
    chat_action a;
    a.kind = chat_action_kind::report;
    a.at = t;
    a.text = scrub(report_);
    schedule(std::move(a));
  }

  const chat_step& st = script_.steps()[pc_];
  if (auto* e = std::get_if<chat_expect_step>(&st.what)) {
    if (pattern_matches(e->attempts[attempt_].pattern)) {
      on_match(static_cast<int>(attempt_), t);
      return;
    }
  } else if (auto* any = std::get_if<chat_any_step>(&st.what)) {
    for (std::size_t k = 0; k < any->alternatives.size(); ++k) {
      if (pattern_matches(any->alternatives[k].pattern)) {
        on_match(static_cast<int>(k), t);
        return;
      }
    }
  }

  for (std::size_t n = 0; n < aborts_.size(); ++n) {
    if (aborts_[n] && ends_with(w, *aborts_[n])) {
      flush_echo();
      chat_outcome o;
      o.result = chat_result::abort;
      o.exit_code = 4 + static_cast<int>(n);
      o.at = t;
      o.abort_index = static_cast<int>(n);
      o.abort_string = *aborts_[n];
      finish(std::move(o));
      return;
    }
  }

  // After the ABORT strings (see the header): when an ABORT and a CALLBACK string end at the
  // same byte (one is a suffix of the other), the failure wins; a callback is never assumed.
  for (const auto& cb : callbacks_) {
    if (ends_with(w, cb)) {
      flush_echo();
      chat_outcome o;
      o.result = chat_result::callback;
      o.exit_code = callback_exit_code;
      o.at = t;
      o.callback_string = cb;
      finish(std::move(o));
      return;
    }
  }
}

void chat_runner::on_match(int alternative, chat_clock::time_point t) {
  flush_echo();
  const chat_step& st = script_.steps()[pc_];
  cursor_ = std::max(cursor_, t);
  chat_action m;
  m.kind = chat_action_kind::matched;
  m.at = cursor_;
  m.alternative = alternative;
  state_ = state::running;
  if (auto* any = std::get_if<chat_any_step>(&st.what)) {
    const auto& alt = any->alternatives[static_cast<std::size_t>(alternative)];
    m.text = pattern_display(alt.pattern);
    schedule(std::move(m));
    if (!schedule_send(alt.send)) return;
  } else {
    const auto& e = std::get<chat_expect_step>(st.what);
    m.text = pattern_display(e.attempts[static_cast<std::size_t>(alternative)].pattern);
    schedule(std::move(m));
  }
  ++pc_;
  run();
}

void chat_runner::on_timeout() {
  flush_echo();
  cursor_ = deadline_;
  const chat_step& st = script_.steps()[pc_];
  if (auto* e = std::get_if<chat_expect_step>(&st.what)) {
    const auto& a = e->attempts[attempt_];
    if (a.on_timeout) {
      state_ = state::running;
      if (!schedule_send(*a.on_timeout)) return;
      ++attempt_;
      if (attempt_ < e->attempts.size()) {
        begin_attempt();
        if (state_ == state::expecting) return;
      } else {
        ++pc_;
      }
      run();
      return;
    }
    chat_outcome o;
    o.result = chat_result::timeout;
    o.exit_code = 3;
    o.at = deadline_;
    o.where = a.pattern.where;
    o.expect = pattern_display(a.pattern);
    o.attempt = static_cast<int>(attempt_);
    finish(std::move(o));
    return;
  }
  const auto& any = std::get<chat_any_step>(st.what);
  chat_outcome o;
  o.result = chat_result::timeout;
  o.exit_code = 3;
  o.at = deadline_;
  o.where = st.where;
  o.expect = "ANY";
  for (const auto& alt : any.alternatives) o.expect += " " + pattern_display(alt.pattern);
  finish(std::move(o));
}

void chat_runner::finish(chat_outcome o) {
  flush_echo();
  if (echo_need_lf_) {  // chat's echo_stderr(-1)
    chat_action a;
    a.kind = chat_action_kind::echo;
    a.at = o.at;
    a.text = "\n";
    schedule(std::move(a));
    echo_need_lf_ = false;
  }
  if (gathering_) {
    // chat's terminate(): read the rest of the report line, 1 s per byte at most.
    pending_outcome_ = std::move(o);
    report_time_ = pending_outcome_->at;
    report_deadline_ = report_time_ + opt_.report_wait;
    state_ = state::finishing_report;
    if (report_.size() >= report_capacity) finish_report_at(report_time_);
    return;
  }
  chat_action a;
  a.kind = chat_action_kind::outcome;
  a.at = o.at;
  a.text = o.to_string();
  final_outcome_ = std::move(o);
  schedule(std::move(a));
  state_ = state::finished;
}

// A byte of the report line read after the script ended (chat's terminate()).
void chat_runner::report_byte(unsigned char b, chat_clock::time_point t) {
  const auto c = static_cast<unsigned char>(b & 0x7f);
  if (is_cntrl7(c)) {
    finish_report_at(t);
    return;
  }
  report_ += static_cast<char>(c);
  report_time_ = t;
  report_deadline_ = t + opt_.report_wait;
  if (report_.size() >= report_capacity) finish_report_at(t);
}

void chat_runner::finish_report_at(chat_clock::time_point t) {
  chat_action a;
  a.kind = chat_action_kind::report;
  a.at = t;
  a.text = scrub(report_);
  schedule(std::move(a));
  gathering_ = false;
  chat_outcome o = std::move(*pending_outcome_);
  pending_outcome_.reset();
  o.at = t;
  finish(std::move(o));
}

bool chat_runner::schedule_send(const chat_send_string& s) {
  const chat_send_string* src = &s;
  chat_send_string from_file;
  if (s.from_file) {
    std::optional<std::string> data;
    if (subs_.read_file) data = subs_.read_file(s.file);
    if (!data) {
      chat_outcome o;
      o.result = chat_result::failed;
      o.exit_code = 1;
      o.at = cursor_;
      o.where = s.where;
      o.reason = "cannot read @" + visible(s.file);
      finish(std::move(o));
      return false;
    }
    if (data->size() > buffer_size - 1) data->resize(buffer_size - 1);
    if (!data->empty() && data->back() == '\n') data->pop_back();
    if (auto z = data->find('\0'); z != std::string::npos) data->resize(z);
    clean_error ce;
    make_send(*data, s.where, false, from_file, ce);  // lenient: chat's own reading
    from_file.quiet = true;  // what a file holds is a secret as far as displays go
    src = &from_file;
  }

  auto t = cursor_;
  chat_action chunk;
  chunk.kind = chat_action_kind::send;
  chunk.spacing = opt_.byte_spacing;
  auto flush = [&] {
    if (chunk.bytes.empty()) return;
    if (src->quiet) chunk.redacted = std::string(redaction);
    schedule(std::move(chunk));
    chunk = {};
    chunk.kind = chat_action_kind::send;
    chunk.spacing = opt_.byte_spacing;
  };
  auto add = [&](std::string_view bytes, bool secret) {
    for (char b : bytes) {
      t += opt_.byte_spacing;
      if (chunk.bytes.empty()) chunk.at = t;
      chunk.bytes += b;
      if (!secret) chunk.redacted += b;
    }
    if (secret && !bytes.empty()) chunk.redacted += redaction;
  };
  for (const auto& p : src->pieces) {
    switch (p.kind) {
      case chat_piece_kind::bytes: add(p.bytes, false); break;
      case chat_piece_kind::phone: add(subs_.phone ? *subs_.phone : std::string("T"), false); break;
      case chat_piece_kind::user: add(subs_.user ? *subs_.user : std::string("U"), false); break;
      case chat_piece_kind::callback: add(subs_.callback.value_or("B"), false); break;
      case chat_piece_kind::password:
        if (subs_.password)
          add(*subs_.password, true);
        else
          add("P", false);
        break;
      case chat_piece_kind::delay:
        flush();
        t += opt_.delay;
        break;
      case chat_piece_kind::pause:
        flush();
        t += opt_.pause;
        break;
      case chat_piece_kind::send_break: {
        flush();
        chat_action b;
        b.kind = chat_action_kind::send_break;
        b.at = t;
        schedule(std::move(b));
        t += opt_.break_time;
        break;
      }
    }
  }
  flush();
  cursor_ = t;
  return true;
}

void chat_runner::schedule(chat_action a) {
  if (!scheduled_.empty() && a.at < scheduled_.back().at) a.at = scheduled_.back().at;
  scheduled_.push_back(std::move(a));
}

void chat_runner::release(chat_clock::time_point now) {
  while (!scheduled_.empty() && scheduled_.front().at <= now) {
    if (scheduled_.front().kind == chat_action_kind::outcome) {
      outcome_ = final_outcome_;
      state_ = state::done;
    }
    ready_.push_back(std::move(scheduled_.front()));
    scheduled_.pop_front();
  }
}

// chat's echo_stderr(): CR dropped, LF a new line, controls as ^X. Lines are held until they end
// (or the expect ends) so that the password can be scrubbed from a whole line.
void chat_runner::emit_echo(unsigned char c, chat_clock::time_point t) {
  echo_time_ = t;
  if (c == '\r') return;
  if (c == '\n') {
    echo_line_ += '\n';
    echo_need_lf_ = false;
    flush_echo();
    return;
  }
  echo_line_ += visible(std::string_view(reinterpret_cast<const char*>(&c), 1));
  echo_need_lf_ = true;
}

void chat_runner::flush_echo() {
  if (echo_line_.empty()) return;
  chat_action a;
  a.kind = chat_action_kind::echo;
  a.at = echo_time_;
  a.text = scrub(std::move(echo_line_));
  echo_line_.clear();
  schedule(std::move(a));
}

std::string chat_runner::scrub(std::string text) const {
  if (!subs_.password || subs_.password->empty()) return text;
  std::string pw7;
  for (char ch : *subs_.password) pw7 += static_cast<char>(ch & 0x7f);
  replace_all(text, *subs_.password, redaction);
  replace_all(text, pw7, redaction);
  replace_all(text, visible(pw7), redaction);
  return text;
}

}  // namespace dialup
