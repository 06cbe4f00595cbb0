#include "dialup/engine/virtual_clock.hpp"

#include <vector>

#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/detail/timer.hpp"

namespace dialup {
namespace asio = boost::asio;

virtual_clock::time_point virtual_clock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

std::optional<virtual_clock::time_point> virtual_clock::next_deadline() const {
  std::lock_guard lock(mutex_);
  if (waiters_.empty()) return std::nullopt;
  return waiters_.begin()->first.first;
}

std::size_t virtual_clock::pending() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

std::uint64_t virtual_clock::schedule(time_point at, asio::any_io_executor ex, wait_handler h) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  waiters_.emplace(std::make_pair(at, id), waiter{id, std::move(ex), std::move(h)});
  return id;
}

bool virtual_clock::cancel(std::uint64_t id) {
  std::unique_lock lock(mutex_);
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->second.id != id) continue;
    auto w = std::move(it->second);
    waiters_.erase(it);
    lock.unlock();
    asio::post(w.ex, [h = std::move(w.handler)] { h(detail::aborted_error()); });
    return true;
  }
  return false;
}

void virtual_clock::forget(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->second.id == id) {
      waiters_.erase(it);
      return;
    }
  }
}

void virtual_clock::fire_due(time_point until, std::unique_lock<std::mutex>& lock) {
  std::vector<waiter> due;
  while (!waiters_.empty() && waiters_.begin()->first.first <= until) {
    due.push_back(std::move(waiters_.begin()->second));
    waiters_.erase(waiters_.begin());
  }
  now_ = std::max(now_, until);
  lock.unlock();
  for (auto& w : due) asio::post(w.ex, [h = std::move(w.handler)] { h({}); });
}

void virtual_clock::advance(duration d) {
  std::unique_lock lock(mutex_);
  fire_due(now_ + d, lock);
}

bool virtual_clock::advance_to_next() {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) return false;
  fire_due(waiters_.begin()->first.first, lock);
  return true;
}

namespace detail {

timer::timer(asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock)
    : ex_(std::move(ex)), clock_(std::move(clock)) {
  if (!clock_) real_.emplace(ex_);
}

timer::~timer() {
  if (clock_ && wait_id_) clock_->forget(wait_id_);
}

void timer::expires_after(std::chrono::steady_clock::duration d) {
  if (real_) {
    real_->expires_after(d);
    return;
  }
  cancel();
  deadline_ = clock_->now() + d;
}

void timer::async_wait(std::function<void(std::error_code)> h) {
  if (real_) {
    real_->async_wait([h = std::move(h)](boost::system::error_code ec) { h(ec); });
    return;
  }
  wait_id_ = clock_->schedule(deadline_, ex_, std::move(h));
}

void timer::cancel() {
  if (real_) {
    real_->cancel();
    return;
  }
  if (wait_id_) clock_->cancel(wait_id_);
  wait_id_ = 0;
}

}  // namespace detail
}  // namespace dialup
