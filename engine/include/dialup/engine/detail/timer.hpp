// The engine's one-shot timer: a steady_timer, or a virtual_clock wait when the engine was
// given one. The interface is the part of basic_waitable_timer the engine uses. Not
// thread-safe: used from the engine strand only.
#pragma once

#include <memory>
#include <optional>

#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/virtual_clock.hpp"

namespace dialup::detail {

class timer {
 public:
  timer(boost::asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock);
  ~timer();
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  // Cancels a pending wait (its handler gets operation_canceled) and sets the new expiry.
  void expires_after(std::chrono::steady_clock::duration d);
  void async_wait(std::function<void(std::error_code)> h);
  void cancel();

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<virtual_clock> clock_;
  std::optional<boost::asio::steady_timer> real_;
  virtual_clock::time_point deadline_{};
  std::uint64_t wait_id_ = 0;
};

}  // namespace dialup::detail
