// The simulated Hayes/V.250 modem (docs/modem-behaviour.md; §n below refers to it).
//
//            D / A                         carrier (CONNECT)
//  command ─────────► dialing/answering ──────────────────► online_data
//   ▲  ▲  ▲                │ S7, BUSY, NO DIALTONE,           │   ▲
//   │  │  │                │ any key (NO CARRIER)             │+++│ O (CONNECT)
//   │  │  └────────────────┘                                  ▼   │
//   │  │            H (OK) / Z (OK)                     online_command
//   │  └────────────────────────────────────────────────────────┘
//   └──── S10 after carrier loss (NO CARRIER), DTR drop per &D ─────
//
// One deadline (deadline_) whose meaning is timer_ (timer_kind); on_timer() switches on
// it. Off-hook is a separate flag: ATH1 and "D...;" leave the modem off-hook in
// command state.

#include <dialup/hwsim/modem.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace dialup::hwsim {

const char* to_string(modem_mode m) {
  switch (m) {
    case modem_mode::command: return "command";
    case modem_mode::off_hook_idle: return "off_hook_idle";
    case modem_mode::dialing: return "dialing";
    case modem_mode::ringing: return "ringing";
    case modem_mode::answering: return "answering";
    case modem_mode::online_data: return "online_data";
    case modem_mode::online_command: return "online_command";
  }
  return "?";
}

namespace {

// S-registers the modem implements, with the values it accepts (§4). A register not in
// this table answers ERROR to reads and writes (Conexant behaviour, §4).
struct reg_info {
  unsigned n;
  unsigned min, max;
  bool read_only;
};
constexpr reg_info k_regs[] = {
    {0, 0, 255, false},   {1, 0, 255, true},    {2, 0, 255, false},
    {3, 0, 127, false},   {4, 0, 127, false},   {5, 0, 127, false},
    {6, 0, 255, false},   {7, 1, 255, false},   {8, 0, 255, false},
    {9, 1, 255, false},   {10, 1, 255, false},  {11, 50, 255, false},
    {12, 0, 255, false},  {14, 0, 255, true},   {16, 0, 255, true},
    {18, 0, 255, false},  {21, 0, 255, true},   {22, 0, 255, true},
    {23, 0, 255, true},   {24, 0, 255, false},  {25, 0, 255, false},
    {26, 0, 255, false},  {27, 0, 255, true},   {28, 0, 255, false},
    {29, 0, 255, false},  {30, 0, 255, false},  {31, 0, 255, true},
    {32, 0, 255, false},  {33, 0, 255, false},  {36, 0, 255, false},
    {37, 0, 255, false},  {38, 0, 255, false},  {39, 0, 255, true},
    {40, 0, 255, true},   {41, 0, 255, true},   {46, 0, 255, false},
    {48, 0, 255, false},  {86, 0, 255, true},   {91, 0, 255, false},
    {92, 0, 255, false},  {95, 0, 255, false},
};

const reg_info* find_reg(unsigned n) {
  for (const auto& r : k_regs)
    if (r.n == n) return &r;
  return nullptr;
}

// Extended-syntax parameters (§5.1): defaults and the supported values, one list of
// closed ranges per subparameter. Tested with =? exactly as printed in `test`.
struct ext_info {
  const char* name;
  std::vector<long> defaults;
  std::vector<std::vector<std::pair<long, long>>> allowed;
  const char* test;
  bool cellular_only;
};

const std::vector<ext_info>& ext_table() {
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

constexpr sim_duration k_abort_window{125};       // §1.2
constexpr sim_duration k_dial_tone_qualify{750};  // §7: 0.7-0.8 s
constexpr sim_duration k_dial_tone_give_up{5000}; // §7: 5-10 s
constexpr sim_duration k_busy_detect{2000};       // §2.2: 1-2 cadences of 0.5/0.5 s
constexpr sim_duration k_ring_counter_clear{8000};// §4 S1: cleared after 8 s
constexpr sim_duration k_pdp_activation{800};     // §5.3: 0.1-2 s
constexpr sim_duration k_voice_detect{3000};      // [est] a few seconds of speech
constexpr std::size_t k_max_line = 255;           // §1.1: "Sim: 255"
constexpr std::size_t k_max_held = 65536;

}  // namespace

modem::modem(const personality& p) : p_(&p) {
  factory_reset();
  nvram_[0] = cur_;
  nvram_[1] = cur_;
}

void modem::factory_reset() {
  settings s;
  auto& r = s.regs;
  r[0] = 0;
  r[2] = 43;
  r[3] = 13;
  r[4] = 10;
  r[5] = 8;
  r[6] = 2;
  r[7] = p_->s7;
  r[8] = 2;
  r[9] = 6;
  r[10] = p_->s10;
  r[11] = p_->s11;
  r[12] = 50;
  r[25] = 5;
  r[29] = 70;
  r[32] = 17;
  r[33] = 19;
  r[36] = 7;
  r[38] = 20;
  r[46] = 138;
  r[48] = 7;
  r[91] = 10;
  r[92] = 10;
  for (const auto& e : ext_table())
    if (!e.cellular_only || p_->cellular) s.ext.emplace_back(e.name, e.defaults);
  if (!p_->cellular) s.x = 4;
  s.regs[1] = cur_.regs[1];  // the ring counter is not a setting
  cur_ = s;
}

void modem::load_profile(const settings& s) {
  auto s1 = cur_.regs[1];
  cur_ = s;
  cur_.regs[1] = s1;
}

void modem::power_on(sim_time now) {
  hang_up(termination_cause::none, now);
  load_profile(nvram_[power_on_profile_]);
  prefix_ = prefix_state::idle;
  cmd_.clear();
  stats_ = {};
}

unsigned modem::max_rate() const {
  unsigned r = p_->max_line_rate;
  for (const auto& [name, v] : cur_.ext)
    if (name == "+MS" && v.size() >= 4 && !p_->cellular)
      r = std::min<unsigned>(r, static_cast<unsigned>(v[3]));
  return r;
}

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

// ---------------------------------------------------------------------------- input

void modem::feed(std::string_view bytes, sim_time now) {
  if (silent_) return;
  std::size_t i = 0;
  while (i < bytes.size()) {
    switch (state_) {
      case state::online_data: {
        // Consumes bytes until the end or until an immediate (S12=0) escape.
        std::size_t before = i;
        for (; i < bytes.size() && state_ == state::online_data; ++i) data_byte(bytes[i], now);
        std::string_view chunk = bytes.substr(before, i - before);
        if (!chunk.empty() && line_ && !carrier_lost_) {
          line_->send(chunk);
          stats_.chars_from_dte += chunk.size();
        }
        break;
      }
      case state::command:
      case state::online_command:
        command_byte(bytes[i++], now);
        break;
      case state::dialing:
      case state::answering:
        // §1.2: any character aborts D and A, except in the first 125 ms after the CR
        // (that window lets a trailing LF through). The character is consumed.
        if (now >= abortable_from_) {
          end_call_with(3, "NO CARRIER", termination_cause::any_key_abort, now);
        }
        ++i;
        break;
    }
  }
}

// §3.3: guard (S12 × 20 ms) of silence, three S2 characters each less than a guard
// apart, guard of silence, then OK and online-command state. The characters still go
// to the remote (the modem cannot know yet that they are an escape).
void modem::data_byte(char c, sim_time now) {
  const sim_duration guard = guard_time();
  const bool enabled = reg(2) <= 127 && !carrier_lost_ && !stuck_in_data_;
  const sim_duration since_last = now - last_dte_byte_;
  last_dte_byte_ = now;
  if (!enabled) return;
  if (static_cast<unsigned char>(c) != reg(2)) {
    if (plus_count_ > 0) {
      plus_count_ = 0;
      if (timer_ == timer_kind::escape_guard) disarm();
    }
    return;
  }
  if (plus_count_ == 3) {  // a fourth escape character cancels the sequence
    plus_count_ = 0;
    if (timer_ == timer_kind::escape_guard) disarm();
    return;
  }
  if (plus_count_ > 0 && (guard.count() == 0 || now - last_plus_ < guard)) {
    ++plus_count_;
  } else if (since_last >= guard) {
    plus_count_ = 1;  // a first escape character after a full guard of silence
  } else {
    plus_count_ = 0;
  }
  last_plus_ = now;
  if (plus_count_ == 3) {
    if (guard.count() == 0) {
      // S12=0: "timing plays no part" — escape at once.
      plus_count_ = 0;
      set_state(state::online_command);
      prefix_ = prefix_state::idle;
      emit_ok();
    } else {
      arm(timer_kind::escape_guard, now + guard);
    }
  }
}

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
    case exec_result::cme_error:
      if (cur_.cmee == 2)
        emit_result(4, "+CME ERROR: " + std::string(cme_code_ == 3 ? "operation not allowed"
                                                    : cme_code_ == 4 ? "operation not supported"
                                                    : cme_code_ == 21 ? "invalid index"
                                                    : "unknown"));
      else if (cur_.cmee == 1)
        emit_result(4, "+CME ERROR: " + std::to_string(cme_code_));
      else
        emit_error();
      break;
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
            if (n != 0) return exec_result::error;
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
              // Conexant &V1: last-connection statistics (§6.3).
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
              emit_info(v);
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
  (void)now;
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
    if (name == "+CPIN") {
      if (form == "?") { emit_info("+CPIN: READY"); return exec_result::ok; }
      if (form == "=?") return exec_result::ok;
      if (form == "=") return exec_result::ok;  // PIN accepted (already READY)
      return cme(4);
    }
    if (name == "+CSQ") {
      if (form == "=?") { emit_info("+CSQ: (0-31,99),(0-7,99)"); return exec_result::ok; }
      if (!form.empty()) return cme(4);
      emit_info("+CSQ: 20,99");  // -73 dBm, BER unknown
      return exec_result::ok;
    }
    if (name == "+COPS") {
      if (form == "?") { emit_info("+COPS: 0,0,\"dialup sim\",7"); return exec_result::ok; }
      if (form == "=?") {
        emit_info("+COPS: (2,\"dialup sim\",\"dialup\",\"00101\",7),,(0-4),(0-2)");
        return exec_result::ok;
      }
      if (form == "=") return exec_result::ok;
      return cme(4);
    }
    if (name == "+CGDCONT") {
      if (form == "?") {
        emit_info("+CGDCONT: 1,\"IP\",\"" + cur_.cgdcont_apn + "\",\"0.0.0.0\",0,0");
        return exec_result::ok;
      }
      if (form == "=?") {
        emit_info("+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)");
        return exec_result::ok;
      }
      if (form == "=") {
        auto a = split_args(args);
        if (a.empty() || a[0].empty() || a[0].find_first_not_of("0123456789") != std::string::npos)
          return cme(4);
        auto cid = std::stoul(a[0].substr(0, 3));
        if (cid < 1 || cid > 16) return cme(21);
        if (a.size() >= 2 && !a[1].empty() && a[1] != "IP" && a[1] != "IPV6" && a[1] != "IPV4V6")
          return cme(4);
        if (a.size() >= 3 && cid == 1) cur_.cgdcont_apn = a[2];
        return exec_result::ok;
      }
      return cme(4);
    }
    if (name == "+CREG" || name == "+CGREG" || name == "+CEREG") {
      if (form == "?") {
        auto* v = ext_values(name);
        long n = v && !v->empty() ? (*v)[0] : 0;
        std::string s = name + ": " + std::to_string(n) + ",1";
        if (n == 2) s += ",\"00A1\",\"0001B2C3\",7";
        emit_info(s);
        return exec_result::ok;
      }
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

// ---------------------------------------------------------------------------- dialing

modem::exec_result modem::dial(const std::string& ds, sim_time now) {
  // §3.2: parse the dial string and work out how long dialing takes.
  std::string number;
  bool pulse = cur_.pulse;
  sim_duration dur{0};
  dial_then_command_ = false;
  const sim_duration tone{2 * reg(11)};  // S11 tone + S11 gap per digit (§7)
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const char c = ds[i];
    if (c >= '0' && c <= '9') {
      number += c;
      if (pulse) {
        // 10 pps: 100 ms per pulse ("0" = 10 pulses), ~750 ms between digits (§7).
        dur += sim_duration(100 * (c == '0' ? 10 : c - '0') + 750);
      } else {
        dur += tone;
      }
    } else if (c == '*' || c == '#' || (c >= 'A' && c <= 'D' && !pulse)) {
      number += c;
      dur += tone;
    } else if (c == 'T') {
      pulse = false;
    } else if (c == 'P') {
      pulse = true;
    } else if (c == ',') {
      dur += sim_duration(1000 * reg(8));
    } else if (c == 'W') {
      dur += sim_duration(2000);  // second dial tone [est]
    } else if (c == '@') {
      dur += sim_duration(5000);  // 5 s of quiet answer [est]
    } else if (c == '!') {
      dur += sim_duration(10 * reg(29));
    } else if (c == ';') {
      if (i + 1 == ds.size()) dial_then_command_ = true;
    } else if (c == 'L' && number.empty()) {
      number = last_dialed_;  // redial
      dur += tone * static_cast<long>(number.size());
    } else if (c == 'S') {
      // S=n: stored number n (&Zn=).
      std::size_t j = i + 1;
      if (j < ds.size() && ds[j] == '=') ++j;
      unsigned n = 0;
      if (j < ds.size() && ds[j] >= '0' && ds[j] <= '9') n = static_cast<unsigned>(ds[j++] - '0');
      if (n >= stored_numbers_.size()) return exec_result::error;
      for (char d : stored_numbers_[n])
        if ((d >= '0' && d <= '9') || d == '*' || d == '#') number += d;
      dur += tone * static_cast<long>(number.size());
      i = j - 1;
    }
    // Everything else (- ( ) . space R and vendor letters) is formatting: ignored.
  }
  dial_number_ = number;
  if (!number.empty()) last_dialed_ = number;
  dial_duration_ = dur;

  stats_ = {};
  stats_.valid = true;
  stats_.originated = true;
  stats_.cause = termination_cause::in_progress;
  ringback_heard_ = false;
  rate_ = 0;
  go_off_hook();
  set_state(state::dialing);
  abortable_from_ = now + k_abort_window;

  // 27.007 packet-data call (§5.3): no dial tone, no digits; the network activates
  // the PDP context and the exchange connects us to the access point.
  pdp_call_ = p_->cellular && number.size() >= 3 && number.rfind("*99", 0) == 0 &&
              number.back() == '#';
  if (p_->cellular) {
    if (!pdp_call_) {
      // Only packet data is simulated on the cellular personality.
      hang_up(termination_cause::none, now);
      return exec_result::error;
    }
    dial_duration_ = sim_duration(0);
    arm(timer_kind::digits_done, now + k_pdp_activation);
    return exec_result::pending;
  }
  // §2.2/§7: X2/X4 wait for and qualify dial tone; X0/X1/X3 dial blind after S6
  // (values below 2 still give 2 s).
  if (cur_.x == 2 || cur_.x == 4) {
    if (line_ && line_->dial_tone())
      arm(timer_kind::dial_tone_qualified, now + k_dial_tone_qualify);
    else
      arm(timer_kind::no_dial_tone, now + k_dial_tone_give_up);
  } else {
    arm(timer_kind::blind_wait_done,
        now + sim_duration(1000 * std::max<unsigned>(2, reg(6))));
  }
  return exec_result::pending;
}

modem::exec_result modem::answer(sim_time now) {
  stats_ = {};
  stats_.valid = true;
  stats_.cause = termination_cause::in_progress;
  rate_ = 0;
  const bool was_ringing = incoming_ringing_;
  incoming_ringing_ = false;
  ri_ = false;
  go_off_hook();
  set_state(state::answering);
  abortable_from_ = now + k_abort_window;
  // §3.1: with no call ringing a real modem goes off-hook and tries anyway, giving NO
  // CARRIER after S7.
  if (was_ringing && line_) line_->answer();
  arm(timer_kind::wait_carrier, now + sim_duration(1000 * reg(7)));
  return exec_result::pending;
}

// ---------------------------------------------------------------------------- line

void modem::set_state(state s) { state_ = s; }

void modem::arm(timer_kind k, sim_time at) {
  timer_ = k;
  deadline_ = at;
}

void modem::disarm() {
  timer_ = timer_kind::none;
  deadline_.reset();
}

void modem::go_off_hook() {
  if (off_hook_) return;
  off_hook_ = true;
  if (line_) line_->off_hook();
}

void modem::hang_up(termination_cause why, sim_time now) {
  if (off_hook_ && line_) line_->on_hook();
  off_hook_ = false;
  if (stats_.valid && stats_.cause == termination_cause::in_progress) {
    stats_.cause = why;
    stats_.ended_at = now;
  }
  set_state(state::command);
  disarm();  // (this also drops a pending S1 clear, so clear S1 here)
  reg(1) = 0;
  incoming_ringing_ = false;
  ri_ = false;
  rate_ = 0;
  held_.clear();
  carrier_lost_ = false;
  plus_count_ = 0;
  pdp_call_ = false;
}

void modem::end_call_with(int code, const std::string& text, termination_cause why,
                          sim_time now) {
  hang_up(why, now);
  emit_result(code, text);
}

void modem::connected(unsigned rate, sim_time now) {
  rate_ = rate;
  stats_.rate = rate;
  stats_.connected_at = now;
  stats_.setup_result = 7;  // data answering signal (#UD key 1)
  disarm();
  set_state(state::online_data);
  carrier_lost_ = false;
  plus_count_ = 0;
  last_dte_byte_ = now;  // the guard time counts from CONNECT
  emit_connect();
}

void modem::dtr_off(sim_time now) {
  dtr_ = false;
  if (stuck_in_data_ && state_ == state::online_data) return;  // fault: ignores DTR
  prefix_ = prefix_state::idle;
  cmd_.clear();
  const bool in_call = off_hook_ || state_ != state::command;
  switch (cur_.d) {
    case 0:
      return;  // &D0: DTR ignored
    case 1:
      // &D1: online data → online-command state, OK; the call stays up.
      if (state_ == state::online_data) {
        set_state(state::online_command);
        plus_count_ = 0;
        emit_ok();
      }
      return;
    case 2:
      // &D2: hang up, OK (Hayes, §3.6). A client that dies must never leave the
      // line off-hook.
      if (in_call) {
        hang_up(termination_cause::dtr_dropped, now);
        emit_ok();
      }
      return;
    default:
      // &D3: hang up and reset as for Z (§3.1).
      if (in_call) hang_up(termination_cause::dtr_dropped, now);
      load_profile(nvram_[power_on_profile_]);
      return;
  }
}

void modem::dtr_on(sim_time) { dtr_ = true; }

void modem::on_timer(sim_time now) {
  if (!deadline_ || now < *deadline_) return;
  const sim_time at = *deadline_;
  const timer_kind k = timer_;
  disarm();
  switch (k) {
    case timer_kind::none:
      break;
    case timer_kind::dial_tone_qualified:
    case timer_kind::blind_wait_done:
      arm(timer_kind::digits_done, at + dial_duration_);
      break;
    case timer_kind::no_dial_tone:
      stats_.setup_result = 1;
      end_call_with(6, p_->no_dialtone_text, termination_cause::no_dial_tone, at);
      break;
    case timer_kind::digits_done:
      if (line_) line_->dial(dial_number_);
      if (dial_then_command_) {
        // "D...;": back to command state, off-hook, OK (§3.2).
        set_state(state::command);
        emit_ok();
      } else {
        // S7 starts when dialing ends (§4).
        arm(timer_kind::wait_carrier, at + sim_duration(1000 * reg(7)));
      }
      break;
    case timer_kind::wait_carrier:
      // §2.2: Conexant gives NO ANSWER if ringback is still heard when S7 runs out.
      if (state_ == state::dialing && ringback_heard_ && p_->no_answer_on_ringback)
        end_call_with(8, "NO ANSWER", termination_cause::s7_expired, at);
      else
        end_call_with(3, "NO CARRIER", termination_cause::s7_expired, at);
      break;
    case timer_kind::busy_detected:
      stats_.setup_result = 3;
      end_call_with(7, "BUSY", termination_cause::busy, at);
      break;
    case timer_kind::reorder_detected:
      stats_.setup_result = 2;
      end_call_with(3, "NO CARRIER", termination_cause::reorder, at);
      break;
    case timer_kind::voice_detected:
      stats_.setup_result = 5;
      if (p_->voice_result && cur_.x >= 1)
        end_call_with(3, "VOICE", termination_cause::s7_expired, at);
      else
        end_call_with(3, "NO CARRIER", termination_cause::s7_expired, at);
      break;
    case timer_kind::escape_guard:
      // §3.3: post-guard silence complete → OK, online-command state, call kept.
      plus_count_ = 0;
      set_state(state::online_command);
      prefix_ = prefix_state::idle;
      emit_ok();
      break;
    case timer_kind::carrier_loss:
      // §3.6: S10 after the carrier went away → hang up, NO CARRIER.
      end_call_with(3, "NO CARRIER", termination_cause::carrier_lost, at);
      break;
    case timer_kind::ring_counter_reset:
      reg(1) = 0;
      incoming_ringing_ = false;
      break;
  }
}

void modem::on_line_event(line_event ev, sim_time now, unsigned rate,
                          const std::string& info) {
  const bool waiting = state_ == state::dialing && timer_ == timer_kind::wait_carrier;
  switch (ev) {
    case line_event::ring:
      // §8.1: one RING per burst, S1 counts; S0=n answers on the n-th ring. With DTR
      // low (&D2) auto-answer is disabled.
      if (state_ != state::command || off_hook_) return;
      incoming_ringing_ = true;
      ri_ = true;
      if (reg(1) < 255) ++reg(1);
      emit_result(2, "RING");
      // §8.2: the caller ID report comes after the first RING, before the second.
      if (reg(1) == 1 && cid_mode_ != 0) caller_id(info, now);
      if (reg(0) > 0 && reg(1) >= reg(0) && (dtr_ || cur_.d < 2)) {
        answer(now);
      } else {
        arm(timer_kind::ring_counter_reset, now + k_ring_counter_clear);
      }
      return;
    case line_event::ring_stopped:
      incoming_ringing_ = false;
      ri_ = false;
      return;
    case line_event::ring_end:
      ri_ = false;
      return;
    case line_event::ringback:
      if (waiting) ringback_heard_ = true;
      return;
    case line_event::busy:
      // §2.2: busy detection only with X3/X4; otherwise S7 runs out (NO CARRIER).
      if (waiting && (cur_.x == 3 || cur_.x == 4) && *deadline_ > now + k_busy_detect)
        arm(timer_kind::busy_detected, now + k_busy_detect);
      return;
    case line_event::reorder:
      if (waiting && (cur_.x == 3 || cur_.x == 4) && *deadline_ > now + k_busy_detect)
        arm(timer_kind::reorder_detected, now + k_busy_detect);
      return;
    case line_event::answered:
      // Conexant restarts S7 when the answer tone is detected (§4 S7).
      if (waiting) {
        ringback_heard_ = false;
        arm(timer_kind::wait_carrier, now + sim_duration(1000 * reg(7)));
      }
      return;
    case line_event::voice:
      if (waiting) arm(timer_kind::voice_detected, now + k_voice_detect);
      return;
    case line_event::carrier:
      if (state_ == state::dialing || state_ == state::answering) connected(rate, now);
      return;
    case line_event::retrain:
      // A retrain is invisible to the DTE (no result code); the link may come back at a
      // lower rate, which ATI6/ATI11/#UD then report.
      if (state_ != state::online_data && state_ != state::online_command) return;
      if (rate) {
        rate_ = rate;
        stats_.rate = rate;
      }
      ++stats_.retrains;
      return;
    case line_event::carrier_lost:
      if ((state_ == state::online_data || state_ == state::online_command) && !carrier_lost_) {
        carrier_lost_ = true;
        plus_count_ = 0;
        if (reg(10) == 255) {
          disarm();  // 255: never hang up (§4)
        } else {
          arm(timer_kind::carrier_loss, now + sim_duration(100 * reg(10)));
        }
      }
      return;
  }
}

void modem::on_remote_data(std::string_view data, sim_time) {
  if (carrier_lost_) return;
  if (state_ == state::online_data) {
    stats_.chars_to_dte += data.size();
    emit(data);
  } else if (state_ == state::online_command) {
    // §3.3: data from the remote is held until ATO [est].
    if (held_.size() + data.size() <= k_max_held) held_.append(data);
  }
}

bool modem::dcd() const {
  if (cur_.c == 0) return true;
  return (state_ == state::online_data || state_ == state::online_command) && !carrier_lost_;
}

modem_mode modem::mode() const {
  switch (state_) {
    case state::command:
      if (off_hook_) return modem_mode::off_hook_idle;
      return incoming_ringing_ ? modem_mode::ringing : modem_mode::command;
    case state::dialing: return modem_mode::dialing;
    case state::answering: return modem_mode::answering;
    case state::online_data: return modem_mode::online_data;
    case state::online_command: return modem_mode::online_command;
  }
  return modem_mode::command;
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
