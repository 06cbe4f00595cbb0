// script_phase: a chat script (chat_runner) run over the data line as a link phase. It owns
// the runner, its read buffer and its timer (the script's next TIMEOUT or delay). Internal to
// the engine; strand only.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "link_phase.hpp"

namespace dialup::detail {

class script_phase : public link_phase, public std::enable_shared_from_this<script_phase> {
 public:
  using log_fn = std::function<void(log_level, std::string_view)>;  // null: nobody listens

  // keep_seen: remember the last bytes read (a dial script's CONNECT line, seen()).
  script_phase(boost::asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock,
               std::shared_ptr<at_channel> channel, const chat_script& script,
               chat_substitutions subs, bool keep_seen, log_fn log, done_handler done);

  void start() override;
  void carrier_lost() override;
  void stop() override;
  std::string take_unread() override;

  // The last bytes the script read (up to 512), with keep_seen.
  const std::string& seen() const noexcept { return seen_; }

 private:
  void read();
  void pump();
  std::chrono::steady_clock::time_point now() const;

  std::shared_ptr<virtual_clock> clock_;
  std::shared_ptr<at_channel> channel_;
  chat_runner runner_;
  bool keep_seen_;
  log_fn log_;
  done_handler done_;
  timer timer_;
  bool running_ = false;
  std::array<char, 1024> buf_{};
  std::string seen_;
};

}  // namespace dialup::detail
