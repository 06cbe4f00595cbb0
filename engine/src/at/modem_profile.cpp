// modem_profile: the init sequence and the dial's reply table read from the profile's data.
#include "dialup/engine/modem_profile.hpp"

namespace dialup {

std::error_code modem_profile::dial_error(response_kind reply) const {
  if (reply == response_kind::connect) return {};
  for (const auto& e : dial_errors)
    if (e.reply == reply) return e.error;
  return ras_error::unrecognized_response;
}

std::string modem_profile::dial_command(std::string_view number, bool pulse_dialing) const {
  std::string cmd = dial_prefix;
  cmd += pulse_dialing ? pulse : tone;
  cmd += number;
  cmd += dial_suffix;
  return cmd;
}

std::vector<modem_step> modem_profile::init_steps(const init_request& request) const {
  std::vector<modem_step> steps;
  if (direct) return steps;  // a null-modem line: no modem to talk to
  const auto add = [&](const std::string& command) {
    if (!command.empty()) steps.push_back({command, command_timeout, false});
  };
  if (!reset.empty()) steps.push_back({reset, reset_timeout, true});
  for (const auto& c : init) {
    if (c.command.empty()) continue;
    steps.push_back({c.command, c.timeout.count() > 0 ? c.timeout : command_timeout, false, c.error_fatal});
  }
  if (request.speaker != init_request::speaker::as_profile)
    add(request.speaker == init_request::speaker::on ? speaker_on : speaker_off);
  if (blind_dial) add(blind_on);
  else add(blind_off);
  // S7, the modem's wait for carrier (V.250 S7, connection completion timeout).
  if (call_setup_fail_timer != 0 && !carrier_wait.empty())
    add(carrier_wait + std::to_string(call_setup_fail_timer));
  // S0=0: the modem does not answer by itself (V.250 S0, automatic answer); the engine answers.
  if (request.answer_ourselves) add(auto_answer_off);
  return steps;
}

}  // namespace dialup
