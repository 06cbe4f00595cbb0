// The chat-script parser: tokens (chat_lexer.cpp) into a chat_script, and the script back into
// text (describe). Tokens alternate expect, send, expect, send... across lines, and a keyword
// counts only in an expect position, taking the next token as its argument, as in chat.c's
// do_file() and chat_expect(); chat's fatal errors about ABORT and REPORT strings (too long, too
// many) are found here, at parse time. REGEX patterns are compiled here with RE2, so a bad one
// is a syntax error before anything is dialled. The language, and what strict parsing refuses,
// is in chat_script.hpp.
#include "dialup/engine/chat_script.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <utility>

#include "chat_detail.hpp"
#include "dialup/engine/ras_error.hpp"

namespace dialup {

using namespace chat_detail;

namespace {

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

}  // namespace

class chat_parser {
 public:
  chat_parser(const chat_parse_options& o, chat_syntax_error& e) : opt_(o), err_(e) {}

  std::optional<chat_script> build(const std::vector<token>& tokens) {
    chat_script script;
    script.options_ = opt_;
    std::vector<std::string> aborts;  // for the parse-time count, as chat's array would hold
    std::vector<std::string> reports;
    std::size_t callbacks = 0;  // no CLR_CALLBACK: they only accumulate
    std::size_t i = 0;
    const std::size_t n = tokens.size();
    while (i < n) {
      const token& t = tokens[i];
      auto kw = keyword(t.text);
      if (!kw && t.extensions && t.text == "CALLBACK") kw = chat_keyword::callback;
      if (kw) {
        if (i + 1 >= n) {
          if (!opt_.strict) break;  // chat sets a flag nobody reads
          fail(t.where, std::string(to_string(*kw)) + " needs an argument");
          return std::nullopt;
        }
        const token& a = tokens[i + 1];
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
        if (!make_regex(tokens[i + 1], at.pattern)) return std::nullopt;
        e.attempts.push_back(std::move(at));
        script.steps_.push_back({t.where, std::move(e)});
        i += 2;
        if (i < n) {
          if (!add_send(script, tokens[i])) return std::nullopt;
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
          const token& x = tokens[i];
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
            if (!make_regex(tokens[i + 1], alt.pattern)) return std::nullopt;
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
          if (!make_send(tokens[i].text, tokens[i].where, opt_.strict, alt.send, ce)) {
            fail({tokens[i].where.line, tokens[i].content_column + static_cast<int>(ce.offset)}, ce.reason);
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
        if (!add_send(script, tokens[i])) return std::nullopt;
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
  std::vector<chat_detail::token> tokens;
  if (!chat_detail::tokenize_text(text, options.extensions, tokens, error)) return std::nullopt;
  return chat_parser(options, error).build(tokens);
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
  return chat_parser(options, error).build(chat_detail::tokenize_words(words, options.extensions));
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

}  // namespace dialup
