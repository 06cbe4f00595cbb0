// Port enumeration from sysfs, never opening a port (see port_enumeration.hpp, docs/ports.md).
//
// What is read, for each /sys/class/tty/<name> (Linux Documentation/ABI/testing/sysfs-tty;
// the USB interface attributes of drivers/usb/core/sysfs.c):
//   the class link's target        under devices/virtual: not a port (consoles, ptys, vcs)
//   <name>/type                    serial core's port type; 0 (PORT_UNKNOWN): no UART
//   sp_get_port_by_name()          libserialport: transport, USB ids and strings, bus and
//                                  address, Bluetooth address; sysfs only (linux.c,
//                                  get_port_details())
//   <name>/device                  the tty's parent: the usb-serial port (ttyUSB: its parent
//                                  is the USB interface) or the USB interface itself (ttyACM)
//   .../bInterfaceNumber           the interface number, two hex digits
//   <name>/device/driver           a link to the driver: its basename is the driver name
// and /dev/serial/by-id, /dev/serial/by-path (symlinks, resolved, never opened), and the
// UUCP lock file.
#include "dialup/drivers/port_enumeration.hpp"

#include "uucp_lock.hpp"

#include <libserialport.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace dialup::drivers {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_sysfs_bytes = 4096;  // a sysfs attribute is at most one page
constexpr std::size_t max_lock_bytes = 128;

// Reads at most `limit` bytes of a regular file. A file larger than `limit` gives
// nullopt, as does anything that is not a regular file: a device node is never opened
// (opening a tty raises DTR). O_NONBLOCK so that even a node swapped in after the stat
// cannot make the open wait for carrier.
std::optional<std::string> read_small_file(const std::string& path, std::size_t limit, bool follow = true) {
  struct stat st {};
  if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (follow ? 0 : O_NOFOLLOW);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return std::nullopt;
  struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::string out(limit + 1, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > limit) return std::nullopt;
  out.resize(got);
  return out;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return c != ' ' && c != '\n' && c != '\t' && c != '\r'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::optional<int> parse_int(const std::string& text, int base) {
  std::string t = trim(text);
  if (t.empty() || t.size() > 9) return std::nullopt;
  char* end = nullptr;
  long v = std::strtol(t.c_str(), &end, base);
  if (*end != '\0' || v < 0) return std::nullopt;
  return static_cast<int>(v);
}

std::string read_link(const std::string& path) {
  std::error_code ec;
  auto target = fs::read_symlink(path, ec);
  return ec ? std::string() : target.string();
}

// Canonical path, or "" (only stat/readlink: nothing is opened).
std::string real_path(const fs::path& p) {
  std::error_code ec;
  auto r = fs::canonical(p, ec);
  return ec ? std::string() : r.string();
}

// The /dev/serial/<dir> symlink that resolves to `port_real`, "" if none.
std::string stable_name(const char* dir, const std::string& port_real) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  std::vector<std::string> hits;
  for (; !ec && it != end; it.increment(ec))
    if (it->is_symlink(ec) && real_path(it->path()) == port_real) hits.push_back(it->path().string());
  std::sort(hits.begin(), hits.end());
  return hits.empty() ? std::string() : hits.front();
}

// Natural order: ttyUSB2 before ttyUSB10.
bool natural_less(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    auto i = s.find_last_not_of("0123456789");
    std::size_t cut = i == std::string::npos ? 0 : i + 1;
    long n = cut < s.size() && s.size() - cut < 10 ? std::strtol(s.c_str() + cut, nullptr, 10) : -1;
    return std::pair<std::string, long>(s.substr(0, cut), n);
  };
  auto [pa, na] = split(a);
  auto [pb, nb] = split(b);
  if (pa != pb) return pa < pb;
  if (na != nb) return na < nb;
  return a < b;
}

struct sp_port_deleter {
  void operator()(sp_port* p) const noexcept { sp_free_port(p); }
};

std::string or_empty(const char* s) { return s ? std::string(s) : std::string(); }

// libserialport's details for one port: sp_get_port_by_name() reads sysfs only (it calls
// get_port_details(); the port is opened by sp_open() alone).
void fill_from_libserialport(port_info& info) {
  sp_port* raw = nullptr;
  if (sp_get_port_by_name(info.path.c_str(), &raw) != SP_OK || !raw) return;
  std::unique_ptr<sp_port, sp_port_deleter> port(raw);
  info.description = or_empty(sp_get_port_description(port.get()));
  switch (sp_get_port_transport(port.get())) {
    case SP_TRANSPORT_NATIVE: info.kind = port_kind::native; break;
    case SP_TRANSPORT_USB: {
      info.kind = port_kind::usb;
      int vid = 0, pid = 0, bus = 0, address = 0;
      if (sp_get_port_usb_vid_pid(port.get(), &vid, &pid) == SP_OK) {
        info.vid = static_cast<std::uint16_t>(vid);
        info.pid = static_cast<std::uint16_t>(pid);
      }
      if (sp_get_port_usb_bus_address(port.get(), &bus, &address) == SP_OK) {
        info.bus = bus;
        info.address = address;
      }
      info.manufacturer = or_empty(sp_get_port_usb_manufacturer(port.get()));
      info.product = or_empty(sp_get_port_usb_product(port.get()));
      info.serial = or_empty(sp_get_port_usb_serial(port.get()));
      break;
    }
    case SP_TRANSPORT_BLUETOOTH:
      info.kind = port_kind::bluetooth;
      info.bluetooth_address = or_empty(sp_get_port_bluetooth_address(port.get()));
      break;
  }
}

// bInterfaceNumber of the USB interface the tty hangs from: the `device` link is the
// interface itself (cdc_acm) or a usb-serial port whose parent is the interface.
std::optional<int> usb_interface_number(const std::string& class_dir) {
  std::string device = real_path(class_dir + "/device");
  if (device.empty()) return std::nullopt;
  fs::path p(device);
  for (int up = 0; up < 2; ++up, p = p.parent_path()) {
    if (auto text = read_small_file((p / "bInterfaceNumber").string(), max_sysfs_bytes))
      return parse_int(*text, 16);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(port_kind k) noexcept {
  switch (k) {
    case port_kind::native: return "native";
    case port_kind::usb: return "usb";
    case port_kind::bluetooth: return "bluetooth";
    case port_kind::unknown: break;
  }
  return "unknown";
}

lock_info read_lock_file(const std::string& lock_path) {
  lock_info info;
  struct stat st {};
  if (::lstat(lock_path.c_str(), &st) != 0) {
    if (errno != ENOENT) info.st = lock_info::state::unreadable;
    return info;
  }
  // Not followed: a lock file is a regular file; a link or a device is not read.
  auto text = read_small_file(lock_path, max_lock_bytes, false);
  std::optional<int> pid;
  if (text) pid = parse_int(*text, 10);  // "      1234\n"; leading zeros are decimal
  if (!pid || *pid <= 0) {
    info.st = lock_info::state::unreadable;
    return info;
  }
  info.pid = static_cast<pid_t>(*pid);
  // kill(pid, 0) checks for the process without signalling it: EPERM means it exists.
  if (::kill(info.pid, 0) != 0 && errno == ESRCH) {
    info.st = lock_info::state::stale;
    return info;
  }
  info.st = lock_info::state::held;
  info.program = program_of(info.pid);  // the name the open error gives, control bytes made '?'
  return info;
}

lock_info lock_owner(std::string_view port_path) {
  if (port_path.empty() || port_path.back() == '/') return {};
  // The name serial_transport locks under: the real path's base name, in lock_directory().
  return read_lock_file(lock_path_for(std::string(port_path)));
}

std::vector<port_info> enumerate_ports(const enumerate_options& options) {
  std::vector<port_info> ports;
  std::error_code ec;
  fs::directory_iterator it("/sys/class/tty", ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::string class_dir = it->path().string();
    // As libserialport's list_ports(): a class entry is a link into /sys/devices; what is
    // under devices/virtual (tty0.., console, ptmx, ttyprintk) is not a port.
    std::string target = read_link(class_dir);
    if (target.empty() || target.find("virtual") != std::string::npos) continue;

    port_info info;
    info.path = "/dev/" + name;
    // Serial core ports export `type`; 0 is PORT_UNKNOWN: the 8250 driver registers a fixed
    // number of ttyS ports whether or not a UART is there. libserialport finds this out by
    // opening the port (TIOCGSERIAL); the attribute says the same without opening it.
    if (auto type = read_small_file(class_dir + "/type", max_sysfs_bytes)) {
      auto t = parse_int(*type, 10);
      if (t && *t == 0) info.present = false;
    }
    if (!info.present && !options.all) continue;

    fill_from_libserialport(info);
    if (info.description.empty()) info.description = name;
    if (info.kind == port_kind::usb) info.interface_number = usb_interface_number(class_dir);
    std::string driver = read_link(class_dir + "/device/driver");
    if (!driver.empty()) info.driver = fs::path(driver).filename().string();

    std::string real = real_path(info.path);
    if (!real.empty()) {
      info.by_id = stable_name("/dev/serial/by-id", real);
      info.by_path = stable_name("/dev/serial/by-path", real);
    }
    info.lock = lock_owner(info.path);
    ports.push_back(std::move(info));
  }
  std::sort(ports.begin(), ports.end(),
            [](const port_info& a, const port_info& b) { return natural_less(a.path, b.path); });
  return ports;
}

}  // namespace dialup::drivers
