// The chat-script lexer: script text (as chat -f reads a file) or the command-line words, into
// tokens. As chat.c reads a file: a line is cut at a NUL (fgets() and C strings); a comment line
// has # in column 1 and nowhere else; quotes only group, and a quoted token ends at its closing
// quote, so the next token may start right after it; a backslash inside quotes protects the
// next character; a raw CR (CRLF line ends) stays part of the token. The comment line
// "#dialup: extensions" turns the extensions on for the tokens after it (chat_script.hpp).
#include <utility>

#include "chat_detail.hpp"

namespace dialup::chat_detail {

bool tokenize_text(std::string_view text, bool extensions, std::vector<token>& out,
                   chat_syntax_error& error) {
  bool ext = extensions;
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
            error.where = t.where;
            error.reason = "unterminated quote";
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
      out.push_back(std::move(t));
    }
  }
  return true;
}

std::vector<token> tokenize_words(const std::vector<std::string>& words, bool extensions) {
  std::vector<token> out;
  int n = 0;
  for (const auto& w : words) {
    ++n;
    token t;
    t.text = w;
    t.where = {n, 1};
    t.content_column = 1;
    t.extensions = extensions;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace dialup::chat_detail
