// chat's clean(): the escapes of expect and send strings (chat(8), "ESCAPE SEQUENCES"), read as
// chat.c reads them where the man page is silent — a lone trailing backslash is dropped in an
// expect and sent in a send, \c counts only at the end of a send, \B and \P (ours) are their
// letters to a lenient expect as to chat's clean() — and chat's %v display form, which turns
// bytes back into text a log can show. Which escapes strict parsing refuses where is in
// chat_script.hpp.
#include <utility>

#include "chat_detail.hpp"

namespace dialup::chat_detail {

namespace {

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

}  // namespace

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

std::string quoted(std::string_view s) { return "\"" + visible(s) + "\""; }

std::string send_display(const chat_send_string& s) {
  return s.quiet || s.from_file ? std::string(redaction) : visible(s.source);
}

std::string pattern_display(const chat_pattern& p) {
  return p.regex ? "REGEX " + quoted(p.source) : quoted(p.source);
}

}  // namespace dialup::chat_detail
