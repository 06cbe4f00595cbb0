// What the simulated Hayes/V.250 modem says to the DTE (docs/modem-behaviour.md; §n below
// refers to it): result codes in their verbose and numeric forms (§2), CONNECT and its
// reports (§2.4), information text, the &V profile (§3.5), caller ID (§8.2) and the
// diagnostics of the last call (ATI6, ATI11, AT#UD, AT&V1, §6), +CME ERROR.

#include <dialup/hwsim/modem.hpp>
#include "modem_detail.hpp"

#include <cstdio>

namespace dialup::hwsim {

using modem_detail::k_regs;

// ---------------------------------------------------------------------------- output

std::string modem::crlf() const {
  return std::string{static_cast<char>(reg(3)), static_cast<char>(reg(4))};
}

void modem::emit(std::string_view bytes) {
  if (!silent_ && out_ && !bytes.empty()) out_(bytes);
}

// §2.1: V1 = <S3><S4>TEXT<S3><S4>; V0 = <digits><S3> with nothing before; Q1 = nothing.
void modem::emit_result(int code, const std::string& text) {
  if (cur_.quiet) return;
  if (cur_.verbose) {
    emit(crlf() + text + crlf());
  } else {
    emit(std::to_string(code) + static_cast<char>(reg(3)));
  }
}

void modem::emit_error() { emit_result(4, "ERROR"); }

namespace {

// The 27.007 §9.2 texts of the codes this modem gives.
const char* cme_text(int code) {
  switch (code) {
    case 3: return "operation not allowed";
    case 4: return "operation not supported";
    case 11: return "SIM PIN required";
    case 12: return "SIM PUK required";
    case 13: return "SIM failure";
    case 16: return "incorrect password";
    case 21: return "invalid index";
    case 30: return "no network service";
    case 50: return "incorrect parameters";
    default: return "unknown";
  }
}

}  // namespace

// +CME ERROR (27.007, §5.1/§5.2) in place of ERROR, as +CMEE selects: 2 the text,
// 1 the number, 0 a plain ERROR.
void modem::emit_cme_error() {
  if (cur_.cmee == 2)
    emit_result(4, "+CME ERROR: " + std::string(cme_text(cme_code_)));
  else if (cur_.cmee == 1)
    emit_result(4, "+CME ERROR: " + std::to_string(cme_code_));
  else
    emit_error();
}

// Unsolicited or extended lines that have no numeric code (+MCR:, caller ID): framed
// like a V1 result code, or like information text in V0; Q1 suppresses them (§1.4).
void modem::emit_text_result(const std::string& text) {
  if (cur_.quiet) return;
  emit(cur_.verbose ? crlf() + text + crlf() : text + crlf());
}

// §2.1: information text is V1 `\r\ntext\r\n`, V0 `text\r\n`; Q1 does not suppress it.
void modem::emit_info(const std::vector<std::string>& lines) {
  std::string s;
  if (cur_.verbose) {
    s = crlf();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) s += crlf();
      s += lines[i];
    }
    s += crlf();
  } else {
    for (const auto& l : lines) s += l + crlf();
  }
  emit(s);
}

// §2.4: X0 → CONNECT; X1+ → CONNECT <rate>; W1 → CARRIER/PROTOCOL/COMPRESSION first;
// +MR/+ER/+DR → +MCR/+MRR, +ER, +DR lines. Extended codes have no numeric form and are
// always verbose (§1.4), so they are skipped in V0.
void modem::emit_connect() {
  if (cur_.quiet) return;
  const unsigned line_rate = rate_;
  unsigned shown = line_rate;
  if (cur_.w == 0 && p_->w0_shows_dte_rate) shown = 115200;
  const char* mcr = line_rate > 33600 ? "V90" : line_rate > 14400 ? "V34"
                    : line_rate > 9600 ? "V32B" : line_rate > 2400 ? "V32"
                    : line_rate > 1200 ? "V22B" : "V22";
  auto ext = [this](const char* n) -> long {
    for (const auto& [name, v] : cur_.ext)
      if (name == n && !v.empty()) return v[0];
    return 0;
  };
  if (cur_.verbose) {
    if (cur_.x >= 1 && cur_.w == 1) {
      emit_result(40, "CARRIER " + std::to_string(line_rate));
      emit_result(70, "PROTOCOL: NONE");
      emit_result(69, "COMPRESSION: NONE");
    }
    if (ext("+MR") >= 1) {
      emit_text_result(std::string("+MCR: ") + mcr);
      emit_text_result("+MRR: " + std::to_string(line_rate) + "," + std::to_string(line_rate));
    }
    if (ext("+ER") >= 1) emit_text_result("+ER: NONE");
    if (ext("+DR") >= 1) emit_text_result("+DR: NONE");
  }
  if (cur_.x == 0) {
    emit_result(1, "CONNECT");
    return;
  }
  int code = 1;
  for (const auto& [r, c] : p_->connect_codes)
    if (r == shown) code = c;
  emit_result(code, "CONNECT " + std::to_string(shown));
}

// ---------------------------------------------------------------------------- reports

std::vector<std::string> modem::profile_lines(const settings& s) const {
  // §3.5 Hayes &V layout.
  auto basic = [](const settings& p) {
    std::string l = "B0 E" + std::to_string(p.echo) + " L" + std::to_string(p.l) + " M" +
                    std::to_string(p.m) + " N1 Q" + std::to_string(p.quiet) +
                    (p.pulse ? " P" : " T") + " V" + std::to_string(p.verbose) + " W" +
                    std::to_string(p.w) + " X" + std::to_string(p.x) + " Y" +
                    std::to_string(p.y) + " &C" + std::to_string(p.c) + " &D" +
                    std::to_string(p.d) + " &G0 &J0 &K" + std::to_string(p.k) +
                    " &Q5 &R0 &S0 &T4 &X0 &Y0";
    return l;
  };
  auto regs = [](const settings& p, std::vector<std::string>& out) {
    std::string l;
    int count = 0;
    for (const auto& r : k_regs) {
      if (r.n > 40) break;
      char b[16];
      std::snprintf(b, sizeof b, "S%02u:%03u", r.n, p.regs[r.n]);
      if (count) l += ' ';
      l += b;
      if (++count == 9) {
        out.push_back(l);
        l.clear();
        count = 0;
      }
    }
    if (!l.empty()) out.push_back(l);
  };
  std::vector<std::string> v;
  v.push_back("ACTIVE PROFILE:");
  v.push_back(basic(s));
  regs(s, v);
  for (unsigned i = 0; i < 2; ++i) {
    v.push_back("");
    v.push_back("STORED PROFILE " + std::to_string(i) + ":");
    v.push_back(basic(nvram_[i]));
    regs(nvram_[i], v);
  }
  v.push_back("");
  v.push_back("TELEPHONE NUMBERS:");
  std::string t;
  for (std::size_t i = 0; i < stored_numbers_.size(); ++i) {
    if (i) t += ' ';
    t += std::to_string(i) + "=" + stored_numbers_[i];
  }
  v.push_back(t);
  return v;
}

// §8.2 caller ID. #CID=1 / +VCID=1: formatted tags, each framed like a result code,
// with spaces around '='. #CID=2: the packet as hex (what the modem received, minus the
// leading U's). Date and time come from simulated time (day 1, 00:00 at start).
void modem::caller_id(const std::string& number, sim_time now) {
  if (cur_.quiet) return;
  const long long minutes = now.count() / 60000;
  char date[8], tim[8];
  std::snprintf(date, sizeof date, "%02d%02d", 1, static_cast<int>(1 + minutes / 1440 % 28));
  std::snprintf(tim, sizeof tim, "%02d%02d", static_cast<int>(minutes / 60 % 24),
                static_cast<int>(minutes % 60));
  const std::string nmbr = number.empty() ? "O" : number;
  if (cid_mode_ == 1) {
    emit_text_result(std::string("DATE = ") + date);
    emit_text_result(std::string("TIME = ") + tim);
    emit_text_result("NMBR = " + nmbr);
    emit_text_result("NAME = DIALUP SIM");
    return;
  }
  // SDMF-like packet: type 0x04, length, MMDDHHMM + number, checksum.
  std::string payload = std::string(date) + tim + nmbr;
  std::string pkt;
  pkt += '\x04';
  pkt += static_cast<char>(payload.size());
  pkt += payload;
  unsigned sum = 0;
  for (unsigned char c : pkt) sum += c;
  pkt += static_cast<char>((0x100 - (sum & 0xff)) & 0xff);
  std::string hex;
  for (unsigned char c : pkt) {
    char b[4];
    std::snprintf(b, sizeof b, "%02X", c);
    hex += b;
  }
  emit_text_result(hex);
}

// Conexant &V1: last-connection statistics (§6.3).
std::vector<std::string> modem::conexant_v1() const {
  std::vector<std::string> v;
  auto pad = [](std::string label, const std::string& val) {
    while (label.size() < 20) label += '.';
    return label + ' ' + val;
  };
  const char* why = "NONE";
  switch (stats_.cause) {
    case termination_cause::dte_hangup: why = "LOCAL REQUEST"; break;
    case termination_cause::carrier_lost: why = "LOSS OF CARRIER"; break;
    case termination_cause::dtr_dropped: why = "DTR DROP"; break;
    case termination_cause::s7_expired: why = "NO CARRIER"; break;
    case termination_cause::any_key_abort: why = "KEY ABORT"; break;
    case termination_cause::in_progress: why = "IN PROGRESS"; break;
    default: break;
  }
  std::string rate = std::to_string(stats_.rate) + " BPS";
  v.push_back(pad("TERMINATION REASON", why));
  v.push_back(pad("LAST TX rate", rate));
  v.push_back(pad("HIGHEST TX rate", rate));
  v.push_back(pad("LAST RX rate", rate));
  v.push_back(pad("HIGHEST RX rate", rate));
  v.push_back(pad("PROTOCOL", "NONE"));
  v.push_back(pad("COMPRESSION", "NONE"));
  v.push_back(pad("Line QUALITY", "020"));
  v.push_back(pad("Rx LEVEL", "015"));
  v.push_back(pad("Local Rtrn Count", "00"));
  v.push_back(pad("Remote Rtrn Count", "00"));
  return v;
}

// §6.2 USR ATI6: link diagnostics of the last call, two columns.
std::vector<std::string> modem::usr_ati6() const {
  auto row = [](const std::string& l, unsigned long a, const std::string& r, unsigned long b) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%-20s%10lu   %-20s%10lu", l.c_str(), a, r.c_str(), b);
    return std::string(buf);
  };
  const char* why = "No previous call";
  switch (stats_.cause) {
    case termination_cause::dte_hangup: why = "Escape code"; break;
    case termination_cause::dtr_dropped: why = "DTR dropped"; break;
    case termination_cause::carrier_lost: why = "Loss of carrier"; break;
    case termination_cause::any_key_abort: why = "Keypress Abort"; break;
    case termination_cause::in_progress: why = "Call in progress"; break;
    case termination_cause::none: break;
    default: why = "No carrier"; break;
  }
  const long long secs = stats_.rate && stats_.valid
                             ? ((stats_.cause == termination_cause::in_progress ? stats_.connected_at
                                                                                 : stats_.ended_at) -
                                stats_.connected_at).count() / 1000
                             : 0;
  char last[32];
  std::snprintf(last, sizeof last, "%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
  std::vector<std::string> v;
  v.push_back("USRobotics Courier V.Everything Link Diagnostics...");
  v.push_back("");
  v.push_back(row("Chars sent", stats_.chars_from_dte, "Chars Received", stats_.chars_to_dte));
  v.push_back(row("Chars lost", 0, "", 0).substr(0, 33));
  v.push_back(row("Octets sent", stats_.chars_from_dte, "Octets Received", stats_.chars_to_dte));
  v.push_back(row("Blocks sent", 0, "Blocks Received", 0));
  v.push_back(row("Blocks resent", 0, "", 0).substr(0, 33));
  v.push_back("");
  v.push_back(row("Retrains Requested", stats_.retrains, "Retrains Granted", stats_.retrains));
  v.push_back(row("Line Reversals", 0, "Blers", 0));
  v.push_back(row("Link Timeouts", 0, "Link Naks", 0));
  v.push_back("");
  v.push_back("Data Compression    NONE");
  v.push_back("Equalization        Long");
  v.push_back("Fallback            Enabled");
  v.push_back("Protocol            NONE");
  v.push_back("Speed               " + std::to_string(stats_.rate) + "/" + std::to_string(stats_.rate));
  v.push_back("Last Call           " + std::string(last));
  v.push_back("");
  v.push_back(std::string("Disconnect Reason is ") + why);
  return v;
}

// §6.2 USR ATI11: V.34 connection diagnostics of the last call.
std::vector<std::string> modem::usr_ati11() const {
  const unsigned r = stats_.rate;
  std::vector<std::string> v;
  v.push_back("USRobotics Courier V.Everything Link Diagnostics...");
  v.push_back("");
  v.push_back(std::string("Modulation                 ") + (r > 14400 ? "V.34" : r ? "V.32bis" : "None"));
  v.push_back("Carrier Freq     (Hz)      1829/1829");
  v.push_back("Symbol Rate                3200/3200");
  v.push_back("Trellis Code               64S-4D/64S-4D");
  v.push_back("Nonlinear Encoding         ON/ON");
  v.push_back("Precoding                  ON/ON");
  v.push_back("Shaping                    ON/ON");
  v.push_back("Preemphasis      (-dB)     6/2");
  v.push_back("Recv/Xmit Level  (-dBm)    20.4/10.3");
  v.push_back("Near Echo Loss   (dB)      14.2");
  v.push_back("Far Echo Loss    (dB)      0.0");
  v.push_back("Carrier Offset   (Hz)      NONE");
  v.push_back("Round Trip Delay (msec)    4");
  v.push_back("Timing Offset    (ppm)     -2.3");
  v.push_back("SNR              (dB)      38.5");
  v.push_back("Speed Shifts Up/Down       0/0");
  v.push_back(std::string("Status :                   ") + (r ? "uu,5,12K,11.6,-12,1N,0,82.4,7.1" : "-"));
  return v;
}

// §6.1 AT#UD: "DIAG <2A4D3263 k=v ...>" lines from what the last call did.
std::vector<std::string> modem::diagnostics_ud() const {
  auto hex = [](unsigned long v) {
    char b[24];
    std::snprintf(b, sizeof b, "%lX", v);
    return std::string(b);
  };
  std::vector<std::string> v;
  v.push_back("DIAG <2A4D3263 0=10>");
  if (!stats_.valid) {
    v.push_back("DIAG <2A4D3263 1=0 60=1>");
    return v;
  }
  v.push_back("DIAG <2A4D3263 1=" + hex(stats_.setup_result) + " 2=0 3=0>");
  if (stats_.rate) {
    const unsigned mod = stats_.rate > 14400 ? 0xC : stats_.rate > 2400 ? 0xB : 0x3;
    v.push_back("DIAG <2A4D3263 10=14 11=C 12=37 17=28>");
    v.push_back("DIAG <2A4D3263 20=" + hex(mod) + " 21=" + hex(mod) + " 26=" +
                hex(stats_.rate) + " 27=" + hex(stats_.rate) + " 34=" + hex(stats_.rate) +
                " 35=" + hex(stats_.rate) + ">");
    v.push_back("DIAG <2A4D3263 52=" + hex(stats_.chars_from_dte) + " 53=" +
                hex(stats_.chars_to_dte) + ">");
  }
  v.push_back("DIAG <2A4D3263 31=0 32=0 33=0 60=" +
              hex(static_cast<unsigned>(stats_.cause)) + ">");
  return v;
}

}  // namespace dialup::hwsim
