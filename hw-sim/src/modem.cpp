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
#include "modem_detail.hpp"

#include <algorithm>

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

using modem_detail::ext_table;

namespace {

constexpr sim_duration k_abort_window{125};       // §1.2
constexpr sim_duration k_dial_tone_qualify{750};  // §7: 0.7-0.8 s
constexpr sim_duration k_dial_tone_give_up{5000}; // §7: 5-10 s
constexpr sim_duration k_busy_detect{2000};       // §2.2: 1-2 cadences of 0.5/0.5 s
constexpr sim_duration k_ring_counter_clear{8000};// §4 S1: cleared after 8 s
constexpr sim_duration k_pdp_activation{800};     // §5.3: 0.1-2 s
constexpr sim_duration k_voice_detect{3000};      // [est] a few seconds of speech
constexpr std::size_t k_max_held = 65536;

}  // namespace

modem::modem(const personality& p) : p_(&p) {
  pdp_apn_[1] = "internet";
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
  set_cellular(cell_, now);
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

void modem::dte_silence(sim_duration gap, sim_time now) {
  if (now - last_dte_byte_ < gap) last_dte_byte_ = now - gap;
  if (now - last_plus_ < gap) last_plus_ = now - gap;
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
    // A locked SIM, no registration or no APN: the activation fails after its delay
    // (docs/cellular.md, "The simulator").
    pdp_refusal_ = pdp_refusal(number, now);
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
  pdp_refusal_ = 0;
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

std::optional<sim_time> modem::next_deadline() const {
  if (!reg_event_) return deadline_;
  if (!deadline_) return reg_event_;
  return std::min(*deadline_, *reg_event_);
}

void modem::on_timer(sim_time now) {
  if (reg_event_ && now >= *reg_event_) registration_event(now);
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
      if (pdp_call_ && pdp_refusal_ != 0) {
        const int code = pdp_refusal_;
        hang_up(termination_cause::none, at);
        if (code > 0 && cur_.cmee != 0) {
          cme_code_ = code;
          emit_cme_error();
        } else {
          emit_result(3, "NO CARRIER");
        }
        break;
      }
      // Every packet-data dial string (*99#, *99***<cid>#) reaches the access point.
      if (line_) line_->dial(pdp_call_ ? std::string("*99#") : dial_number_);
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

}  // namespace dialup::hwsim
