// The post-call diagnostics decoders (call_diagnostics.hpp; docs/diag.md §4).
//
//   feed(bytes) ──> split at CR/LF (max_line, max_answer) ──> line()
//                                                             ├─ OK / ERROR   -> done
//                                                             ├─ echo, blank  -> skipped
//                                                             └─ by format:
//        AT#UD   "DIAG <2A4D3263 k=v k=v ...>"  every key kept; the known ones decoded
//        ATI6    "Label  n   Label  n" counters; "Protocol X", "Disconnect Reason is X"
//        ATI11   "Label (unit)   value" rows; the value is the row's last word
//        AT&V1   "LABEL........ value"
//
// The AT#UD keys and values follow Microsoft's Unimodem Diagnostic Command Specification
// (keys hex, values hex unless quoted, V.58 cause codes for key 60); ATI6/ATI11 follow the
// U.S. Robotics Courier/Sportster command references; AT&V1 the Conexant-based modems'
// manuals (MultiTech MT5600 and others). docs/modem-behaviour.md §6 sums them up.
#include "dialup/engine/call_diagnostics.hpp"

#include <charconv>
#include <cstdlib>

#include "dialup/engine/text.hpp"

namespace dialup {

namespace {

using text::iequals;
using text::trim;

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_dec(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A plain decimal number with an optional sign and fraction ("20.4", "-2.3").
std::optional<double> parse_real(std::string_view s) {
  if (s.empty() || s.size() > 24) return std::nullopt;
  std::size_t i = 0, digits = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  bool point = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') ++digits;
    else if (s[i] == '.' && !point) point = true;
    else return std::nullopt;
  }
  if (!digits) return std::nullopt;
  return std::strtod(std::string(s).c_str(), nullptr);
}

// "a/b" as two parts.
bool split_pair(std::string_view s, std::string_view& a, std::string_view& b) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  a = trim(s.substr(0, slash));
  b = trim(s.substr(slash + 1));
  return !a.empty() && !b.empty();
}

std::string_view last_word(std::string_view s) {
  s = trim(s);
  const auto sp = s.find_last_of(" \t");
  return sp == std::string_view::npos ? s : s.substr(sp + 1);
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> v;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && text::is_blank(s[i])) ++i;
    const std::size_t b = i;
    while (i < s.size() && !text::is_blank(s[i])) ++i;
    if (i > b) v.push_back(s.substr(b, i - b));
  }
  return v;
}

std::uint32_t clamp32(std::uint64_t v) {
  return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}

}  // namespace

std::string_view to_string(diag_format f) noexcept {
  switch (f) {
    case diag_format::unimodem_ud: return "AT#UD";
    case diag_format::usr_i6: return "ATI6";
    case diag_format::usr_i11: return "ATI11";
    case diag_format::conexant_v1: return "AT&V1";
  }
  return "?";
}

std::string_view diag_command(diag_format f) noexcept { return to_string(f); }

// V.58 callCleared codes as the Unimodem specification lists them for key 60.
std::string_view ud_termination_text(std::uint32_t code) noexcept {
  switch (code) {
    case 0x00: return "cause unidentified";
    case 0x01: return "no previous call";
    case 0x02: return "call still in progress";
    case 0x03: return "call waiting signal detected";
    case 0x04: return "delayed";
    case 0x19: return "inactivity timer expired";
    case 0x1F: return "DTR off inhibits dialling";
    case 0x20: return "DTR dropped";
    case 0x29: return "blacklisted number";
    case 0x2A: return "call attempts limit exceeded";
    case 0x2B: return "extension phone off hook";
    case 0x2C: return "call set-up timer (S7) expired";
    case 0x2D: return "incoming call while dialling";
    case 0x2E: return "loop current interrupted";
    case 0x2F: return "no dial tone";
    case 0x31: return "reorder tone";
    case 0x33: return "engaged (busy) tone";
    case 0x34: return "long space disconnect";
    case 0x3C: return "carrier lost";
    case 0x3D: return "training failed";
    case 0x3E: return "no modulation in common";
    case 0x3F: return "retrain failed";
    case 0x40: return "retrain attempt limit exceeded";
    case 0x41: return "GSTN cleardown received";
    case 0x42: return "fax detected";
    case 0x46: return "in test mode";
    case 0x50: return "any-key abort";
    case 0x51: return "DTE hang-up command (ATH)";
    case 0x52: return "DTE reset command (ATZ)";
    case 0x5A: return "frame reject";
    case 0x5B: return "no error control established";
    case 0x5C: return "protocol violation";
    case 0x5D: return "n400 exceeded";
    case 0x5E: return "negotiation failed";
    case 0x5F: return "disconnect frame received";
    case 0x60: return "SABME frame received";
    case 0x64: return "loss of synchronisation (compression)";
    default: return "";
  }
}

std::string_view ud_setup_text(std::uint32_t code) noexcept {
  switch (code) {
    case 0x0: return "no previous call";
    case 0x1: return "no dial tone";
    case 0x2: return "reorder (network busy)";
    case 0x3: return "busy";
    case 0x4: return "no recognised signal";
    case 0x5: return "voice";
    case 0x6: return "text telephone (V.18)";
    case 0x7: return "data answering signal";
    case 0x8: return "data calling signal";
    case 0x9: return "fax answer";
    case 0xA: return "fax calling";
    case 0xB: return "V.8bis";
    default: return "";
  }
}

std::string_view ud_modulation_text(std::uint32_t code) noexcept {
  static constexpr std::string_view names[] = {
      "V.17",       "V.21",      "V.22",     "V.22bis",      "V.23 constant carrier",
      "V.23 switched carrier",   "V.26bis",  "V.26ter",      "V.27ter",
      "V.29 HD",    "V.32",      "V.32bis",  "V.34",         "V.34 HD",
      "V.90 issue 1", "V.90 issue 2", "",    "X2",           "K56flex",
      "V.FC",       "V.32terbo", "Bell 212A", "Bell 103"};
  return code < std::size(names) ? names[code] : std::string_view{};
}

std::optional<std::uint32_t> call_diagnostics::retrains() const {
  if (retrains_granted) return retrains_granted;
  if (retrains_requested) return retrains_requested;
  if (speed_shifts_up && speed_shifts_down) return *speed_shifts_up + *speed_shifts_down;
  return std::nullopt;
}

call_diagnostics_decoder::call_diagnostics_decoder(diag_format f) { out_.format = f; }

void call_diagnostics_decoder::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (done_ || overflow_) return;
    if (++fed_ > max_answer) {
      overflow_ = true;
      out_.problems.push_back("the answer is longer than " + std::to_string(max_answer) +
                              " bytes: the rest was ignored");
      return;
    }
    if (c == '\r' || c == '\n') {
      if (!pending_.empty()) line(pending_, true);
      pending_.clear();
      line_cut_ = false;
    } else if (pending_.size() < max_line) {
      pending_ += c;
    } else if (!line_cut_) {
      line_cut_ = true;
      out_.problems.push_back("line " + std::to_string(lines_ + 1) + ": longer than " +
                              std::to_string(max_line) + " characters, cut");
    }
  }
}

void call_diagnostics_decoder::line(std::string_view raw, bool finished_line) {
  const std::string_view t = trim(raw);
  if (t.empty()) return;
  ++lines_;
  const std::string where = "line " + std::to_string(lines_) + ": ";
  auto problem = [&](const std::string& why) { out_.problems.push_back(where + why); };
  if (finished_line && (t == "OK" || t == "0")) {
    ok_ = true;
    done_ = true;
    return;
  }
  if (finished_line && (t == "ERROR" || t == "4" || istarts_with(t, "+CME ERROR"))) {
    out_.error_reply = true;
    done_ = true;
    return;
  }
  if (lines_ == 1 && istarts_with(t, "AT")) return;  // the echo of the command (E1)

  switch (out_.format) {
    case diag_format::unimodem_ud: {
      if (!istarts_with(t, "DIAG")) {
        problem("not a DIAG line: '" + std::string(t.substr(0, 40)) + "'");
        return;
      }
      std::string_view s = trim(t.substr(4));
      if (s.empty() || s.front() != '<') {
        problem("no '<' after DIAG");
        return;
      }
      s.remove_prefix(1);
      std::size_t i = 0;
      while (i < s.size() && !text::is_blank(s[i]) && s[i] != '>') ++i;
      const std::string_view token = s.substr(0, i);
      if (!iequals(token, "2A4D3263")) {
        problem("the key type is '" + std::string(token) + "', not 2A4D3263");
        return;
      }
      header_seen_ = true;
      bool closed = false;
      while (i < s.size()) {
        while (i < s.size() && text::is_blank(s[i])) ++i;
        if (i >= s.size()) break;
        if (s[i] == '>') {
          closed = true;
          break;
        }
        const std::size_t kb = i;
        while (i < s.size() && s[i] != '=' && !text::is_blank(s[i]) && s[i] != '>') ++i;
        const std::string_view key_text = s.substr(kb, i - kb);
        if (i >= s.size() || s[i] != '=') {
          problem("'" + std::string(key_text) + "' has no '=value'");
          while (i < s.size() && !text::is_blank(s[i]) && s[i] != '>') ++i;
          continue;
        }
        ++i;  // '='
        std::string value;
        bool quoted = false, value_ok = true;
        if (i < s.size() && s[i] == '"') {
          quoted = true;
          const auto end = s.find('"', i + 1);
          if (end == std::string_view::npos) {
            problem("key " + std::string(key_text) + ": the quoted string does not end");
            value_ok = false;
            i = s.size();
          } else {
            value = std::string(s.substr(i, end - i + 1));
            i = end + 1;
          }
        } else {
          const std::size_t vb = i;
          while (i < s.size() && !text::is_blank(s[i]) && s[i] != '>') ++i;
          value = std::string(s.substr(vb, i - vb));
        }
        const auto key = key_text.size() <= 2 ? parse_hex(key_text) : std::nullopt;
        if (!key) {
          problem("key '" + std::string(key_text) + "' is not 1-2 hexadecimal digits");
          continue;
        }
        if (!value_ok) continue;
        // Only the last line of a cut answer can end in a cut value: it is not trusted.
        if (!finished_line && i >= s.size()) {
          problem("key " + std::string(key_text) + ": the value is cut short");
          continue;
        }
        if (out_.ud_keys.count(static_cast<std::uint32_t>(*key)))
          problem("key " + std::string(key_text) + " given twice: the later value is used");
        out_.ud_keys[static_cast<std::uint32_t>(*key)] = value;
        if (quoted) continue;
        const auto v = parse_hex(value);
        if (!v) {
          problem("key " + std::string(key_text) + ": value '" + value + "' is not hexadecimal");
          out_.ud_keys.erase(static_cast<std::uint32_t>(*key));
          continue;
        }
        const std::uint32_t n = clamp32(*v);
        switch (*key) {
          case 0x00: {
            std::string r = value.size() == 2 ? value.substr(0, 1) + "." + value.substr(1) : value;
            out_.spec_revision = r;
            break;
          }
          case 0x01:
            out_.setup_result = n;
            if (auto w = ud_setup_text(n); !w.empty()) out_.setup_text = std::string(w);
            break;
          case 0x10: out_.rx_level_dbm = -static_cast<double>(n); break;
          case 0x11: out_.tx_level_dbm = -static_cast<double>(n); break;
          case 0x12: out_.noise_dbm = -static_cast<double>(n); break;
          case 0x13: out_.mse = n; break;
          case 0x14: out_.near_echo_loss_db = n; break;
          case 0x15: out_.far_echo_loss_db = n; break;
          case 0x17: out_.round_trip_ms = n; break;
          case 0x20:
          case 0x21: {
            auto w = ud_modulation_text(n);
            std::string name = w.empty() ? "code " + value : std::string(w);
            (*key == 0x20 ? out_.tx_modulation : out_.rx_modulation) = name;
            break;
          }
          case 0x22: out_.tx_symbol_rate = n; break;
          case 0x23: out_.rx_symbol_rate = n; break;
          case 0x26: out_.initial_tx_rate = n; break;
          case 0x27: out_.initial_rx_rate = n; break;
          case 0x30: out_.carrier_losses = n; break;
          case 0x31: out_.rate_renegotiations = n; break;
          case 0x32: out_.retrains_requested = n; break;
          case 0x33: out_.retrains_granted = n; break;
          case 0x34: out_.tx_rate = n; break;
          case 0x35: out_.rx_rate = n; break;
          // Keys 40 and 44 are enumerations whose values the specification's tables give and
          // which are not verified here: the code is shown, not a name.
          case 0x40: out_.protocol = "code " + value; break;
          case 0x44: out_.compression = "code " + value; break;
          case 0x52: out_.chars_sent = *v; break;
          case 0x53: out_.chars_received = *v; break;
          case 0x54: out_.chars_lost_tx = *v; break;
          case 0x55: out_.chars_lost_rx = *v; break;
          case 0x60:
            out_.termination_code = n;
            if (auto w = ud_termination_text(n); !w.empty()) out_.termination = std::string(w);
            else out_.termination = "cause " + value;
            break;
          default: break;
        }
      }
      if (!closed) problem("no closing '>' (the line was cut short)");
      return;
    }

    case diag_format::usr_i6: {
      if (t.find("Link Diagnostics") != std::string_view::npos) return;  // the title
      if (istarts_with(t, "Disconnect Reason is")) {
        header_seen_ = true;
        out_.termination = std::string(trim(t.substr(20)));
        return;
      }
      struct text_field {
        std::string_view label;
        std::optional<std::string> call_diagnostics::*field;
      };
      static const text_field texts[] = {{"Data Compression", &call_diagnostics::compression},
                                         {"Protocol", &call_diagnostics::protocol},
                                         {"Last Call", &call_diagnostics::call_duration}};
      for (const auto& f : texts) {
        if (istarts_with(t, f.label)) {
          out_.*(f.field) = std::string(trim(t.substr(f.label.size())));
          return;
        }
      }
      if (istarts_with(t, "Speed")) {
        std::string_view a, b;  // receive/transmit, as the Courier prints it
        const auto rx = split_pair(trim(t.substr(5)), a, b) ? parse_dec(a) : std::nullopt;
        const auto tx = rx ? parse_dec(b) : std::nullopt;
        if (!rx || !tx) return problem("Speed: '" + std::string(trim(t.substr(5))) + "' is not RX/TX");
        out_.rx_rate = clamp32(*rx);
        out_.tx_rate = clamp32(*tx);
        return;
      }
      if (istarts_with(t, "V.90 Peak Speed") || istarts_with(t, "Equalization") ||
          istarts_with(t, "Fallback"))
        return;
      // Counter columns: label words, then a number; twice per line.
      struct counter {
        std::string_view label;
        std::optional<std::uint64_t> call_diagnostics::*wide = nullptr;
        std::optional<std::uint32_t> call_diagnostics::*narrow = nullptr;
      };
      static const counter counters[] = {
          {"Chars sent", &call_diagnostics::chars_sent, nullptr},
          {"Chars Received", &call_diagnostics::chars_received, nullptr},
          // ATI6 has one "Chars lost" count: characters the modem dropped from its
          // receive buffer towards the DTE.
          {"Chars lost", &call_diagnostics::chars_lost_rx, nullptr},
          {"Retrains Requested", nullptr, &call_diagnostics::retrains_requested},
          {"Retrains Granted", nullptr, &call_diagnostics::retrains_granted},
          {"Blers", nullptr, &call_diagnostics::block_errors},
          {"Blocks resent", nullptr, &call_diagnostics::blocks_resent},
          {"Link Timeouts", nullptr, &call_diagnostics::link_timeouts},
          {"Link Naks", nullptr, &call_diagnostics::link_naks},
      };
      std::string label;
      for (auto w : words(t)) {
        if (auto n = parse_dec(w); n && !label.empty()) {
          for (const auto& c : counters) {
            if (!iequals(label, c.label)) continue;
            if (c.wide) out_.*(c.wide) = *n;
            else out_.*(c.narrow) = clamp32(*n);
          }
          label.clear();
          continue;
        }
        if (!label.empty()) label += ' ';
        label += w;
      }
      if (!label.empty()) {
        for (const auto& c : counters)
          if (istarts_with(label, c.label))
            return problem("'" + std::string(c.label) + "' has no number after it");
      }
      return;
    }

    case diag_format::usr_i11: {
      if (t.find("Link Diagnostics") != std::string_view::npos) return;
      const std::string_view value = last_word(t);
      auto real = [&](std::string_view v, std::string_view what) {
        auto r = parse_real(v);
        if (!r) problem(std::string(what) + ": '" + std::string(v) + "' is not a number");
        return r;
      };
      auto pair = [&](std::string_view what, std::optional<double>& a, std::optional<double>& b) {
        std::string_view x, y;
        if (!split_pair(value, x, y)) return problem(std::string(what) + ": '" + std::string(value) + "' is not A/B");
        a = real(x, what);
        b = real(y, what);
      };
      if (istarts_with(t, "Modulation")) {
        header_seen_ = true;
        const std::string m(trim(t.substr(10)));
        if (!iequals(m, "None")) out_.tx_modulation = out_.rx_modulation = m;
      } else if (istarts_with(t, "Symbol Rate")) {
        std::optional<double> rx, tx;  // receive/transmit ("8000/3200" on a V.90 call)
        pair("Symbol Rate", rx, tx);
        if (rx) out_.rx_symbol_rate = static_cast<std::uint32_t>(*rx);
        if (tx) out_.tx_symbol_rate = static_cast<std::uint32_t>(*tx);
      } else if (istarts_with(t, "Recv/Xmit Level")) {
        std::optional<double> rx, tx;  // printed as -dBm
        pair("Recv/Xmit Level", rx, tx);
        if (rx) out_.rx_level_dbm = -*rx;
        if (tx) out_.tx_level_dbm = -*tx;
      } else if (istarts_with(t, "Near Echo Loss")) {
        out_.near_echo_loss_db = real(value, "Near Echo Loss");
      } else if (istarts_with(t, "Far Echo Loss")) {
        out_.far_echo_loss_db = real(value, "Far Echo Loss");
      } else if (istarts_with(t, "Round Trip Delay")) {
        if (auto n = parse_dec(value)) out_.round_trip_ms = clamp32(*n);
        else problem("Round Trip Delay: '" + std::string(value) + "' is not a number");
      } else if (istarts_with(t, "SNR")) {
        out_.snr_db = real(value, "SNR");
      } else if (istarts_with(t, "Speed Shifts")) {
        std::optional<double> up, down;
        pair("Speed Shifts", up, down);
        if (up) out_.speed_shifts_up = static_cast<std::uint32_t>(*up);
        if (down) out_.speed_shifts_down = static_cast<std::uint32_t>(*down);
      }
      return;
    }

    case diag_format::conexant_v1: {
      const auto dots = t.find("..");
      if (dots == std::string_view::npos) return;  // a heading or a line of its own
      const std::string_view label = trim(t.substr(0, dots));
      std::string_view value = t.substr(dots);
      while (!value.empty() && value.front() == '.') value.remove_prefix(1);
      value = trim(value);
      auto number = [&](std::string_view v) -> std::optional<std::uint64_t> {
        // "26400 BPS": the number before the unit.
        const auto w = words(v);
        auto n = w.empty() ? std::nullopt : parse_dec(w.front());
        if (!n) problem(std::string(label) + ": '" + std::string(v) + "' is not a number");
        return n;
      };
      if (iequals(label, "TERMINATION REASON")) {
        header_seen_ = true;
        out_.termination = std::string(value);
      } else if (iequals(label, "LAST TX rate")) {
        if (auto n = number(value)) out_.tx_rate = clamp32(*n);
      } else if (iequals(label, "HIGHEST TX rate")) {
        if (auto n = number(value)) out_.highest_tx_rate = clamp32(*n);
      } else if (iequals(label, "LAST RX rate")) {
        if (auto n = number(value)) out_.rx_rate = clamp32(*n);
      } else if (iequals(label, "HIGHEST RX rate")) {
        if (auto n = number(value)) out_.highest_rx_rate = clamp32(*n);
      } else if (iequals(label, "PROTOCOL")) {
        out_.protocol = std::string(value);
      } else if (iequals(label, "COMPRESSION")) {
        out_.compression = std::string(value);
      } else if (iequals(label, "Line QUALITY")) {
        if (auto n = number(value)) out_.line_quality = clamp32(*n);
      } else if (iequals(label, "Rx LEVEL")) {
        if (auto n = number(value)) out_.rx_level_dbm = -static_cast<double>(*n);  // -dBm
      } else if (iequals(label, "Local Rtrn Count") || iequals(label, "Remote Rtrn Count")) {
        // The retrains either side asked for, summed.
        if (auto n = number(value))
          out_.retrains_requested = out_.retrains_requested.value_or(0) + clamp32(*n);
      }
      return;
    }
  }
}

call_diagnostics call_diagnostics_decoder::result() const {
  call_diagnostics_decoder copy = *this;
  if (!copy.done_ && !copy.overflow_ && !copy.pending_.empty()) {
    std::string last = std::move(copy.pending_);
    copy.pending_.clear();
    copy.line(last, false);
  }
  call_diagnostics r = std::move(copy.out_);
  if (!copy.done_ && !copy.overflow_) r.problems.push_back("the answer stopped before its final OK");
  if (copy.ok_ && !copy.header_seen_ && !r.error_reply) {
    switch (r.format) {
      case diag_format::unimodem_ud: r.problems.push_back("no DIAG line in the answer"); break;
      case diag_format::usr_i6: r.problems.push_back("no 'Disconnect Reason' line (cut short?)"); break;
      case diag_format::usr_i11: r.problems.push_back("no 'Modulation' line (cut short?)"); break;
      case diag_format::conexant_v1: r.problems.push_back("no 'TERMINATION REASON' line (cut short?)"); break;
    }
  }
  if (r.format == diag_format::unimodem_ud && r.rx_level_dbm && r.noise_dbm) {
    r.snr_db = *r.rx_level_dbm - *r.noise_dbm;
    r.snr_derived = true;
  }
  r.complete = copy.ok_ && copy.header_seen_ && r.problems.empty();
  return r;
}

call_diagnostics decode_call_diagnostics(diag_format f, std::string_view answer) {
  call_diagnostics_decoder d(f);
  d.feed(answer);
  return d.result();
}

}  // namespace dialup
