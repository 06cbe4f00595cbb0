// chat_runner: runs a parsed chat(8) script against a peer, sans-I/O — expects and sends on
// chat's time line (10 ms before every byte, \d \p \K), TIMEOUT and sub-expects, ABORT, REPORT
// and CALLBACK strings, REGEX expects matched with RE2, @file sends, and the redaction of the
// password from everything it hands out. Where chat(8) is silent, chat.c decides: parity bits
// cleared on input (ISTRIP), a rolling 1024-byte buffer, REPORT strings one-shot and the rest of
// a report line read after the end (terminate()), CLR_ABORT's packing quirk, and SIGHUP ending
// the run at once. The rules are listed in chat_script.hpp.
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
#include <utility>

#include "chat_detail.hpp"

namespace dialup {

using namespace chat_detail;

namespace {

bool is_cntrl7(unsigned char c) { return c < 0x20 || c == 0x7f; }

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

}  // namespace

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
  if (gathering_) emit_report(now_);
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

void chat_runner::emit_report(chat_clock::time_point t) {
  chat_action a;
  a.kind = chat_action_kind::report;
  a.at = t;
  a.text = scrub(report_);
  schedule(std::move(a));
  gathering_ = false;
}

void chat_runner::finish_report_at(chat_clock::time_point t) {
  emit_report(t);
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
