#include "dialup/engine/virtual_clock.hpp"

#include <vector>

#include "dialup/engine/detail/errors.hpp"

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

}  // namespace dialup
