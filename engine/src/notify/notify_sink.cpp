#include "notify_sink.hpp"

#include <exception>
#include <string>
#include <variant>

namespace dialup::detail {
namespace asio = boost::asio;

notify_sink::notify_sink(notifier n, std::optional<asio::any_io_executor> ex, log_fn log)
    : notifier_(std::move(n)), log_(std::move(log)) {
  if (ex) work_ = asio::prefer(*ex, asio::execution::outstanding_work.tracked);
}

notify_sink::notify_sink(std::function<void(const dial_event&)> internal)
    : internal_(std::move(internal)) {}

bool notify_sink::terminal_pushed() const {
  std::lock_guard lock(mutex_);
  return terminal_pushed_;
}

void notify_sink::push(const dial_event& e) {
  if (internal_) {
    {
      std::lock_guard lock(mutex_);
      if (terminal_pushed_) return;
      terminal_pushed_ = is_terminal(e);
    }
    internal_(e);
    return;
  }
  if (auto* q = std::get_if<std::shared_ptr<dial_message_queue>>(&notifier_.get())) {
    {
      std::lock_guard lock(mutex_);
      if (terminal_pushed_) return;
      terminal_pushed_ = is_terminal(e);
    }
    (*q)->push(dial_message{wm_rasdialevent, e.state, ras_number(e.error), e.handle});
    return;
  }
  std::optional<asio::any_io_executor> post_to;
  {
    std::lock_guard lock(mutex_);
    if (terminal_pushed_ || stopped_ || !work_) return;
    terminal_pushed_ = is_terminal(e);
    queue_.push_back(e);
    if (!drain_posted_) {
      drain_posted_ = true;
      post_to = work_;
    }
  }
  if (post_to) asio::post(*post_to, [self = shared_from_this()] { self->drain(); });
}

void notify_sink::drain() {
  for (;;) {
    dial_event e;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty() || stopped_) {
        drain_posted_ = false;
        queue_.clear();
        // Nothing more will come once the terminal event is out: let the loop go.
        if (terminal_pushed_ || stopped_) work_.reset();
        return;
      }
      e = queue_.front();
      queue_.pop_front();
    }
    deliver(e);
  }
}

void notify_sink::deliver(const dial_event& e) {
  const unsigned msg = wm_rasdialevent;
  const auto err = ras_number(e.error);
  try {
    std::visit(
        [&](auto& f) {
          using T = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<T, event_func>) {
            f(e);
          } else if constexpr (std::is_same_v<T, ras_dial_func>) {
            f(msg, e.state, err);
          } else if constexpr (std::is_same_v<T, ras_dial_func1>) {
            f(e.handle, msg, e.state, err, e.extended_error);
          } else if constexpr (std::is_same_v<T, ras_dial_func2>) {
            if (f(e.callback_id, e.sub_entry, e.handle, msg, e.state, err, e.extended_error) == 0) {
              // RasDialFunc2 returning 0 stops further notifications (docs/ras-model.md §2.1).
              std::lock_guard lock(mutex_);
              stopped_ = true;
            }
          }
        },
        notifier_.get());
  } catch (const std::exception& ex) {
    if (log_) log_(log_level::error, std::string("notifier threw: ") + ex.what());
  } catch (...) {
    if (log_) log_(log_level::error, "notifier threw a non-standard exception");
  }
}

}  // namespace dialup::detail
