// Outcomes and actions of a chat run: their text for logs and displays (never holding the
// password: the runner has scrubbed what it hands over), chat's report-file line, and the RAS
// error a dialer makes of an outcome (chat_outcome::error(); the mapping of ABORT strings to
// RAS numbers is listed in chat_script.hpp).
#include "dialup/engine/chat_script.hpp"

#include <algorithm>
#include <cstdio>

#include "chat_detail.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/text.hpp"

namespace dialup {

using namespace chat_detail;

namespace {

// ASCII case-insensitive substring test (what modems and login servers print is ASCII).
bool contains_nocase(std::string_view text, std::string_view what) {
  return std::search(text.begin(), text.end(), what.begin(), what.end(), [](char a, char b) {
           return text::ascii_lower(a) == text::ascii_lower(b);
         }) != text.end();
}

}  // namespace

std::string_view to_string(chat_result r) noexcept {
  switch (r) {
    case chat_result::success: return "success";
    case chat_result::failed: return "failed";
    case chat_result::hangup: return "hangup";
    case chat_result::timeout: return "timeout";
    case chat_result::abort: return "abort";
    case chat_result::callback: return "callback";
  }
  return "?";
}

std::error_code chat_outcome::error() const {
  switch (result) {
    case chat_result::success: return {};
    case chat_result::callback: return {};  // the server calls back: the dialer's business
    case chat_result::timeout: return make_error_code(ras_error::request_timeout);
    case chat_result::hangup: return make_error_code(ras_error::remote_disconnection);
    case chat_result::failed: return make_error_code(ras_error::script_syntax);
    case chat_result::abort: {
      const std::string& s = abort_string;
      if (s == "BUSY") return make_error_code(ras_error::line_busy);
      if (s == "NO CARRIER") return make_error_code(ras_error::no_carrier);
      if (s == "NO DIALTONE" || s == "NO DIAL TONE") return make_error_code(ras_error::no_dialtone);
      if (s == "NO ANSWER") return make_error_code(ras_error::no_answer);
      if (s == "VOICE") return make_error_code(ras_error::voice_answer);
      if (s == "ERROR") return make_error_code(ras_error::from_device);
      if (contains_nocase(s, "expired")) return make_error_code(ras_error::passwd_expired);
      return make_error_code(ras_error::authentication_failure);
    }
  }
  return make_error_code(ras_error::unknown);
}

std::string chat_outcome::to_string() const {
  std::string out(dialup::to_string(result));
  switch (result) {
    case chat_result::timeout:
      out += " waiting for " + expect + " at line " + std::to_string(where.line) + ", column " +
             std::to_string(where.column);
      if (attempt > 0) out += " (sub-expect " + std::to_string(attempt) + ")";
      break;
    case chat_result::abort:
      out += " on " + quoted(abort_string) + " (ABORT string " + std::to_string(abort_index) + ")";
      break;
    case chat_result::callback:
      out += " on " + quoted(callback_string) + " (CALLBACK string)";
      break;
    case chat_result::failed: out += ": " + reason; break;
    default: break;
  }
  out += " (exit " + std::to_string(exit_code) + ")";
  return out;
}

std::string_view to_string(chat_action_kind k) noexcept {
  switch (k) {
    case chat_action_kind::send: return "send";
    case chat_action_kind::send_break: return "break";
    case chat_action_kind::say: return "say";
    case chat_action_kind::report: return "report";
    case chat_action_kind::echo: return "echo";
    case chat_action_kind::matched: return "matched";
    case chat_action_kind::outcome: return "outcome";
  }
  return "?";
}

std::string to_string(const chat_action& a) {
  std::string out(to_string(a.kind));
  switch (a.kind) {
    case chat_action_kind::send: out += " " + quoted(a.redacted); break;
    case chat_action_kind::send_break: break;
    case chat_action_kind::matched:
      out += " " + a.text;
      if (a.alternative >= 0) out += " (" + std::to_string(a.alternative) + ")";
      break;
    case chat_action_kind::outcome: out += " " + a.text; break;
    default: out += " " + quoted(a.text); break;
  }
  return out;
}

std::string chat_report_line(std::string_view report_text, const std::tm& local_time) {
  // strftime's %b depends on the locale; chat runs in the C locale, so spell it out.
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char stamp[32];
  const int mon = local_time.tm_mon >= 0 && local_time.tm_mon < 12 ? local_time.tm_mon : 0;
  std::snprintf(stamp, sizeof stamp, "%s %02d %02d:%02d:%02d ", months[mon], local_time.tm_mday % 100,
                local_time.tm_hour % 100, local_time.tm_min % 100, local_time.tm_sec % 100);
  return "chat:  " + std::string(stamp) + std::string(report_text);
}

}  // namespace dialup
