#include "ports_command.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace dialup_cli {
namespace {

using dialup::drivers::lock_info;
using dialup::drivers::port_info;

std::string hex4(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>(v));
  return buf;
}

std::string usb_id(const port_info& p) {
  return p.vid && p.pid ? hex4(*p.vid) + ":" + hex4(*p.pid) : std::string("-");
}

std::string held_by(const lock_info& l) {
  switch (l.st) {
    case lock_info::state::none: return "-";
    case lock_info::state::held:
      return std::to_string(l.pid) + (l.program.empty() ? std::string() : " (" + l.program + ")");
    case lock_info::state::stale: return "stale lock (" + std::to_string(l.pid) + ")";
    case lock_info::state::unreadable: return "unreadable lock";
  }
  return "-";
}

std::string or_dash(const std::string& s) { return s.empty() ? std::string("-") : s; }

// The by-id name without its directory: the table stays readable.
std::string short_by_id(const std::string& s) {
  auto slash = s.rfind('/');
  return s.empty() ? std::string("-") : s.substr(slash == std::string::npos ? 0 : slash + 1);
}

}  // namespace

void print_ports_table(std::ostream& out, const std::vector<port_info>& ports) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"PORT", "KIND", "USB ID", "IF", "DESCRIPTION", "SERIAL", "BY-ID", "HELD BY"});
  for (const auto& p : ports) {
    std::string kind(to_string(p.kind));
    if (!p.present) kind += " (absent)";
    char ifn[8] = "-";
    if (p.interface_number) std::snprintf(ifn, sizeof ifn, "%02x", static_cast<unsigned>(*p.interface_number));
    std::string desc = !p.product.empty() ? p.product : p.description;
    if (p.kind == dialup::drivers::port_kind::bluetooth && !p.bluetooth_address.empty())
      desc += " [" + p.bluetooth_address + "]";
    rows.push_back({p.path, kind, usb_id(p), ifn, or_dash(desc), or_dash(p.serial), short_by_id(p.by_id),
                    held_by(p.lock)});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void print_ports_json(std::ostream& out, const std::vector<port_info>& ports) {
  for (const auto& p : ports) {
    // nlohmann::ordered_json keeps the keys in this order: a line reads like the table.
    nlohmann::ordered_json j;
    j["path"] = p.path;
    j["kind"] = std::string(to_string(p.kind));
    j["present"] = p.present;
    j["description"] = p.description;
    auto opt = [](const auto& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); };
    j["vid"] = p.vid ? nlohmann::ordered_json(hex4(*p.vid)) : nlohmann::ordered_json(nullptr);
    j["pid"] = p.pid ? nlohmann::ordered_json(hex4(*p.pid)) : nlohmann::ordered_json(nullptr);
    j["manufacturer"] = p.manufacturer;
    j["product"] = p.product;
    j["serial"] = p.serial;
    j["bus"] = opt(p.bus);
    j["address"] = opt(p.address);
    j["interface"] = opt(p.interface_number);
    j["driver"] = p.driver;
    j["bluetooth_address"] = p.bluetooth_address;
    j["by_id"] = p.by_id;
    j["by_path"] = p.by_path;
    nlohmann::ordered_json lock;
    switch (p.lock.st) {
      case lock_info::state::none: lock = nullptr; break;
      case lock_info::state::held: lock = {{"state", "held"}, {"pid", p.lock.pid}, {"program", p.lock.program}}; break;
      case lock_info::state::stale: lock = {{"state", "stale"}, {"pid", p.lock.pid}}; break;
      case lock_info::state::unreadable: lock = {{"state", "unreadable"}}; break;
    }
    j["held_by"] = lock;
    // error_handler_t::replace: a sysfs string that is not UTF-8 cannot throw here.
    out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  }
}

int ports_command(const ports_options& options) {
  dialup::drivers::enumerate_options eo;
  eo.all = options.all;
  auto ports = dialup::drivers::enumerate_ports(eo);
  if (ports.empty()) {
    // On stderr, so that --json's output stays a (empty) list of lines.
    std::cerr << "dialup: no serial ports found"
              << (options.all ? "" : " (--all also lists serial ports with no UART behind them)") << "\n";
    return 0;
  }
  if (options.json)
    print_ports_json(std::cout, ports);
  else
    print_ports_table(std::cout, ports);
  return 0;
}

}  // namespace dialup_cli
