// manager_core: what every connection of one connection_manager shares — the strand, the
// transports, the clock, the log, the connection table, the ports in use and the
// subscriptions; and sync_waiter, where a synchronous dial waits. Internal to the engine.
#pragma once

#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dialup/engine/connection_manager.hpp"

namespace dialup::detail {

class connection;

// Where a synchronous dial (and each synchronous resume) waits: fired by the first
// terminal or paused notification after it was armed.
class sync_waiter {
 public:
  std::future<std::error_code> arm() {
    std::lock_guard lock(mutex_);
    promise_.emplace();
    return promise_->get_future();
  }
  void fire(std::error_code ec) {
    std::lock_guard lock(mutex_);
    if (!promise_) return;
    promise_->set_value(ec);
    promise_.reset();
  }

 private:
  std::mutex mutex_;
  std::optional<std::promise<std::error_code>> promise_;
};

struct manager_core : std::enable_shared_from_this<manager_core> {
  boost::asio::any_io_executor strand;
  std::shared_ptr<transport_factory> transports;
  std::shared_ptr<virtual_clock> clock;  // null: real time
  std::function<void(log_level, std::string_view)> log_sink;

  mutable std::mutex mutex;
  mutable std::condition_variable retired_cv;
  std::map<std::uint64_t, std::shared_ptr<connection>> connections;
  std::set<std::string> ports_in_use;
  std::uint64_t next_handle = 1;

  struct subscription {
    std::uint64_t id;
    connection_handle handle;  // null: every connection
    boost::asio::any_io_executor ex;
    std::function<void(const connection_event&)> f;
  };
  std::vector<subscription> subscriptions;
  std::uint64_t next_subscription = 1;

  void log(log_level level, std::string_view text) const {
    if (log_sink) log_sink(level, text);
  }
  // Posts e to every subscriber of its handle. Thread-safe.
  void publish(const connection_event& e);
  // Port ownership (docs/architecture.md contract 4). Thread-safe.
  // The key the port is reserved under, or nullopt if it is in use already.
  std::optional<std::string> reserve_port(const std::string& port);
  void release_port(const std::string& key);
  std::shared_ptr<connection> find(connection_handle h) const;
  void retire(connection_handle h);
};

// The key a port is owned under: the canonical path for device paths, so that a symlink
// and its target are one port; the name itself for anything else.
std::string port_key(const std::string& port);

}  // namespace dialup::detail
