// ASCII text helpers shared by the engine, its tools and its tests: one case-insensitive
// comparison, one trim, one way of showing raw line bytes. ASCII only on purpose — AT
// responses, phone-book keys and entry names compare as Windows and V.250 compare them
// (letters A–Z/a–z only), never by the process locale.
#pragma once

#include <string>
#include <string_view>

namespace dialup::text {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char ascii_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

inline std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Spaces and tabs off both ends.
constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Raw line bytes as one printable line, unambiguously: \r \n \\ and \xNN for every other
// control or non-ASCII byte; printable ASCII as itself. Traces and the simulator's logs all
// show bytes this way.
inline std::string escape_bytes(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() + 8);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else out += ch;
  }
  return out;
}

}  // namespace dialup::text
