// user_config: the user's config.toml (user_config.hpp), read with toml++ (TOML v1.0.0).
#include "user_config.hpp"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <toml++/toml.h>
#include <utility>

#include "dialup/engine/text.hpp"
#include "file_io.hpp"

namespace dialup_cli {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// $XDG_CONFIG_HOME, else $HOME/.config (XDG Base Directory Specification: a relative
// XDG_CONFIG_HOME is invalid and ignored); "" when neither is usable.
std::string config_home() {
  const std::string xdg = env("XDG_CONFIG_HOME");
  if (!xdg.empty() && xdg.front() == '/') return xdg;
  const std::string home = env("HOME");
  return home.empty() ? std::string() : home + "/.config";
}

std::string expand_home(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  const std::string home = env("HOME");
  return home.empty() ? path : home + path.substr(1);
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Thrown inside the parser only; parse_user_config turns it into its error.
struct config_error {
  std::size_t line;
  std::string reason;
};

std::size_t line_of(const toml::node& n) { return n.source().begin.line; }
std::size_t line_of(const toml::key& k) { return k.source().begin.line; }

[[noreturn]] void fail(std::size_t line, std::string reason) { throw config_error{line, std::move(reason)}; }

void unknown_key(const toml::key& k, const std::string& prefix, std::initializer_list<std::string_view> known) {
  std::vector<std::string> names;
  for (auto n : known) names.push_back(prefix + std::string(n));
  const std::string full = prefix + std::string(k.str());
  const std::string near = dialup::text::nearest(full, names);
  std::string reason = "unknown key '" + full + "'";
  if (!near.empty()) reason += " (did you mean '" + near + "'?)";
  else {
    reason += " (known:";
    for (const auto& n : names) reason += " " + n;
    reason += ")";
  }
  fail(line_of(k), std::move(reason));
}

std::string string_value(const toml::node& n, const std::string& name) {
  if (!n.is_string()) fail(line_of(n), name + " must be a string, not " + type_name(n));
  std::string v = *n.value<std::string>();
  if (v.empty()) fail(line_of(n), name + " is empty");
  return v;
}

const toml::table& table_value(const toml::node& n, const std::string& name) {
  if (!n.is_table()) fail(line_of(n), name + " must be a table ([" + name + "]), not " + type_name(n));
  return *n.as_table();
}

std::vector<std::string> string_array(const toml::node& n, const std::string& name) {
  if (!n.is_array()) fail(line_of(n), name + " must be an array of strings, not " + type_name(n));
  std::vector<std::string> out;
  for (const auto& item : *n.as_array()) out.push_back(string_value(item, name + " item"));
  return out;
}

std::optional<std::uint16_t> hex16(std::string_view s) {
  if (s.size() != 4) return std::nullopt;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::string upper(std::string s) {
  for (auto& c : s) c = dialup::text::ascii_upper(c);
  return s;
}

void read_dial(const toml::table& t, user_config& c) {
  for (const auto& [k, v] : t) {
    const std::string name = "dial." + std::string(k.str());
    if (k == "port") c.port = expand_home(string_value(v, name));
    else if (k == "profile") c.profile = string_value(v, name);
    else if (k == "phonebook") c.phonebook = expand_home(string_value(v, name));
    else if (k == "entry") c.entry = string_value(v, name);
    else unknown_key(k, "dial.", {"port", "profile", "phonebook", "entry"});
  }
}

void read_ports(const toml::table& t, user_config& c) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    const std::string name = "ports." + key;
    if (!is_windows_port_name(key))
      fail(line_of(k), "'" + key + "' in [ports] is not a Windows port name (COM1 to COM256)");
    std::string device = expand_home(string_value(v, name));
    if (device.front() != '/' && device.rfind("rfc2217://", 0) != 0)
      fail(line_of(v), name + " must be a device path (/dev/ttyUSB0) or rfc2217://host:port, not '" + device + "'");
    if (!c.ports.emplace(upper(key), std::move(device)).second)
      fail(line_of(k), "'" + key + "' is mapped twice in [ports] (names are matched in any case)");
  }
}

void read_probe(const toml::table& t, user_config& c) {
  for (const auto& [k, v] : t) {
    const std::string name = "probe." + std::string(k.str());
    if (k == "exclude") {
      for (auto& p : string_array(v, name)) c.probe.exclude.push_back(expand_home(p));
    } else if (k == "exclude_usb") {
      if (!v.is_array()) fail(line_of(v), name + " must be an array of strings, not " + type_name(v));
      for (const auto& item : *v.as_array()) {
        const std::string id = string_value(item, name + " item");
        const auto colon = id.find(':');
        std::optional<std::uint16_t> vid, pid;
        if (colon != std::string::npos) {
          vid = hex16(std::string_view(id).substr(0, colon));
          pid = hex16(std::string_view(id).substr(colon + 1));
        }
        if (!vid || !pid)
          fail(line_of(item), name + ": '" + id + "' is not a USB id as vvvv:pppp in hex (1a86:7523)");
        c.probe.exclude_usb.push_back({*vid, *pid});
      }
    } else {
      unknown_key(k, "probe.", {"exclude", "exclude_usb"});
    }
  }
}

}  // namespace

bool probe_config::excludes(const std::string& path, std::optional<std::uint16_t> vid,
                            std::optional<std::uint16_t> pid) const {
  for (const auto& p : exclude) {
    if (p == path) return true;
    // The same device by another name (a /dev/serial/by-id link, /dev/modem): stat(2) follows
    // the links; two character devices are the same when their device numbers are
    // (std::filesystem::equivalent refuses device files in libstdc++).
    struct stat a {}, b {};
    if (::stat(p.c_str(), &a) == 0 && ::stat(path.c_str(), &b) == 0) {
      if (S_ISCHR(a.st_mode) && S_ISCHR(b.st_mode) ? a.st_rdev == b.st_rdev
                                                    : a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return true;
    }
  }
  if (vid && pid) {
    for (const auto& id : exclude_usb)
      if (id.vid == *vid && id.pid == *pid) return true;
  }
  return false;
}

std::optional<std::string> user_config::map_port(const std::string& windows_name) const {
  auto it = ports.find(upper(windows_name));
  if (it == ports.end()) return std::nullopt;
  return it->second;
}

bool is_windows_port_name(const std::string& name) {
  if (name.size() < 4 || name.size() > 6 || !dialup::text::iequals(name.substr(0, 3), "COM")) return false;
  unsigned n = 0;
  auto [p, ec] = std::from_chars(name.data() + 3, name.data() + name.size(), n);
  return ec == std::errc{} && p == name.data() + name.size() && name[3] != '0' && n >= 1 && n <= 256;
}

std::string default_config_path() {
  const std::string home = config_home();
  return home.empty() ? std::string() : home + "/dialup/config.toml";
}

std::string default_phonebook_path() {
  const std::string home = config_home();
  return home.empty() ? std::string("rasphone.pbk") : home + "/dialup/rasphone.pbk";
}

bool parse_user_config(const std::string& text, const std::string& file_name, user_config& out,
                       std::string& error) {
  user_config c;
  c.file = file_name;
  try {
    const toml::table root = toml::parse(text, file_name);
    for (const auto& [k, v] : root) {
      if (k == "dial") read_dial(table_value(v, "dial"), c);
      else if (k == "ports") read_ports(table_value(v, "ports"), c);
      else if (k == "probe") read_probe(table_value(v, "probe"), c);
      else unknown_key(k, "", {"dial", "ports", "probe"});
    }
  } catch (const toml::parse_error& e) {
    error = file_name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    return false;
  } catch (const config_error& e) {
    error = file_name + (e.line ? ":" + std::to_string(e.line) : std::string()) + ": " + e.reason;
    return false;
  }
  out = std::move(c);
  return true;
}

bool load_user_config(const std::string& explicit_path, user_config& out, std::string& error) {
  std::string path = explicit_path;
  bool must_exist = !path.empty();
  if (path.empty()) {
    path = env("DIALUP_CONFIG");
    must_exist = !path.empty();
  }
  if (path.empty()) path = default_config_path();
  if (path.empty()) {
    out = user_config{};
    return true;
  }
  std::error_code ec;
  if (!must_exist && !std::filesystem::exists(path, ec)) {
    out = user_config{};
    return true;
  }
  std::string text;
  if (!read_file(path, text, error, max_user_config_bytes)) return false;
  return parse_user_config(text, path, out, error);
}

}  // namespace dialup_cli
