// connection: one dial's session FSM, and manager_core: what every connection shares.
// Internal to the engine.
#pragma once

#include <array>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "notify_sink.hpp"

namespace dialup::detail {

class connection;

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
  // Port ownership (ARCHITECTURE.md contract 4). Thread-safe.
  bool reserve_port(const std::string& port);
  void release_port(const std::string& port);
  std::shared_ptr<connection> find(connection_handle h) const;
  void retire(connection_handle h);
};

// The key a port is owned under: the canonical path for device paths, so that a symlink
// and its target are one port; the name itself for anything else.
std::string port_key(const std::string& port);

class connection : public std::enable_shared_from_this<connection> {
 public:
  // numbers: normalized dial strings, the first dialled first, the rest alternates.
  connection(std::shared_ptr<manager_core> core, connection_handle h, dial_entry entry,
             std::vector<std::string> numbers, dial_params params, dial_extensions extensions,
             std::optional<chat_script> script, std::shared_ptr<notify_sink> sink);

  // All of these run on the strand.
  void start();
  void hang_up(std::function<void(std::error_code)> done);
  void read_data(boost::asio::mutable_buffer buf, std::function<void(std::error_code, std::size_t)> h);
  void write_data(boost::asio::const_buffer buf, std::function<void(std::error_code, std::size_t)> h);

  // Any thread.
  connection_status status() const;
  connection_info info() const;

 private:
  // Where the dial is inside the RAS states. ConnectDevice covers reset, init and dial.
  enum class phase {
    opening,       // OpenPort: the transport is being opened
    commands,      // ConnectDevice: reset and init commands
    dialing,       // ConnectDevice: ATD sent, waiting for CONNECT
    redial_wait,   // ConnectDevice: an attempt failed; pausing before the next
    scripting,     // the login script runs over the data line (its ConnectDevice)
    online,        // Connected: data state
    failed,        // the dial failed; waiting for the caller's hang-up
    dropped,       // was online; the carrier dropped or the device vanished
    hanging_up,
    closed,
  };

  void set_state(conn_state s);
  void finish(std::error_code ec);
  void on_opened(std::error_code ec, std::unique_ptr<transport> t);
  void run_command(std::size_t index);
  void on_command(std::size_t index, std::error_code ec, const at_reply& reply);
  void dial();
  void on_dial_reply(std::error_code ec, const at_reply& reply);
  bool should_redial(std::error_code fail) const;
  void schedule_redial(std::error_code fail);
  void on_port_error(std::error_code ec);
  void connected_states();
  void start_script();
  void script_read();
  void pump_script();
  void on_script_done();
  void on_carrier_lost();
  void drop_online(std::error_code ec);
  void went_down(std::error_code ec);  // publishes the disconnected event, once
  void arm_idle_timer();
  void watch_dcd();

  // Hang-up procedure.
  void hang_up_online();
  void send_ath_then_close();
  void close_and_retire();

  std::error_code map_channel_error(std::error_code ec) const;
  void log(log_level level, const std::string& text) const;
  // Whether anyone listens: log text is not even built when nobody does.
  bool logging() const { return static_cast<bool>(core_->log_sink); }
  std::chrono::steady_clock::time_point clock_now() const;

  std::shared_ptr<manager_core> core_;
  const connection_handle handle_;
  const dial_entry entry_;
  std::vector<std::string> numbers_;  // normalized: the entry's number, then its alternates
  std::string number_;                // the one dialled in this attempt
  std::uint32_t attempt_ = 1;
  std::chrono::milliseconds next_pause_{0};
  const dial_params params_;
  const dial_extensions extensions_;
  std::shared_ptr<notify_sink> sink_;

  phase phase_ = phase::opening;
  conn_state state_ = conn_state::open_port;
  std::vector<std::pair<std::string, at_command_options>> commands_;
  std::shared_ptr<transport> transport_;
  std::shared_ptr<at_channel> channel_;
  detail::timer timer_;     // DTR drop
  detail::timer deadline_;  // hang-up must finish by then
  detail::timer redial_timer_;
  std::optional<chat_script> script_;
  std::unique_ptr<chat_runner> runner_;
  std::array<char, 1024> script_buf_{};
  detail::timer script_timer_;
  detail::timer idle_timer_;
  detail::timer dcd_timer_;
  bool published_up_ = false;
  bool published_down_ = false;
  bool port_reserved_ = false;
  bool started_ = false;  // set_state has run once
  bool hanging_up_ = false;
  std::vector<std::function<void(std::error_code)>> hang_up_done_;

  mutable std::mutex status_mutex_;
  connection_status status_;
};

}  // namespace dialup::detail
