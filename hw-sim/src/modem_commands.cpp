// The simulated Hayes/V.250 modem's AT command interpreter (docs/modem-behaviour.md; §n
// below refers to it): command-line assembly (§1.1), the basic commands, S-registers
// (§1.3, §4), the & commands and the extended +commands (§1.4, §5). The states the
// commands move the modem between are in modem.cpp; the texts they answer with are in
// modem_reports.cpp.

#include <dialup/hwsim/modem.hpp>
#include "modem_detail.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace dialup::hwsim {

using modem_detail::ext_info;
using modem_detail::ext_table;
using modem_detail::k_regs;
using modem_detail::reg_info;

namespace {

const reg_info* find_reg(unsigned n) {
  for (const auto& r : k_regs)
    if (r.n == n) return &r;
  return nullptr;
}

const ext_info* find_ext(const std::string& name) {
  for (const auto& e : ext_table())
    if (name == e.name) return &e;
  return nullptr;
}

bool allowed(const std::vector<std::pair<long, long>>& ranges, long v) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [v](const auto& r) { return v >= r.first && v <= r.second; });
}

std::string three_digits(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "%03u", v);
  return b;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto nl = s.find('\n', start);
    out.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// Splits extended-command arguments at commas outside quotes; quotes are removed.
std::vector<std::string> split_args(const std::string& args) {
  std::vector<std::string> v(1);
  bool q = false;
  for (char c : args) {
    if (c == '"') {
      q = !q;
    } else if (c == ',' && !q) {
      v.emplace_back();
    } else {
      v.back() += c;
    }
  }
  return v;
}

// Parses an unsigned decimal number at pos; a missing number is 0 (§1.2). Saturates so
// that absurd values fail the range checks instead of wrapping.
unsigned parse_number(const std::string& b, std::size_t& pos) {
  unsigned long v = 0;
  while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') {
    v = std::min<unsigned long>(v * 10 + static_cast<unsigned>(b[pos] - '0'), 1000000UL);
    ++pos;
  }
  return static_cast<unsigned>(v);
}

constexpr std::size_t k_max_line = 255;           // §1.1: "Sim: 255"

}  // namespace

const std::vector<ext_info>& modem_detail::ext_table() {
  static const std::vector<ext_info> t = {
      {"+FCLASS", {0}, {{{0, 0}}}, "(0)", false},
      {"+MS",
       {11, 1, 300, 33600},
       {{{0, 3}, {9, 11}, {56, 56}, {64, 64}, {69, 69}}, {{0, 1}}, {{300, 33600}},
        {{300, 56000}}},
       "(0,1,2,3,9,10,11,56,64,69),(0,1),(300-33600),(300-56000)", false},
      {"+ES", {3, 0, 2}, {{{0, 4}, {6, 6}}, {{0, 4}}, {{0, 6}, {8, 8}}},
       "(0-4,6),(0-4),(0-6,8)", false},
      {"+DS", {3, 0, 2048, 32}, {{{0, 3}}, {{0, 1}}, {{512, 2048}}, {{6, 250}}},
       "(0-3),(0,1),(512-2048),(6-250)", false},
      {"+IFC", {2, 2}, {{{0, 2}}, {{0, 2}}}, "(0-2),(0-2)", false},
      {"+IPR",
       {0},
       {{{0, 0}, {300, 300}, {1200, 1200}, {2400, 2400}, {4800, 4800}, {9600, 9600},
         {19200, 19200}, {38400, 38400}, {57600, 57600}, {115200, 115200}}},
       "(0,300,1200,2400,4800,9600,19200,38400,57600,115200)", false},
      {"+ICF", {3, 3}, {{{0, 6}}, {{0, 3}}}, "(0-6),(0-3)", false},
      {"+MR", {0}, {{{0, 2}}}, "(0-2)", false},
      {"+ER", {0}, {{{0, 1}}}, "(0,1)", false},
      {"+DR", {0}, {{{0, 1}}}, "(0,1)", false},
      {"+CMEE", {0}, {{{0, 2}}}, "(0-2)", true},
      {"+CREG", {0}, {{{0, 2}}}, "(0-2)", true},
      {"+CGREG", {0}, {{{0, 2}}}, "(0-2)", true},
      {"+CEREG", {0}, {{{0, 2}}}, "(0-2)", true},
      {"+CFUN", {1}, {{{0, 1}, {4, 4}}}, "(0,1,4),(0,1)", true},
  };
  return t;
}

// ---------------------------------------------------------------------------- input

void modem::command_byte(char c, sim_time now) {
  const char s3 = static_cast<char>(reg(3));
  const char s5 = static_cast<char>(reg(5));
  // §1.1: E1 echoes every character received in command and online-command state,
  // including the terminating CR. Conexant echoes S5 as BS SP BS.
  if (cur_.echo) {
    if (prefix_ == prefix_state::in_line && c == s5 && c != s3 && p_->backspace_erases)
      emit("\b \b");
    else
      emit(std::string_view(&c, 1));
  }
  switch (prefix_) {
    case prefix_state::idle:
      // §1.1: bytes before the prefix are ignored; a bare CR gets no reply (§0.3).
      if (c == 'A' || c == 'a') {
        prefix_ = prefix_state::got_a;
        prefix_upper_ = c == 'A';
      }
      return;
    case prefix_state::got_a:
      // AT or at; mixed case (At, aT) is ignored like on a real Hayes (§1.1).
      if ((c == 'T' && prefix_upper_) || (c == 't' && !prefix_upper_)) {
        prefix_ = prefix_state::in_line;
        cmd_.clear();
        line_overflow_ = false;
      } else if (c == '/') {
        // A/ repeats the previous line at once, no CR (§1.1). With no previous line
        // the previous line is empty: OK.
        prefix_ = prefix_state::idle;
        execute_line(have_last_line_ ? last_line_ : std::string(), now);
      } else if (c == 'A' || c == 'a') {
        prefix_upper_ = c == 'A';
      } else {
        prefix_ = prefix_state::idle;
      }
      return;
    case prefix_state::in_line:
      if (c == s3) {
        prefix_ = prefix_state::idle;
        if (line_overflow_) {
          // §1.1: an overlong line is not run; ERROR after the CR.
          cmd_.clear();
          emit_error();
        } else {
          std::string body;
          body.swap(cmd_);
          execute_line(body, now);
        }
      } else if (c == s5) {
        // S5 deletes one character; it cannot delete the AT prefix (§1.1).
        if (!cmd_.empty()) cmd_.pop_back();
      } else if (c == 0x18) {
        // Ctrl-X (CAN) clears the line and answers OK at once (Hayes, §1.1).
        prefix_ = prefix_state::idle;
        cmd_.clear();
        emit_ok();
      } else if (cmd_.size() >= k_max_line) {
        line_overflow_ = true;
      } else {
        cmd_ += c;
      }
      return;
  }
}

// ---------------------------------------------------------------------------- commands

void modem::execute_line(const std::string& raw, sim_time now) {
  last_line_ = raw;
  have_last_line_ = true;
  // §1.1/§1.2: control characters left in the line are ignored; spaces are ignored
  // outside strings; case does not matter outside strings.
  std::string b;
  bool quoted = false;
  for (char ch : raw) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '"') quoted = !quoted;
    if (!quoted && (u < 0x20 || u == 0x7f || ch == ' ')) continue;
    b += quoted ? ch : static_cast<char>(std::toupper(u));
  }
  std::size_t pos = 0;
  bool ended = false;
  switch (run_commands(b, pos, now, ended)) {
    case exec_result::ok: emit_ok(); break;
    case exec_result::error: emit_error(); break;
    case exec_result::cme_error: emit_cme_error(); break;
    case exec_result::pending:
    case exec_result::silent_ok: break;
  }
}

modem::exec_result modem::cme(int code) {
  cme_code_ = code;
  return exec_result::cme_error;
}

// Runs the commands of one line left to right (§1.2). The first failure stops the
// line (one ERROR, rest dropped); otherwise only the last command's result is shown.
modem::exec_result modem::run_commands(const std::string& b, std::size_t& pos, sim_time now,
                                       bool& ended) {
  const bool online = state_ == state::online_command;
  auto in_range = [](unsigned v, unsigned hi) { return v <= hi; };
  // The basic commands that only set one profile value, 0..max (V.250 §6.2 for E, Q, V and X,
  // §6.3 for L and M; W and Y as docs/modem-behaviour.md describes); any other value is ERROR.
  struct basic_setting {
    char command;
    unsigned max;
    unsigned settings::*number;
    bool settings::*flag;
  };
  static constexpr basic_setting basic_settings[] = {
      {'E', 1, nullptr, &settings::echo},    {'L', 3, &settings::l, nullptr},
      {'M', 3, &settings::m, nullptr},       {'Q', 1, nullptr, &settings::quiet},
      {'V', 1, nullptr, &settings::verbose}, {'W', 2, &settings::w, nullptr},
      {'X', 4, &settings::x, nullptr},       {'Y', 1, &settings::y, nullptr},
  };
  auto find_basic_setting = [](char c) -> const basic_setting* {
    for (const auto& bs : basic_settings)
      if (bs.command == c) return &bs;
    return nullptr;
  };
  while (pos < b.size()) {
    const char c = b[pos++];
    if (const basic_setting* bs = find_basic_setting(c)) {
      const unsigned n = parse_number(b, pos);
      if (!in_range(n, bs->max)) return exec_result::error;
      if (bs->number) cur_.*bs->number = n;
      else cur_.*bs->flag = n == 1;
      continue;
    }
    switch (c) {
      case ';':  // separator after an extended command
        break;
      case 'A':
        ended = true;
        if (online) return exec_result::error;  // §3.3: ATA online → ERROR
        return answer(now);
      case 'D': {
        ended = true;
        if (online) return exec_result::error;  // §3.1: ATD while a call is up
        std::string ds = b.substr(pos);
        pos = b.size();
        return dial(ds, now);
      }
      case 'B': if (!in_range(parse_number(b, pos), 1)) return exec_result::error; break;
      case 'H': {
        auto n = parse_number(b, pos);
        if (!in_range(n, 1)) return exec_result::error;
        if (n == 0) {
          // §3.1: ATH0 clears the call and answers OK — never NO CARRIER (§10).
          if (off_hook_ || state_ != state::command)
            hang_up(termination_cause::dte_hangup, now);
        } else if (!online) {
          go_off_hook();  // H1: off-hook, command state; callers hear busy
        }
        break;
      }
      case 'I': {
        auto n = parse_number(b, pos);
        if (p_->name == "usr" && n == 6) {
          emit_info(usr_ati6());
          break;
        }
        if (p_->name == "usr" && n == 11) {
          emit_info(usr_ati11());
          break;
        }
        if (n >= p_->ati.size() || p_->ati[n].empty()) return exec_result::error;
        emit_info(split_lines(p_->ati[n]));
        break;
      }
      case 'N': if (!in_range(parse_number(b, pos), 1)) return exec_result::error; break;
      case 'O': {
        auto n = parse_number(b, pos);
        if (!in_range(n, 3)) return exec_result::error;
        // §3.1: O with no connection → ERROR; otherwise CONNECT again (with reports).
        if (!online || carrier_lost_) return exec_result::error;
        ended = true;
        pos = b.size();
        set_state(state::online_data);
        last_dte_byte_ = now;
        plus_count_ = 0;
        emit_connect();
        if (!held_.empty()) {
          std::string h;
          h.swap(held_);
          stats_.chars_to_dte += h.size();
          emit(h);
        }
        return exec_result::pending;
      }
      case 'P': cur_.pulse = true; break;
      case 'T': cur_.pulse = false; break;
      case 'Z': {
        auto n = parse_number(b, pos);
        if (!in_range(n, 1)) return exec_result::error;
        // §3.1: soft reset — hang up, reload stored profile n, OK in the reloaded
        // format; the rest of the line is ignored [vendor]. Clears the #UD log (§6.1).
        hang_up(termination_cause::dte_reset, now);
        load_profile(nvram_[n]);
        current_reg_ = 0;
        stats_ = {};
        ended = true;
        pos = b.size();
        emit_ok();
        emit(reset_garbage_);
        return exec_result::silent_ok;
      }
      case 'S': {
        auto r = s_command(b, pos);
        if (r != exec_result::ok) return r;
        break;
      }
      case '?':
        emit_info(three_digits(reg(current_reg_)));
        break;
      case '=': {
        // AT=v writes the current register (§1.3).
        const unsigned v = parse_number(b, pos);
        const reg_info* ri = find_reg(current_reg_);
        if (!ri || v < ri->min || v > ri->max) return exec_result::error;
        if (!ri->read_only) reg(current_reg_) = static_cast<std::uint8_t>(v);
        break;
      }
      case '&': {
        if (pos >= b.size()) return exec_result::error;
        const char c2 = b[pos++];
        auto n = parse_number(b, pos);
        switch (c2) {
          case 'C': if (!in_range(n, 1)) return exec_result::error; cur_.c = n; break;
          case 'D': if (!in_range(n, 3)) return exec_result::error; cur_.d = n; break;
          case 'F':
            // USR's &F1/&F2 are the factory profile with a flow-control template; the
            // simulator has no flow control to set, so they reset as &F0 does.
            if (n != 0 && !(p_->usr_commands && n <= 2)) return exec_result::error;
            factory_reset();
            if (!reset_garbage_.empty()) {
              emit_ok();
              emit(reset_garbage_);
              return exec_result::silent_ok;
            }
            break;
          case 'K':
            if (n != 0 && n != 3 && n != 4 && n != 5 && n != 6) return exec_result::error;
            cur_.k = n;
            break;
          case 'V':
            if (n == 0) {
              emit_info(profile_lines(cur_));
            } else if (n == 1 && !p_->cellular) {
              emit_info(conexant_v1());
            } else {
              return exec_result::error;
            }
            break;
          case 'W':
            if (!in_range(n, 1)) return exec_result::error;
            nvram_[n] = cur_;
            break;
          case 'Y':
            if (!in_range(n, 1)) return exec_result::error;
            power_on_profile_ = n;
            break;
          case 'Z': {
            // &Zn=number stores a number for DS=n.
            if (n >= stored_numbers_.size() || pos >= b.size() || b[pos] != '=')
              return exec_result::error;
            stored_numbers_[n] = b.substr(pos + 1);
            pos = b.size();
            break;
          }
          // Accepted and ignored: guard tone, sync mode, leased line, DSR, RTS/CTS,
          // test, dial pulse ratio, async/sync (§3.1 "accept").
          case 'G': if (!in_range(n, 2)) return exec_result::error; break;
          case 'H': if (!p_->usr_commands || !in_range(n, 3)) return exec_result::error; break;
          case 'B': if (!p_->usr_commands || !in_range(n, 2)) return exec_result::error; break;
          case 'J': case 'L': case 'R': case 'S': case 'X':
            if (!in_range(n, 2)) return exec_result::error;
            break;
          case 'M': case 'Q': case 'P': case 'T':
            if (!in_range(n, 8)) return exec_result::error;
            break;
          default:
            return exec_result::error;
        }
        break;
      }
      case '\\': case '%': {
        // Error-control/compression selection (\N, %C, %E, \V, \K): accept (§3.1).
        if (pos >= b.size()) return exec_result::error;
        const char c2 = b[pos++];
        auto n = parse_number(b, pos);
        if (std::string_view("NVKQ").find(c2) != std::string_view::npos && c == '\\') {
          if (!in_range(n, 7)) return exec_result::error;
        } else if (std::string_view("CE").find(c2) != std::string_view::npos && c == '%') {
          if (!in_range(n, 3)) return exec_result::error;
        } else {
          return exec_result::error;
        }
        break;
      }
      case '#': {
        std::string name;
        while (pos < b.size() && std::isalpha(static_cast<unsigned char>(b[pos])))
          name += b[pos++];
        if (name == "UD" && !p_->cellular) {
          // §6.1: AT#UD must be last on the line.
          if (pos != b.size()) return exec_result::error;
          for (const auto& l : diagnostics_ud()) emit_info(l);
          break;
        }
        if (name == "CID") {
          if (pos < b.size() && b[pos] == '?') {
            ++pos;
            emit_info(std::to_string(cid_mode_));
          } else if (pos + 1 < b.size() && b[pos] == '=' && b[pos + 1] == '?') {
            pos += 2;
            emit_info("(0-2)");
          } else if (pos < b.size() && b[pos] == '=') {
            ++pos;
            auto v = parse_number(b, pos);
            if (v > 2) return exec_result::error;
            cid_mode_ = static_cast<std::uint8_t>(v);
          } else {
            return exec_result::error;
          }
          break;
        }
        return exec_result::error;
      }
      case '+': {
        --pos;
        auto r = run_extended(b, pos, now);
        if (r == exec_result::pending) {
          ended = true;
          return r;
        }
        if (r != exec_result::ok) return r;
        break;
      }
      default:
        return exec_result::error;  // §0.8: unknown → ERROR, rest of the line dropped
    }
  }
  return exec_result::ok;
}

// Sn? reads, Sn=v writes, Sn alone selects the current register (§1.3).
modem::exec_result modem::s_command(const std::string& b, std::size_t& pos) {
  const unsigned n = parse_number(b, pos);
  const reg_info* ri = find_reg(n);
  if (!ri) return exec_result::error;
  current_reg_ = n;
  if (pos < b.size() && b[pos] == '?') {
    ++pos;
    emit_info(three_digits(reg(n)));
  } else if (pos < b.size() && b[pos] == '=') {
    ++pos;
    const unsigned v = parse_number(b, pos);
    if (v < ri->min || v > ri->max) return exec_result::error;  // keep the old value
    if (!ri->read_only) reg(n) = static_cast<std::uint8_t>(v);
  }
  return exec_result::ok;
}

std::vector<long>* modem::ext_values(const std::string& name) {
  for (auto& [n, v] : cur_.ext)
    if (n == name) return &v;
  return nullptr;
}

// One extended command at pos (starting with '+'), up to and including its ';' (§1.4).
modem::exec_result modem::run_extended(const std::string& b, std::size_t& pos, sim_time now) {
  std::string name = "+";
  ++pos;
  while (pos < b.size() && (std::isalnum(static_cast<unsigned char>(b[pos])) ||
                            std::string_view("!%-./:_").find(b[pos]) != std::string_view::npos))
    name += b[pos++];
  std::string form, args;
  if (pos + 1 < b.size() && b[pos] == '=' && b[pos + 1] == '?') {
    form = "=?";
    pos += 2;
  } else if (pos < b.size() && b[pos] == '?') {
    form = "?";
    ++pos;
  } else if (pos < b.size() && b[pos] == '=') {
    form = "=";
    ++pos;
    bool q = false;
    while (pos < b.size() && (q || b[pos] != ';')) {
      if (b[pos] == '"') q = !q;
      args += b[pos++];
    }
  }
  if (pos < b.size() && b[pos] == ';') ++pos;
  now_ = now;
  return ext_param(name, form, args);
}

modem::exec_result modem::ext_param(const std::string& name, const std::string& form,
                                    const std::string& args) {
  const bool cel = p_->cellular;
  // Identification (§5.1, 27.007): action → one line of text.
  auto ident = [&](const std::string& text) {
    if (form == "=?") return exec_result::ok;
    if (!form.empty()) return exec_result::error;
    emit_info(text);
    return exec_result::ok;
  };
  if (name == "+GMI" || (cel && name == "+CGMI")) return ident(p_->gmi);
  if (name == "+GMM" || (cel && name == "+CGMM")) return ident(p_->gmm);
  if (name == "+GMR" || (cel && name == "+CGMR")) return ident(p_->gmr);
  if (name == "+GSN" || (cel && name == "+CGSN")) return ident(p_->gsn);
  if (cel && name == "+CIMI") return ident("001010123456789");
  if (name == "+VCID") {
    // V.253 / 27.007 Annex C caller ID: same as #CID (§8.2).
    if (form == "?") { emit_info("+VCID: " + std::to_string(cid_mode_)); return exec_result::ok; }
    if (form == "=?") { emit_info("+VCID: (0-2)"); return exec_result::ok; }
    if (form == "=" && (args == "0" || args == "1" || args == "2")) {
      cid_mode_ = static_cast<std::uint8_t>(args[0] - '0');
      return exec_result::ok;
    }
    return exec_result::error;
  }
  if (name == "+GCAP")
    return ident(cel ? "+GCAP: +CGSM, +FCLASS, +DS" : "+GCAP: +FCLASS, +MS, +ES, +DS");
  if (cel) {
    if (name == "+CPIN") return cpin(form, args);
    if (name == "+CSQ") {
      if (form == "=?") { emit_info("+CSQ: (0-31,99),(0-7,99)"); return exec_result::ok; }
      if (!form.empty()) return cme(4);
      int rssi = cell_.csq_rssi;
      if (!cell_.csq_schedule.empty()) rssi = cell_.csq_schedule[csq_step_++ % cell_.csq_schedule.size()];
      emit_info("+CSQ: " + std::to_string(rssi) + ",99");  // BER not known
      return exec_result::ok;
    }
    if (name == "+CESQ" && cell_.cesq) {
      // 27.007 §8.69: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>; only the E-UTRA fields known.
      if (form == "=?") {
        emit_info("+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)");
        return exec_result::ok;
      }
      if (!form.empty()) return cme(4);
      emit_info("+CESQ: 99,99,255,255," + std::to_string(cell_.cesq_rsrq) + "," + std::to_string(cell_.cesq_rsrp));
      return exec_result::ok;
    }
    if (name == "+COPS") {
      if (form == "?") {
        // 27.007 §7.3: only <mode> while no operator is selected.
        if (network_stat(now_) == 1)
          emit_info("+COPS: 0,0,\"" + cell_.operator_name + "\",7");
        else
          emit_info("+COPS: 0");
        return exec_result::ok;
      }
      if (form == "=?") {
        emit_info("+COPS: (2,\"" + cell_.operator_name + "\",\"dialup\",\"00101\",7),,(0-4),(0-2)");
        return exec_result::ok;
      }
      if (form == "=") return exec_result::ok;
      return cme(4);
    }
    if (name == "+CGDCONT") return cgdcont(form, args);
    if (name == "+CREG" || name == "+CGREG" || name == "+CEREG") {
      const auto r = registration_query(name, form, args);
      if (r != exec_result::pending) return r;
    }
  }
  const ext_info* e = find_ext(name);
  if (!e || (e->cellular_only && !cel)) return cel ? exec_result::error : exec_result::error;
  auto* vals = ext_values(name);
  if (!vals) return exec_result::error;
  auto error = [&] { return cel && name.rfind("+C", 0) == 0 ? cme(4) : exec_result::error; };
  if (form == "=?") {
    emit_info(name + ": " + e->test);
    return exec_result::ok;
  }
  if (form == "?") {
    std::string s;
    for (std::size_t i = 0; i < vals->size(); ++i) {
      if (i) s += ',';
      s += std::to_string((*vals)[i]);
    }
    // +FCLASS? answers the bare value (§5.1); the others use "+NAME: v,...".
    emit_info(name == "+FCLASS" ? s : name + ": " + s);
    return exec_result::ok;
  }
  if (form == "=") {
    // An omitted subparameter keeps its old value (§1.4).
    auto a = split_args(args);
    if (a.size() > e->allowed.size()) return error();
    std::vector<long> next = *vals;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].empty()) continue;
      if (a[i].size() > 9 || a[i].find_first_not_of("0123456789") != std::string::npos)
        return error();
      long v = std::stol(a[i]);
      if (!allowed(e->allowed[i], v)) return error();
      next[i] = v;
    }
    *vals = next;
    if (name == "+CMEE") cur_.cmee = static_cast<unsigned>(next[0]);
    return exec_result::ok;
  }
  return error();  // a parameter used as an action
}

// ---------------------------------------------------------------------------- cellular
// 3GPP TS 27.007: the SIM (+CPIN, §8.3), PDP contexts (+CGDCONT, §10.1.1), network
// registration (+CREG §7.2, +CGREG §10.1.20, +CEREG §10.1.22) and the packet-data dial
// (ATD*99#, §10.2.1.1). What is simulated, and how, is in docs/cellular.md.

void modem::set_cellular(const cellular_options& o, sim_time now) {
  cell_ = o;
  csq_step_ = 0;
  pin_tries_ = 3;
  puk_tries_ = 10;
  reg_event_.reset();
  reported_stat_ = 0;
  if (!p_->cellular) return;
  if (cell_.sim_pin.empty()) {
    // Powered on with a SIM that needs no PIN: registering (or registered) from the start,
    // with nothing to report yet (every +CREG n is 0 at power-on).
    sim_ = sim_lock::ready;
    sim_ready_at_ = now;
    reported_stat_ = network_stat(now);
    if (reported_stat_ == 2 && cell_.network_mode != cellular_options::network::searching)
      reg_event_ = now + cell_.registration_delay;
  } else {
    sim_ = sim_lock::pin;
    sim_ready_at_.reset();
  }
}

std::optional<std::string> modem::pdp_apn(unsigned cid) const {
  if (cid < 1 || cid >= pdp_apn_.size()) return std::nullopt;
  return pdp_apn_[cid];
}

void modem::sim_ready(sim_time now) {
  sim_ready_at_ = now;
  // The unsolicited report of the change (0 -> 2 searching, or -> 1 at once without a
  // delay) goes a moment later, after the command's own final result; the end of the
  // search follows after the delay (registration_event).
  reg_event_ = now + sim_duration(1);
}

int modem::network_stat(sim_time now) const {
  if (!p_->cellular || sim_ != sim_lock::ready || !sim_ready_at_) return 0;
  const bool searched = now >= *sim_ready_at_ + cell_.registration_delay;
  switch (cell_.network_mode) {
    case cellular_options::network::registers: return searched ? 1 : 2;
    case cellular_options::network::searching: return 2;
    case cellular_options::network::denied: return searched ? 3 : 2;
  }
  return 4;
}

// "+CREG: [<n>,]<stat>[,<lac>,<ci>[,<AcT>]]": the read form has <n>; the unsolicited
// form (n >= 1) has not. Location information only with n = 2 and a cell to name.
std::string modem::registration_line(const std::string& name, long n, int stat,
                                     bool read) const {
  std::string s = name + ": ";
  if (read) s += std::to_string(n) + ",";
  s += std::to_string(stat);
  if (n == 2 && (stat == 1 || stat == 5)) s += ",\"00A1\",\"0001B2C3\",7";
  return s;
}

void modem::registration_event(sim_time now) {
  reg_event_.reset();
  const int stat = network_stat(now);
  if (stat != reported_stat_) {
    reported_stat_ = stat;
    // Unsolicited result codes are not sent in online data state (V.250 §5.7.1 leaves it
    // to the DCE; modems hold or drop them, this one drops them).
    if (state_ != state::online_data) {
      for (const char* name : {"+CREG", "+CGREG", "+CEREG"}) {
        const auto* v = ext_values(name);
        const long n = v && !v->empty() ? (*v)[0] : 0;
        if (n >= 1) emit_info(registration_line(name, n, stat, false));
      }
    }
  }
  if (stat == 2 && sim_ready_at_ && cell_.network_mode != cellular_options::network::searching &&
      now < *sim_ready_at_ + cell_.registration_delay)
    reg_event_ = *sim_ready_at_ + cell_.registration_delay;
}

modem::exec_result modem::registration_query(const std::string& name, const std::string& form,
                                             const std::string& args) {
  (void)args;
  if (form != "?") return exec_result::pending;  // =, =? : the generic parameter code
  const auto* v = ext_values(name);
  const long n = v && !v->empty() ? (*v)[0] : 0;
  emit_info(registration_line(name, n, network_stat(now_), true));
  return exec_result::ok;
}

modem::exec_result modem::cpin(const std::string& form, const std::string& args) {
  if (form == "=?") return exec_result::ok;
  if (form == "?") {
    switch (sim_) {
      case sim_lock::ready: emit_info("+CPIN: READY"); return exec_result::ok;
      case sim_lock::pin: emit_info("+CPIN: SIM PIN"); return exec_result::ok;
      case sim_lock::puk: emit_info("+CPIN: SIM PUK"); return exec_result::ok;
      case sim_lock::blocked: return cme(13);  // SIM failure: the PUK is used up too
    }
  }
  if (form != "=") return cme(4);
  const auto a = split_args(args);
  switch (sim_) {
    case sim_lock::ready:
      // §8.3: "If no PIN request is pending, no action is taken ... +CME ERROR".
      return cme(3);
    case sim_lock::blocked:
      return cme(13);
    case sim_lock::pin:
      if (a.size() != 1 || a[0].empty()) return cme(4);
      if (a[0] == cell_.sim_pin) {
        sim_ = sim_lock::ready;
        pin_tries_ = 3;
        sim_ready(now_);
        return exec_result::ok;
      }
      if (--pin_tries_ <= 0) sim_ = sim_lock::puk;
      return cme(16);
    case sim_lock::puk:
      // AT+CPIN="<puk>","<new pin>"; the PIN alone is answered "SIM PUK required".
      if (a.size() != 2) return cme(12);
      if (a[0] == cell_.sim_puk && !a[1].empty()) {
        cell_.sim_pin = a[1];
        sim_ = sim_lock::ready;
        pin_tries_ = 3;
        puk_tries_ = 10;
        sim_ready(now_);
        return exec_result::ok;
      }
      if (--puk_tries_ <= 0) sim_ = sim_lock::blocked;
      return cme(16);
  }
  return cme(4);
}

modem::exec_result modem::cgdcont(const std::string& form, const std::string& args) {
  if (form == "=?") {
    emit_info("+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)");
    emit_info("+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)");
    emit_info("+CGDCONT: (1-16),\"IPV4V6\",,,(0-2),(0-4)");
    return exec_result::ok;
  }
  // The contexts live on the SIM's side of the modem: locked, it refuses (as many do).
  if (sim_ == sim_lock::pin) return cme(11);
  if (sim_ == sim_lock::puk) return cme(12);
  if (sim_ == sim_lock::blocked) return cme(13);
  if (form == "?") {
    std::vector<std::string> lines;
    for (unsigned cid = 1; cid < pdp_apn_.size(); ++cid)
      if (pdp_apn_[cid])
        lines.push_back("+CGDCONT: " + std::to_string(cid) + ",\"IP\",\"" + *pdp_apn_[cid] +
                        "\",\"0.0.0.0\",0,0");
    if (!lines.empty()) emit_info(lines);
    return exec_result::ok;
  }
  if (form != "=") return cme(4);
  const auto a = split_args(args);
  if (a.empty() || a[0].empty() || a[0].size() > 3 ||
      a[0].find_first_not_of("0123456789") != std::string::npos)
    return cme(4);
  const auto cid = std::stoul(a[0]);
  if (cid < 1 || cid > 16) return cme(21);
  // §10.1.1: "AT+CGDCONT=<cid>" alone makes the context undefined.
  if (a.size() == 1) {
    pdp_apn_[cid].reset();
    return exec_result::ok;
  }
  if (a.size() > 6) return cme(50);
  if (!a[1].empty() && a[1] != "IP" && a[1] != "IPV6" && a[1] != "IPV4V6") return cme(50);
  if (a.size() >= 3 && a[2].size() > 100) return cme(50);
  pdp_apn_[cid] = a.size() >= 3 ? a[2] : std::string();
  return exec_result::ok;
}

int modem::pdp_refusal(const std::string& dial_string, sim_time now) const {
  // §10.2.1.1: D*99[*[<called_address>][*[<L2P>][*[<cid>]]]]# — the cid is the 4th field.
  unsigned cid = 1;
  std::size_t stars = 0, i = 3;
  for (; i < dial_string.size() && stars < 3; ++i)
    if (dial_string[i] == '*') ++stars;
  if (stars == 3) {
    unsigned v = 0;
    std::size_t digits = 0;
    for (; i < dial_string.size() && dial_string[i] >= '0' && dial_string[i] <= '9' && digits < 3;
         ++i, ++digits)
      v = v * 10 + static_cast<unsigned>(dial_string[i] - '0');
    if (digits > 0) cid = v;
  }
  if (sim_ == sim_lock::pin) return 11;
  if (sim_ == sim_lock::puk) return 12;
  if (sim_ == sim_lock::blocked) return 13;
  const int stat = network_stat(now);
  if (stat != 1 && stat != 5) return 30;  // no network service
  if (cid < 1 || cid >= pdp_apn_.size() || !pdp_apn_[cid] || pdp_apn_[cid]->empty()) return -1;
  return 0;
}

}  // namespace dialup::hwsim
