// Which profile a probed modem is (docs/probe.md §4): a pure function of the modem's
// answers and the profiles' profile_identity patterns.
#include "dialup/engine/probe.hpp"

#include <algorithm>
#include <cctype>

namespace dialup {

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& ch : r) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return r;
}

bool contains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return false;
  return lower(hay).find(lower(needle)) != std::string::npos;
}

// The first pattern found in `text`, or nullptr.
const std::string* first_match(std::string_view text, const std::vector<std::string>& patterns) {
  if (text.empty()) return nullptr;
  for (const auto& p : patterns)
    if (contains(text, p)) return &p;
  return nullptr;
}

struct candidate_score {
  int score = 0;
  std::vector<std::string> reasons;
};

candidate_score score(const probe_answers& a, const modem_profile& p) {
  candidate_score s;
  const auto& id = p.identify;
  // USB ids are compared whole: "0572:1329" must not match "0572:13290".
  if (!a.usb_id.empty()) {
    for (const auto& u : id.usb_ids)
      if (lower(u) == lower(a.usb_id)) {
        s.score += 100;
        s.reasons.push_back("usb id " + a.usb_id + " matches " + p.name);
        break;
      }
  }
  // +GMM names the model (V.250 §6.1.5); ATI0/ATI3 often do too, counted as ATI below.
  if (const auto* m = first_match(a.model, id.model)) {
    s.score += 40;
    s.reasons.push_back("+GMM '" + a.model + "' matches " + p.name + " (model '" + *m + "')");
  }
  if (const auto* m = first_match(a.manufacturer, id.manufacturer)) {
    s.score += 20;
    s.reasons.push_back("+GMI '" + a.manufacturer + "' matches " + p.name + " (manufacturer '" + *m + "')");
  } else {
    // A modem without +GMI says who made it in ATI3 or ATI4 (docs/modem-behaviour.md).
    for (std::size_t n : {3u, 4u}) {
      if (n >= a.ati.size()) continue;
      if (const auto* m2 = first_match(a.ati[n], id.manufacturer)) {
        s.score += 20;
        s.reasons.push_back("ATI" + std::to_string(n) + " '" + a.ati[n] + "' matches " + p.name +
                            " (manufacturer '" + *m2 + "')");
        break;
      }
    }
  }
  for (std::size_t n = 0; n < a.ati.size(); ++n) {
    if (const auto* m = first_match(a.ati[n], id.ati)) {
      s.score += 10;
      s.reasons.push_back("ATI" + std::to_string(n) + " '" + a.ati[n] + "' matches " + p.name + " ('" + *m + "')");
      break;
    }
  }
  if (a.cellular && p.cellular.enabled) {
    s.score += 5;
    s.reasons.push_back("answers AT+CPIN? (3GPP TS 27.007 §8.3), " + p.name + " is a cellular profile");
  }
  return s;
}

}  // namespace

identification identify(const probe_answers& answers, std::span<const modem_profile> profiles) {
  identification best;
  for (const auto& p : profiles) {
    auto s = score(answers, p);
    if (s.score > best.score) {
      best.profile = p.name;
      best.score = s.score;
      best.reasons = std::move(s.reasons);
    }
  }
  if (best.score == 0) {
    best.profile = "generic";
    best.reasons = {"no match: generic"};
  }
  return best;
}

modem_profile profile_from_probe(const probe_result& r, const modem_profile& base, std::string name) {
  modem_profile p = base;
  p.name = std::move(name);
  const auto& a = r.answers;
  std::string what = a.manufacturer;
  if (!a.model.empty()) what += (what.empty() ? "" : " ") + a.model;
  p.description = (what.empty() ? std::string("modem") : what) + ", probed on " + r.candidate.port + " at " +
                  std::to_string(r.speed) + " bit/s";
  // Only an init the modem took as a whole replaces the profile's ("AT" alone is nothing).
  if (r.init.size() > 2) p.init = {r.init};
  p.identify = {};
  if (!a.usb_id.empty()) p.identify.usb_ids = {a.usb_id};
  if (!a.manufacturer.empty()) p.identify.manufacturer = {a.manufacturer};
  if (!a.model.empty()) p.identify.model = {a.model};
  if (a.cellular) p.cellular.enabled = true;
  return p;
}

}  // namespace dialup
