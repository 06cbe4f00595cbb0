// dialup::thread_loop — where a thread wants its dial notifications delivered.
//
// A dial records, at the call, where to deliver: the executor associated with the
// notifier or completion handler if it has one, otherwise the event loop the calling
// thread has registered here (docs/architecture.md contract 3). This is the Linux counterpart
// of RAS's "notifications run on the thread that called RasDial" (docs/ras-model.md §1.3).
//
//   boost::asio::io_context loop;
//   dialup::thread_loop_scope scope(loop.get_executor());   // this thread's loop
//   mgr.dial(entry, params, {}, dialup::notifier::on_event(cb), ec);
//   loop.run();   // notifications run here, on this thread
//
// Registration is per thread and nests (the previous registration is restored when the
// scope ends). Scopes must be destroyed on the thread that created them, in reverse order.
#pragma once

#include <optional>

#include "dialup/engine/detail/asio.hpp"

namespace dialup {

class thread_loop_scope {
 public:
  explicit thread_loop_scope(boost::asio::any_io_executor ex);
  ~thread_loop_scope();
  thread_loop_scope(const thread_loop_scope&) = delete;
  thread_loop_scope& operator=(const thread_loop_scope&) = delete;

 private:
  std::optional<boost::asio::any_io_executor> previous_;
};

// The calling thread's registered loop, if any.
std::optional<boost::asio::any_io_executor> current_thread_loop();

}  // namespace dialup
