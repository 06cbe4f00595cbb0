#include "probe_command.hpp"

#include <cctype>
#include <filesystem>
#include <iostream>
#include <optional>

#include "dialup/drivers/port_enumeration.hpp"
#include "dialup/drivers/probe_port.hpp"
#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/phonebook.hpp"
#include "dialup/engine/profile_file.hpp"
#include "file_io.hpp"

namespace dialup_cli {

namespace {

std::string or_dash(const std::string& s) { return s.empty() ? std::string("-") : s; }

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += x;
  }
  return s;
}

// The name a new phone-book entry gets: "<model> on <port>" ("Courier V.Everything on ttyUSB0").
std::string default_entry_name(const dialup::probe_result& r) {
  std::string what = !r.answers.model.empty() ? r.answers.model
                     : !r.answers.manufacturer.empty() ? r.answers.manufacturer
                                                       : std::string("Modem");
  const auto& port = r.candidate.port;
  return what + " on " + port.substr(port.rfind('/') + 1);
}

// Adds one entry per modem found to `path` (created when missing). false, with a message,
// when the file cannot be read or written or a name is taken; the file is then unchanged.
bool write_entries(const std::string& path, const std::string& first_name,
                   const std::vector<const dialup::probe_result*>& modems) {
  dialup::phonebook pb;
  std::error_code fec;
  if (std::filesystem::exists(path, fec)) {
    if (auto err = dialup::phonebook::load(path, pb)) {
      std::cerr << "dialup probe: " << err.message() << "\n";
      return false;
    }
  }
  std::vector<std::string> added;
  for (std::size_t i = 0; i < modems.size(); ++i) {
    const auto& r = *modems[i];
    const std::string name = i == 0 && !first_name.empty() ? first_name : default_entry_name(r);
    std::string device = r.answers.manufacturer;
    if (!r.answers.model.empty()) device += (device.empty() ? "" : " ") + r.answers.model;
    auto e = dialup::phonebook_entry::make_modem(name, r.candidate.port, device, {});
    e.connect_bps = r.speed;
    if (auto ec = pb.add(std::move(e))) {
      std::cerr << "dialup probe: cannot add entry '" << name << "' to " << path << ": "
                << (ec == std::errc::file_exists ? std::string("the name is taken (--entry-name gives another)")
                                                 : dialup::describe(ec))
                << " (" << path << " is unchanged)\n";
      return false;
    }
    added.push_back(name);
  }
  std::string text, error;
  if (auto ec = pb.serialize(text)) {
    std::cerr << "dialup probe: " << path << ": " << dialup::describe(ec) << " (nothing written)\n";
    return false;
  }
  if (!write_file_atomically(path, text, error)) {
    std::cerr << "dialup probe: " << error << " (" << path << " is unchanged)\n";
    return false;
  }
  for (const auto& n : added) std::cerr << "dialup probe: entry '" << n << "' written to " << path << "\n";
  return true;
}

// --write-profile FILE: a profile for the first modem found, on the profile it was
// identified as, with the init string it accepted and its own identity (profile_from_probe),
// named after the file. An existing file is left alone.
bool write_profile(const std::string& path, const dialup::probe_result& r,
                   const std::vector<dialup::modem_profile>& profiles) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::cerr << "dialup probe: " << path << " exists; not overwritten\n";
    return false;
  }
  const auto id = dialup::identify(r.answers, profiles);
  dialup::modem_profile base = dialup::modem_profile::generic();
  for (const auto& p : profiles)
    if (p.name == id.profile) base = p;
  std::string name;
  for (char c : std::filesystem::path(path).stem().string()) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name += (std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '_' || l == '.') ? l : '-';
  }
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) name = "probed-" + name;
  const auto made = dialup::profile_from_probe(r, base, name);
  std::string text = "# Written by dialup probe from the answers of the modem on " + r.candidate.port +
                     " (identified as " + id.profile + ").\n" + dialup::to_toml(made);
  // What is written must read back as it is (a probe answer could hold anything).
  const auto check = dialup::parse_profile(text, path, dialup::modem_profile::generic(), name);
  if (!check.errors.empty()) {
    for (const auto& e : check.errors) std::cerr << "dialup probe: " << e.text() << " (nothing written)\n";
    return false;
  }
  std::string error;
  if (!write_file_atomically(path, text, error)) {
    std::cerr << "dialup probe: " << error << "\n";
    return false;
  }
  std::cerr << "dialup probe: profile '" << name << "' written to " << path << "\n";
  return true;
}

}  // namespace

std::vector<dialup::modem_profile> available_profiles() {
  const auto set = dialup::profile_set::load_default();
  for (const auto& e : set.errors()) std::cerr << "dialup probe: " << e.text() << "\n";
  return set.all();
}

void print_probe_text(std::ostream& out, const dialup::probe_result& r, const dialup::identification* id) {
  out << r.candidate.port << ": ";
  if (r.outcome != dialup::probe_outcome::modem) {
    out << to_string(r.outcome) << ": " << r.detail << "\n";
    if (!r.termios_restored) out << "  warning: the port's settings could not be put back as they were\n";
    return;
  }
  const auto& a = r.answers;
  out << "modem at " << r.speed << " bit/s (" << r.elapsed.count() << " ms)\n";
  out << "  manufacturer  " << or_dash(a.manufacturer) << "\n";
  out << "  model         " << or_dash(a.model) << "\n";
  out << "  revision      " << or_dash(a.revision) << "\n";
  out << "  " << (a.cellular ? "IMEI          " : "serial        ") << or_dash(a.serial) << "\n";
  if (!a.usb_id.empty()) out << "  usb id        " << a.usb_id << "\n";
  for (std::size_t n = 0; n < a.ati.size(); ++n)
    if (!a.ati[n].empty()) out << "  ATI" << n << "          " << a.ati[n] << "\n";
  out << "  init accepted " << or_dash(join(r.init_accepted, " ")) << "\n";
  if (!r.init_refused.empty()) out << "  init refused  " << join(r.init_refused, " ") << "\n";
  out << "  init string   " << r.init << "\n";
  if (r.cellular) {
    const auto& c = *r.cellular;
    out << "  SIM           " << (c.sim ? std::string(to_string(*c.sim)) : std::string("unknown"))
        << (c.cpin.empty() ? "" : " (" + c.cpin + ")") << "\n";
    out << "  signal        " << (c.signal_dbm ? std::to_string(*c.signal_dbm) + " dBm" : std::string("unknown"))
        << (c.csq.empty() ? "" : " (" + c.csq + ")") << "\n";
    out << "  registration  " << (c.circuit ? std::string(c.circuit->text()) : std::string("unknown"))
        << (c.creg.empty() ? "" : " (" + c.creg + ")") << "\n";
    if (c.packet)
      out << "  packet domain " << c.packet->text() << " (" << c.cgreg << ")\n";
  }
  if (id) {
    out << "  profile       " << id->profile << " (score " << id->score << ")\n";
    for (const auto& why : id->reasons) out << "    " << why << "\n";
  }
  if (!r.termios_restored) out << "  warning: the port's settings could not be put back as they were\n";
}

nlohmann::json probe_json(const dialup::probe_result& r, const dialup::identification* id) {
  nlohmann::json j;
  j["port"] = r.candidate.port;
  j["outcome"] = std::string(to_string(r.outcome));
  j["detail"] = r.detail;
  j["elapsed_ms"] = r.elapsed.count();
  j["termios_restored"] = r.termios_restored;
  if (r.outcome != dialup::probe_outcome::modem) return j;
  const auto& a = r.answers;
  j["speed"] = r.speed;
  j["manufacturer"] = a.manufacturer;
  j["model"] = a.model;
  j["revision"] = a.revision;
  j["serial"] = a.serial;
  j["usb_id"] = a.usb_id;
  j["ati"] = a.ati;
  j["init_accepted"] = r.init_accepted;
  j["init_refused"] = r.init_refused;
  j["init"] = r.init;
  j["cellular"] = a.cellular;
  if (r.cellular) {
    const auto& c = *r.cellular;
    nlohmann::json cj;
    cj["sim"] = c.sim ? nlohmann::json(std::string(to_string(*c.sim))) : nlohmann::json();
    cj["signal_dbm"] = c.signal_dbm ? nlohmann::json(*c.signal_dbm) : nlohmann::json();
    cj["registration"] = c.circuit ? nlohmann::json(std::string(c.circuit->text())) : nlohmann::json();
    cj["registered"] = c.circuit && c.circuit->registered();
    cj["packet_registration"] = c.packet ? nlohmann::json(std::string(c.packet->text())) : nlohmann::json();
    cj["replies"] = {{"cpin", c.cpin}, {"csq", c.csq}, {"creg", c.creg}, {"cgreg", c.cgreg}};
    j["cellular_status"] = cj;
  }
  if (id) {
    j["profile"] = id->profile;
    j["score"] = id->score;
    j["reasons"] = id->reasons;
  }
  return j;
}

int probe_command(const probe_cli_options& o) {
  if (o.timeout_ms <= 0 || o.timeout_ms > 60000) {
    std::cerr << "dialup probe: --timeout must be 1 to 60000 ms\n";
    return 1;
  }
  if (!o.entry_name.empty() && o.write_entry.empty()) {
    std::cerr << "dialup probe: --entry-name goes with --write-entry\n";
    return 1;
  }
  if (!o.entry_name.empty() && !dialup::phonebook::valid_entry_name(o.entry_name)) {
    std::cerr << "dialup probe: '" << o.entry_name
              << "' is not a valid entry name (1 to 256 bytes, no line break, not starting with '.')\n";
    return 1;
  }

  std::vector<dialup::probe_candidate> candidates;
  if (o.ports.empty()) {
    candidates = dialup::drivers::system_probe_candidates();
  } else {
    const auto known = dialup::drivers::enumerate_ports();
    for (const auto& p : o.ports) candidates.push_back(dialup::drivers::named_probe_candidate(p, known));
  }
  if (candidates.empty()) {
    std::cerr << "dialup probe: no serial ports to probe (name one: dialup probe /dev/ttyUSB0)\n";
    return 2;
  }

  dialup::probe_options po;
  po.answer_timeout = std::chrono::milliseconds(o.timeout_ms);
  po.command_timeout = std::chrono::milliseconds(std::max(1000, 2 * o.timeout_ms));
  po.exclude = o.exclude;
  po.exclude_usb = o.exclude_usb;
  for (const auto& ex : o.exclude) {
    std::error_code ec;
    auto real = std::filesystem::canonical(ex, ec);
    if (!ec) po.exclude.push_back(real.string());
  }

  boost::asio::io_context io;
  dialup::drivers::tty_probe_opener opener;
  std::vector<dialup::probe_result> results;
  dialup::async_probe(io.get_executor(), opener, std::move(candidates), po,
                      [&](std::vector<dialup::probe_result> r) { results = std::move(r); });
  io.run();

  const auto profiles = available_profiles();
  std::vector<const dialup::probe_result*> modems;
  for (const auto& r : results) {
    std::optional<dialup::identification> id;
    if (r.outcome == dialup::probe_outcome::modem) {
      id = dialup::identify(r.answers, profiles);
      modems.push_back(&r);
    }
    if (o.json) std::cout << probe_json(r, id ? &*id : nullptr).dump() << "\n";
    else print_probe_text(std::cout, r, id ? &*id : nullptr);
  }
  std::cout.flush();
  if (modems.empty()) {
    if (!o.json) std::cerr << "dialup probe: no modem answered\n";
    return 2;
  }
  if (!o.write_entry.empty() && !write_entries(o.write_entry, o.entry_name, modems)) return 1;
  if (!o.write_profile.empty() && !write_profile(o.write_profile, *modems.front(), profiles)) return 1;
  return 0;
}

}  // namespace dialup_cli
