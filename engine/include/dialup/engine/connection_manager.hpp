// dialup::connection_manager — the RAS dial model over real modems: dial, hang up,
// status, enumerate. One manager owns every port it opens (docs/architecture.md contract 4).
//
// Threading
// - Every public member function is thread-safe and may be called from any thread,
//   including from a notifier (except dial() for the notifier's own handle).
// - The engine runs every connection on one strand: by default on an I/O thread of its
//   own, or on an io_context the caller supplies (engine_options::executor). No caller code
//   ever runs there: notifications are posted to the caller's executor (notifier.hpp).
// - A synchronous dial (no notifier) blocks the calling thread until Connected or a
//   failure. It must not be called from a thread that runs the engine's executor (that
//   would deadlock); it then fails at once with std::errc::resource_deadlock_would_occur.
//
// Lifetime
// - A handle exists from dial() until hang_up() has finished closing its port, even when
//   the dial failed: the caller must hang up every handle it got (docs/ras-model.md §1.2).
// - hang_up() returns at once. The engine leaves data mode (DTR drop where the line has
//   it, else guarded +++ then ATH), puts the modem on-hook, closes the port, and only then
//   retires the handle; status() then answers ras_error::invalid_handle (contract 5).
// - The destructor hangs up every connection still open. With the engine's own thread it
//   waits (at most 15 s per connection) for each modem to be on-hook; on a caller's
//   io_context it returns at once and the hang-ups finish as that loop runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "dialup/engine/conn_state.hpp"
#include "dialup/engine/connection_status.hpp"
#include "dialup/engine/dial_entry.hpp"
#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/notifier.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/transport.hpp"
#include "dialup/engine/virtual_clock.hpp"

namespace dialup {

enum class log_level { trace, debug, info, warning, error };

struct engine_options {
  // Run the engine on this executor (the caller keeps its io_context running). Empty: the
  // engine starts an I/O thread of its own.
  std::optional<boost::asio::any_io_executor> executor;
  // Opens ports. Required.
  std::shared_ptr<transport_factory> transports;
  // Simulated time for every engine timer (tests); null: the steady clock.
  std::shared_ptr<virtual_clock> clock;
  // Where the engine logs (state changes, modem traffic at trace level). Called on the
  // engine's strand: keep it short and thread-safe. Passwords never reach it.
  std::function<void(log_level, std::string_view)> log;
};

class data_stream;

class connection_manager {
 public:
  explicit connection_manager(engine_options options);
  ~connection_manager();
  connection_manager(const connection_manager&) = delete;
  connection_manager& operator=(const connection_manager&) = delete;

  // Asynchronous dial (n not empty): returns the new handle at once; progress and errors go
  // to n. Synchronous dial (n empty): returns when Connected (ec empty) or failed (ec set;
  // the handle, if any, must still be hung up). Errors found before any port work
  // (a bad dial string: 749/723; no loop to deliver to: invalid_parameter) come back in ec
  // with a null handle and no notification.
  connection_handle dial(const dial_entry& entry, const dial_params& params,
                         const dial_extensions& extensions, notifier n, std::error_code& ec);

  // Synchronous dial.
  connection_handle dial(const dial_entry& entry, const dial_params& params,
                         std::error_code& ec) {
    return dial(entry, params, {}, notifier{}, ec);
  }

  // RasDial on a paused handle (docs/ras-model.md §1.4): resumes a dial that waits in a paused
  // state, with params carrying the new input (user name and password for
  // RetryAuthentication, the new password for PasswordExpired, the callback number for
  // CallbackSetByCaller; nothing for Interactive) and the rest as in the first call. The
  // first call's notifier keeps receiving. A synchronous dial's resume blocks again until
  // Connected, failed or paused. Must not be called from inside a notification of the
  // same dial (RAS forbids it; a synchronous one would deadlock). Errors: invalid_handle;
  // dial_already_in_progress (756) when the dial is not paused; invalid_callback_number
  // (751) for a callback number with characters other than 0-9 T P W ( ) - @ + * # , space;
  // bad_callback_number (704) for "*" as the answer to CallbackSetByCaller.
  std::error_code dial(connection_handle paused, const dial_params& params);

  // Asynchronous dial with an Asio completion token (callback, use_future, use_awaitable).
  // Completion signature: void(std::error_code, connection_handle) — once, when the dial
  // is Connected (ec empty) or has failed (ec set; a non-null handle must still be hung
  // up). `progress` is called with every dial_event first (the terminal one included), on
  // the same executor as the completion handler: its associated executor, else the
  // calling thread's registered loop, else boost::asio::system_executor. Never on the
  // engine's strand, never inside this call.
  // The error comes as std::error_code (RAS numbers), so with use_future / use_awaitable
  // the result is std::tuple<std::error_code, connection_handle>: a failed dial's handle
  // must still be hung up (docs/ras-model.md §1.2), so it is never thrown away with an exception.
  template <class ProgressHandler, class Token>
  auto async_dial(const dial_entry& entry, const dial_params& params,
                  const dial_extensions& extensions, ProgressHandler progress, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::error_code, connection_handle)>(
        // By value: with deferred tokens (use_awaitable) the initiation runs after this
        // call has returned, when the arguments may be gone.
        [this, entry, params, extensions](auto handler, ProgressHandler progress) {
          auto ex = completion_executor(handler);
          using handler_t = decltype(handler);
          auto done = std::make_shared<std::optional<handler_t>>(std::move(handler));
          auto prog = std::make_shared<ProgressHandler>(std::move(progress));
          notifier n = notifier::on_event(boost::asio::bind_executor(
              ex, [done, prog](const dial_event& e) {
                (*prog)(e);
                const bool terminal = e.error || e.state == conn_state::connected ||
                                      e.state == conn_state::disconnected;
                if (terminal && *done) {
                  auto h = std::move(**done);
                  done->reset();
                  std::move(h)(e.error, e.handle);
                }
              }));
          std::error_code ec;
          dial(entry, params, extensions, std::move(n), ec);
          if (ec) {
            boost::asio::post(ex, [done, ec] {
              if (!*done) return;
              auto h = std::move(**done);
              done->reset();
              std::move(h)(ec, connection_handle{});
            });
          }
        },
        token, std::move(progress));
  }

  template <class Token>
  auto async_dial(const dial_entry& entry, const dial_params& params, Token&& token) {
    return async_dial(entry, params, dial_extensions{}, [](const dial_event&) {},
                      std::forward<Token>(token));
  }

  // Starts hanging up; returns at once (RasHangUp). ras_error::invalid_handle for an
  // unknown or already retired handle. A second hang_up of a handle being hung up is not an
  // error; both complete when it is retired.
  std::error_code hang_up(connection_handle h);

  // Hangs up and completes once the port is closed and the handle retired.
  // Signature: void(std::error_code) — empty; invalid_handle; or request_timeout (638) when
  // the modem could not be confirmed on-hook (it did not answer ATH with OK, or the hang-up
  // ran out of time: it may still hold the line), the port being closed and the handle
  // retired all the same. A device that went away counts as on-hook. The handler runs on its
  // associated executor; without one, on the calling thread's registered loop; without
  // that, on boost::asio::system_executor (never on the engine's strand).
  template <class Token>
  auto async_hang_up(connection_handle h, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::error_code)>(
        [this, h](auto handler) {
          // Tracked work keeps the caller's loop running until the completion arrives.
          auto ex = boost::asio::prefer(completion_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          start_hang_up(h, [ex, shared](std::error_code ec) {
            boost::asio::post(ex, [shared, ec]() mutable { (*shared)(ec); });
          });
        },
        token);
  }

  // Subscribes to connection events of one handle, or of every connection when h is null.
  // The callback runs on the executor bound to it (boost::asio::bind_executor), else on the
  // calling thread's registered loop; without either, ec = invalid_parameter. Returns an id
  // for unsubscribe(). A subscription does not keep the caller's loop running.
  std::uint64_t subscribe(connection_handle h, std::function<void(const connection_event&)> f,
                          std::error_code& ec);
  template <class F>
  std::uint64_t subscribe(connection_handle h, boost::asio::executor_binder<F, boost::asio::any_io_executor> f,
                          std::error_code& ec) {
    auto ex = f.get_executor();
    return subscribe_on(h, ex, std::function<void(const connection_event&)>(std::move(f)), ec);
  }
  void unsubscribe(std::uint64_t id);

  // RasGetConnectStatus. ras_error::invalid_handle once the handle is retired.
  std::error_code status(connection_handle h, connection_status& out) const;

  // RasEnumConnections: every handle not yet retired.
  std::vector<connection_info> connections() const;

  // Waits (blocking) until the handle is retired or the timeout passes; true if retired.
  // Not for use on a thread that runs the engine's executor.
  bool wait_retired(connection_handle h, std::chrono::milliseconds timeout) const;

  // The engine's strand (for data_stream and tests).
  boost::asio::any_io_executor engine_executor() const;

  struct impl;

  // Where a completion handler without an associated executor runs: the calling thread's
  // registered loop, else the system executor.
  template <class Handler>
  static boost::asio::any_io_executor completion_executor(const Handler& h) {
    using assoc = boost::asio::associated_executor_t<Handler>;
    // use_future's handler carries an executor of its own that is no I/O executor: it only
    // fulfils a promise, so it can run anywhere.
    if constexpr (!std::is_same_v<assoc, boost::asio::system_executor> &&
                  std::is_convertible_v<assoc, boost::asio::any_io_executor>) {
      return boost::asio::get_associated_executor(h);
    } else {
      return default_completion_executor();
    }
  }

 private:
  friend class data_stream;
  static boost::asio::any_io_executor default_completion_executor();
  // done runs on the engine strand; callers re-post it.
  void start_hang_up(connection_handle h, std::function<void(std::error_code)> done);
  std::uint64_t subscribe_on(connection_handle h, boost::asio::any_io_executor ex,
                             std::function<void(const connection_event&)> f, std::error_code& ec);

  std::shared_ptr<impl> impl_;
};

}  // namespace dialup
