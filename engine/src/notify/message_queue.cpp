#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "dialup/engine/message_queue.hpp"

namespace dialup {

dial_message_queue::dial_message_queue() {
  // Semaphore mode: each push adds one, each pop takes one, so the fd is readable exactly
  // while messages are waiting.
  fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
  if (fd_ < 0) throw std::system_error(errno, std::system_category(), "eventfd");
}

dial_message_queue::~dial_message_queue() {
  if (fd_ >= 0) ::close(fd_);
}

void dial_message_queue::push(const dial_message& m) {
  {
    std::lock_guard lock(mutex_);
    messages_.push_back(m);
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
  }
  cv_.notify_all();
}

std::optional<dial_message> dial_message_queue::try_pop() {
  std::lock_guard lock(mutex_);
  if (messages_.empty()) return std::nullopt;
  auto m = messages_.front();
  messages_.pop_front();
  std::uint64_t v = 0;
  [[maybe_unused]] auto n = ::read(fd_, &v, sizeof v);
  return m;
}

std::optional<dial_message> dial_message_queue::wait_pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [this] { return !messages_.empty(); })) return std::nullopt;
  auto m = messages_.front();
  messages_.pop_front();
  std::uint64_t v = 0;
  [[maybe_unused]] auto n = ::read(fd_, &v, sizeof v);
  return m;
}

std::size_t dial_message_queue::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

}  // namespace dialup
