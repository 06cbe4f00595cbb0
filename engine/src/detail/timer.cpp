// detail::timer: a steady_timer, or a wait on the engine's virtual_clock.
#include "dialup/engine/detail/timer.hpp"

namespace dialup {
namespace asio = boost::asio;

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
