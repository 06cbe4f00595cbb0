// A phone-book entry as the engine dials it (phonebook.hpp): dialable_number,
// to_dial_entry, check_dialable, and describe() of an entry.
#include "dialup/engine/ras_error.hpp"
#include "phonebook_detail.hpp"

namespace dialup {

using namespace phonebook_detail;

// ---- to_dial_entry ----------------------------------------------------------------------

std::string dialable_number(const pbk_phone_number& n, const dialing_location& where) {
  // Without a country code the rules have nothing to work with: dial as written.
  if (!n.use_dialing_rules || n.country_code == 0) return n.number;
  const std::string area = std::string(trim(n.area_code));
  if (where.country_code == 0) {
    std::string out = "+" + std::to_string(n.country_code) + " ";
    if (!area.empty()) out += area + " ";
    return out + n.number;
  }
  if (where.country_code == n.country_code) {
    if (area.empty() || area == where.area_code) return n.number;
    return where.long_distance_prefix + area + n.number;
  }
  return where.international_prefix + std::to_string(n.country_code) + area + n.number;
}

dial_entry to_dial_entry(const phonebook_entry& e, const dialing_location& where, const modem_profile& profile) {
  dial_entry d;
  d.profile = profile;
  d.name = e.name;
  d.port = e.port;
  if (!e.numbers.empty()) {
    d.phone_number = dialable_number(e.numbers.front(), where);
    if (e.try_next_alternate_on_fail) {
      for (std::size_t i = 1; i < e.numbers.size(); ++i) {
        d.alternates.push_back(dialable_number(e.numbers[i], where));
      }
    }
    // The first dial character decides tone or pulse (docs/modem-behaviour.md §3.2: T/P modifiers).
    for (char c : e.numbers.front().number) {
      if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '+') continue;
      d.pulse_dialing = (c == 'P' || c == 'p');
      break;
    }
  }
  d.redial.attempts = e.redial_attempts;
  d.redial.pause = std::chrono::seconds(e.redial_seconds);
  d.redial.backoff = 1.0;
  d.redial.abort_on_busy = false;
  d.redial.abort_on_no_dialtone = false;
  d.redial.rotate_alternates = e.try_next_alternate_on_fail;
  d.idle_disconnect = std::chrono::seconds(
      e.idle_disconnect_seconds > 0 && e.idle_disconnect_seconds < 0xFFFFFFFFLL
          ? e.idle_disconnect_seconds
          : 0);
  d.reconnect_if_dropped = e.redial_on_link_failure;
  d.terminal_after_dial = e.terminal_after_dial;
  if (e.connect_bps > 0) d.settings.baud_rate = e.connect_bps;
  if (e.hw_flow_control) d.settings.hardware_flow_control = *e.hw_flow_control;
  // Each setting through the profile's own command for it; a modem without one gets none.
  const auto add = [&d](const std::string& command) {
    if (!command.empty()) d.profile.init.push_back(command);
  };
  if (e.speaker) add(*e.speaker ? profile.speaker_on : profile.speaker_off);
  if (e.error_control && !*e.error_control) add(profile.error_control_off);
  if (e.compression && !*e.compression) add(profile.compression_off);
  // The user's own init after the settings (docs/ras-model.md §8.2).
  for (auto& command : split_modem_init(e.modem_init)) d.profile.init.push_back(std::move(command));
  return d;
}

std::error_code check_dialable(const phonebook_entry& e) {
  if (!iequals(trim(e.device_type), "modem")) {
    return make_error_code(ras_error::devicetype_does_not_exist);
  }
  if (trim(e.port).empty()) return make_error_code(ras_error::port_not_configured);
  return {};
}

std::string describe(const phonebook_entry& e) {
  std::string out = "[" + e.name + "] " + e.device_type + " on " +
                    (e.port.empty() ? std::string("(no port)") : e.port);
  if (!e.device.empty()) out += " (" + e.device + ")";
  out += "\n";
  for (std::size_t i = 0; i < e.numbers.size(); ++i) {
    out += i == 0 ? "  number: " : "  alternate: ";
    out += e.numbers[i].number;
    if (e.numbers[i].use_dialing_rules) {
      out += " (country " + std::to_string(e.numbers[i].country_code) + ", area " +
             e.numbers[i].area_code + ")";
    }
    out += "\n";
  }
  out += "  redial: " + std::to_string(e.redial_attempts) + " x every " +
         std::to_string(e.redial_seconds) + " s\n";
  out += std::string("  redial on link failure: ") + (e.redial_on_link_failure ? "yes" : "no") +
         " (RedialOnLinkFailure)\n";
  out += "  idle disconnect: ";
  if (e.idle_disconnect_seconds == 0)
    out += "the global setting";
  else if (e.idle_disconnect_seconds < 0 || e.idle_disconnect_seconds >= 0xFFFFFFFFLL)
    out += "never";
  else
    out += "after " + std::to_string(e.idle_disconnect_seconds) + " s idle";
  out += " (IdleDisconnectSeconds=" + std::to_string(e.idle_disconnect_seconds) + ")\n";
  if (const auto init = split_modem_init(e.modem_init); !init.empty()) {
    out += "  init:";
    for (const auto& c : init) out += " " + c;
    out += " (DialupInit)\n";
  }
  if (e.speaker) out += std::string("  speaker: ") + (*e.speaker ? "on" : "off") + "\n";
  if (e.link_count() > 1) out += "  links: " + std::to_string(e.link_count()) + "\n";
  return out;
}

}  // namespace dialup
