#include "dialup/engine/event_loop.hpp"

namespace dialup {
namespace {
thread_local std::optional<boost::asio::any_io_executor> registered_loop;
}

thread_loop_scope::thread_loop_scope(boost::asio::any_io_executor ex)
    : previous_(std::move(registered_loop)) {
  registered_loop = std::move(ex);
}

thread_loop_scope::~thread_loop_scope() { registered_loop = std::move(previous_); }

std::optional<boost::asio::any_io_executor> current_thread_loop() { return registered_loop; }

}  // namespace dialup
