// dialup::connection_manager — the RAS dial model over real modems: dial, hang up,
// status, enumerate. One manager owns every port it opens (ARCHITECTURE.md contract 4).
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
//   the dial failed: the caller must hang up every handle it got (ras-model.md §1.2).
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
#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/notifier.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/transport.hpp"
#include "dialup/engine/virtual_clock.hpp"

namespace dialup {

// What happens on the line after CONNECT.
enum class link_kind {
  none,  // the line is a raw data stream handed to the caller (data_stream)
};

// When and how to dial again after a failed attempt (RASENTRY dwRedialCount/dwRedialPause;
// wvdial's back-off and abort switches, peers.md §1.2).
struct redial_policy {
  std::uint32_t attempts = 0;               // further attempts after the first; 0 = none
  std::chrono::seconds pause{3};            // before the first redial
  double backoff = 1.0;                     // each later pause is the previous times this
  std::chrono::seconds max_pause{600};      // the pause never grows past this
  bool abort_on_busy = false;               // BUSY ends the dial at once
  bool abort_on_no_dialtone = true;         // NO DIALTONE ends the dial at once
  bool rotate_alternates = true;            // each attempt dials the next number
};

// A phone-book entry, or the same given inline.
struct dial_entry {
  std::string name;          // entry name; "" for a plain modem call
  std::string port;          // device path ("/dev/ttyUSB0", a pty) or driver-specific name
  std::string phone_number;  // used when dial_params::phone_number is empty
  std::vector<std::string> alternates;  // tried after phone_number, in order
  bool pulse_dialing = false;
  modem_profile profile = modem_profile::generic();
  port_settings settings;
  link_kind link = link_kind::none;
  redial_policy redial;
  // A chat(8) script that does the whole modem dialogue itself — reset, ATD, CONNECT and
  // perhaps a login — in place of the profile's commands: pppd `connect` scripts run
  // unchanged (\T is the number dialled, \U the user, \P the password). "" = the engine
  // dials with the profile. The script's ABORT strings give the RAS errors
  // (chat_outcome::error()); success means the line is online.
  std::string dial_script;
  // RASEO_TerminalAfterDial: after CONNECT the caller drives the line itself (a
  // data_stream) in the paused state Interactive, then resumes the dial. Needs
  // rdeopt_paused_states; without it the dial fails with 703 (ERROR_INTERACTIVE_MODE).
  bool terminal_after_dial = false;
  std::string login_script;  // chat-style script run after CONNECT ("" = none)
  // Run after the server has called back and the call is answered (ReAuthenticate);
  // "" = login_script again.
  std::string callback_script;
  // Run when a dial paused in PasswordExpired is resumed; \P is then the new password.
  // "" = default_password_change_script (the Unix passwd dialogue).
  std::string password_change_script;
  std::chrono::seconds callback_wait{120};  // how long to wait for the server's call
  std::chrono::seconds idle_disconnect{0};  // hang up after this long without data; 0 = never
  // RASEO2_ReconnectIfDropped (phone book RedialOnLinkFailure): when the carrier drops
  // (629) the engine dials again with `redial`; when the device vanishes (630, a USB modem
  // unplugged) it first opens the port again, one attempt per redial pause, until the
  // device is back. Subscribers hear it (reconnecting, then reconnected or disconnected).
  bool reconnect_if_dropped = false;
};

// The password change the engine runs on resume from PasswordExpired when the entry has
// none of its own: answers "New password:" and "Retype new password:" with \P.
inline constexpr std::string_view default_password_change_script =
    "ABORT 'do not match'\nABORT incorrect\nTIMEOUT 30\n'ew password:' \\P\n'ew password:' \\P\n";

// RASDIALPARAMS (ras-model.md §4.1).
struct dial_params {
  std::string phone_number;     // overrides the entry's number when not empty
  std::string callback_number;
  std::string user_name;
  std::string password;         // never logged
  std::string domain;
  std::uintptr_t callback_id = 0;  // handed to a RasDialFunc2 notifier
  std::uint32_t sub_entry = 1;
};

// RDEOPT_* (ras-model.md §4.2).
enum rdeopt : std::uint32_t {
  rdeopt_use_prefix_suffix = 0x0001,
  rdeopt_paused_states = 0x0002,
  rdeopt_ignore_modem_speaker = 0x0004,
  rdeopt_set_modem_speaker = 0x0008,
};

// What the engine does with each option:
// - rdeopt_ignore_modem_speaker: the speaker follows rdeopt_set_modem_speaker (on: ATM1,
//   off: ATM0, sent after the init commands) instead of the profile's init.
// - rdeopt_paused_states: the dial may pause (ras-model.md §1.4) and waits for the caller
//   to resume it with dial(handle, params) or to hang up:
//     Interactive           dial_entry::terminal_after_dial, after CONNECT: the caller
//                           reads and writes the line through a data_stream, then resumes;
//     RetryAuthentication   the login script was refused (691): resume with a new user
//                           name / password and the script runs again from its start;
//     CallbackSetByCaller   the login script asks for the callback number (\B) and
//                           dial_params::callback_number is "*": resume with the number;
//     PasswordExpired       the login script ended on an ABORT string about an expired
//                           password (648): resume with the new password in
//                           dial_params::password and the password-change script runs.
//   While paused, what the remote sends is kept (the port's buffer, then flow control)
//   for the script that runs next. Without the option those situations end the dial with
//   703, 691, 704 and 648.
// - rdeopt_use_prefix_suffix: accepted; the profile's dial_prefix/dial_suffix always apply.
struct dial_extensions {
  std::uint32_t options = 0;  // rdeopt_*
};

// RASCONNSTATUS plus what the modem reported about the link.
struct connection_status {
  conn_state state = conn_state::open_port;
  std::error_code error;       // the error that stopped the connection, if any
  std::string device_type = "modem";
  std::string device_name;     // the port
  std::string phone_number;    // as dialled
  std::uint32_t connect_rate = 0;  // from CONNECT <rate> (bit/s), 0 if not reported
  std::string connect_text;        // the whole CONNECT line ("CONNECT 33600/ARQ")
  std::vector<std::string> negotiation;  // CARRIER / PROTOCOL / COMPRESSION lines
};

// A connection coming up or going down (the RasConnectionNotification idea, ras-model.md
// §5.5): connected when a dial reaches Connected; disconnected when the carrier drops (629),
// the device vanishes (630), the line is idle too long (828) or the connection is hung up
// (631) — whatever ends it, once.
// With dial_entry::reconnect_if_dropped a carrier drop or a vanished device gives
// disconnected (629 / 630), then reconnecting (with the same error), then reconnected when
// the line is up again, or disconnected with the last attempt's error when the redial rules
// give up (RASCN_ReConnection).
// A reconnect that reaches a paused state (its login refused, a terminal step) gives
// `paused` with the state: the dial's notifier has finished at the first Connected, so this
// is where the caller hears it; resume with dial(handle, params) or hang up as for a dial.
enum class connection_event_kind { connected, disconnected, reconnecting, reconnected, paused };

struct connection_event {
  connection_handle handle;
  connection_event_kind kind = connection_event_kind::connected;
  std::error_code error;  // why it went down
  std::chrono::steady_clock::time_point time{};
  conn_state state = conn_state::connected;  // paused: the paused state
};

struct connection_info {
  connection_handle handle;
  std::string entry_name;  // "." + number for a call without an entry (RasEnumConnections)
  std::string device_name;
  conn_state state = conn_state::open_port;
};

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

  // RasDial on a paused handle (ras-model.md §1.4): resumes a dial that waits in a paused
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
  // must still be hung up (ras-model.md §1.2), so it is never thrown away with an exception.
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
  // Signature: void(std::error_code) — empty, or invalid_handle. The handler runs on its
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
