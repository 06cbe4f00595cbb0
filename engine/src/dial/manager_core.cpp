// manager_core: port ownership, the connection table and the subscriptions.
#include "manager_core.hpp"

#include <filesystem>

#include "connection.hpp"

namespace dialup::detail {
namespace asio = boost::asio;

std::string port_key(const std::string& port) {
  if (port.empty() || port.front() != '/') return port;
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(port, ec);
  return ec ? port : p.string();
}

std::optional<std::string> manager_core::reserve_port(const std::string& port) {
  auto key = port_key(port);
  std::lock_guard lock(mutex);
  if (!ports_in_use.insert(key).second) return std::nullopt;
  return key;
}

void manager_core::release_port(const std::string& key) {
  std::lock_guard lock(mutex);
  ports_in_use.erase(key);
}

std::shared_ptr<connection> manager_core::find(connection_handle h) const {
  std::lock_guard lock(mutex);
  auto it = connections.find(h.value);
  return it == connections.end() ? nullptr : it->second;
}

void manager_core::publish(const connection_event& e) {
  std::lock_guard lock(mutex);
  for (const auto& sub : subscriptions) {
    if (sub.handle && !(sub.handle == e.handle)) continue;
    asio::post(sub.ex, [f = sub.f, e] {
      try {
        f(e);
      } catch (...) {
        // A subscriber's exception must not reach the caller's loop through us.
      }
    });
  }
}

void manager_core::retire(connection_handle h) {
  {
    std::lock_guard lock(mutex);
    connections.erase(h.value);
  }
  retired_cv.notify_all();
}

}  // namespace dialup::detail
