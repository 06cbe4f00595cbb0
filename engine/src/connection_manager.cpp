#include "dialup/engine/connection_manager.hpp"

#include <future>
#include <typeinfo>
#include <thread>

#include "dial/connection.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/dial_string.hpp"
#include "dialup/engine/event_loop.hpp"

namespace dialup {
namespace asio = boost::asio;

namespace {
// Whether the calling thread is inside the engine's strand. (Boost 1.74's
// any_executor::target<T>() does not check T, so the type is compared first.)
bool running_on(const asio::any_io_executor& strand) {
  using any_strand = asio::strand<asio::any_io_executor>;
  using ctx_strand = asio::strand<asio::io_context::executor_type>;
  if (strand.target_type() == typeid(any_strand)) {
    const auto* s = strand.target<any_strand>();
    if (s->running_in_this_thread()) return true;
    // The engine on a caller's io_context: any thread inside that io_context's run() would
    // deadlock waiting for it, strand or not.
    const auto& inner = s->get_inner_executor();
    using ctx_executor = asio::io_context::executor_type;
    if (inner.target_type() == typeid(ctx_executor))
      return inner.target<ctx_executor>()->running_in_this_thread();
    return false;
  }
  if (strand.target_type() == typeid(ctx_strand))
    return strand.target<ctx_strand>()->running_in_this_thread();
  return false;
}
}  // namespace

struct connection_manager::impl {
  std::shared_ptr<detail::manager_core> core = std::make_shared<detail::manager_core>();
  // The engine's own I/O thread, when the caller gave no executor.
  std::unique_ptr<asio::io_context> own_context;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> own_work;
  std::thread own_thread;

  ~impl() {
    if (!own_context) return;
    stop_thread();
    // Everything that refers to the engine's strand must go before the io_context that
    // owns the strand service: the connections (their timers and channels), then the
    // strand itself. Handlers still queued are destroyed by the io_context's shutdown.
    {
      std::lock_guard lock(core->mutex);
      core->connections.clear();
    }
    core->strand = asio::any_io_executor();
    own_context.reset();
  }

  void stop_thread() {
    own_work.reset();
    own_context->stop();
    if (own_thread.joinable()) own_thread.join();
  }
};

connection_manager::connection_manager(engine_options options) : impl_(std::make_shared<impl>()) {
  if (!options.transports) throw std::invalid_argument("engine_options::transports is required");
  auto& core = *impl_->core;
  core.transports = std::move(options.transports);
  core.clock = std::move(options.clock);
  core.log_sink = std::move(options.log);
  if (options.executor) {
    core.strand = asio::make_strand(*options.executor);
  } else {
    impl_->own_context = std::make_unique<asio::io_context>(1);
    impl_->own_work.emplace(impl_->own_context->get_executor());
    core.strand = asio::make_strand(impl_->own_context->get_executor());
    impl_->own_thread = std::thread([ctx = impl_->own_context.get()] { ctx->run(); });
  }
}

connection_manager::~connection_manager() {
  // Hang up whatever is still open, so no modem is left off-hook (contract 5).
  std::vector<connection_handle> open;
  for (const auto& c : connections()) open.push_back(c.handle);
  for (auto h : open) hang_up(h);
  // With its own thread the engine waits (bounded) for the modems to go on-hook. On a
  // caller's io_context it cannot know whether that loop will run again: the hang-ups go
  // on there, keeping what they need alive, and the destructor returns at once.
  if (impl_->own_context && !running_on(impl_->core->strand)) {
    for (auto h : open) wait_retired(h, std::chrono::seconds(15));
  }
  if (impl_->own_context) impl_->stop_thread();
}

asio::any_io_executor connection_manager::engine_executor() const { return impl_->core->strand; }

asio::any_io_executor connection_manager::default_completion_executor() {
  if (auto loop = current_thread_loop()) return *loop;
  return asio::system_executor();
}


connection_handle connection_manager::dial(const dial_entry& entry, const dial_params& params,
                                           const dial_extensions& extensions, notifier n,
                                           std::error_code& ec) {
  ec.clear();
  auto& core = impl_->core;
  std::vector<std::string> numbers = numbers_to_dial(entry, params);
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    // A direct line dials nothing (docs/profiles.md §1): it needs no number.
    if (entry.profile.direct && numbers[i].empty()) continue;
    if (auto bad = check_dial_string(numbers[i])) {
      ec = bad;
      core->log(log_level::warning, (i == 0 ? "refused dial string: " : "refused alternate number: ") + describe(bad));
      return {};
    }
  }
  if (auto bad = check_callback_number(params.callback_number)) {
    ec = bad;
    core->log(log_level::warning, "refused dial: callback number with an illegal character");
    return {};
  }
  detail::dial_scripts scripts;
  struct script_text {
    std::string_view text;  // "" = none
    const std::optional<parsed_script>& given;  // parsed by the caller (set_script)
    std::optional<chat_script>& parsed;
    const char* what;
  };
  const script_text texts[] = {
      {entry.dial_script, entry.parsed.dial, scripts.dial, "dial script"},
      {entry.login_script, entry.parsed.login, scripts.login, "login script"},
      {entry.callback_script, entry.parsed.callback, scripts.callback, "callback script"},
      {entry.password_change_script.empty() ? default_password_change_script
                                            : std::string_view(entry.password_change_script),
       entry.parsed.password_change, scripts.password_change, "password change script"}};
  for (const auto& t : texts) {
    if (t.text.empty()) continue;
    // Parsed once already, from this very text: used as it is (a copy shares its regexes).
    if (t.given && t.given->script && t.given->text == t.text) {
      t.parsed = *t.given->script;
      continue;
    }
    chat_syntax_error err;
    t.parsed = chat_script::parse(t.text, err);
    if (!t.parsed) {
      ec = ras_error::script_syntax;
      core->log(log_level::warning, std::string("refused dial: ") + t.what + " " + err.to_string());
      return {};
    }
  }
  if (entry.port.empty()) {
    ec = ras_error::invalid_parameter;
    core->log(log_level::warning, "refused dial: no port given");
    return {};
  }

  std::shared_ptr<detail::notify_sink> sink;
  std::shared_ptr<detail::sync_waiter> waiter;
  std::future<std::error_code> result;  // a synchronous dial waits on it
  const bool sync = n.empty();
  if (sync) {
    if (running_on(core->strand)) {
      ec = std::make_error_code(std::errc::resource_deadlock_would_occur);
      return {};
    }
    waiter = std::make_shared<detail::sync_waiter>();
    result = waiter->arm();
    // Returns at Connected, at a failure, or at a paused state (the caller resumes).
    sink = std::make_shared<detail::notify_sink>([waiter](const dial_event& e) {
      if (detail::notify_sink::is_terminal(e) || is_paused(e.state)) waiter->fire(e.error);
    });
  } else {
    std::optional<asio::any_io_executor> ex = n.executor();
    if (!ex) ex = current_thread_loop();
    const bool is_queue =
        std::holds_alternative<std::shared_ptr<dial_message_queue>>(n.get());
    if (!ex && !is_queue) {
      // RAS delivers on the calling thread; without a loop there is nowhere to deliver.
      ec = ras_error::invalid_parameter;
      core->log(log_level::warning,
                "refused dial: the notifier has no executor and this thread registered no loop");
      return {};
    }
    sink = std::make_shared<detail::notify_sink>(std::move(n), ex, core->log_sink);
  }

  for (auto& n : numbers) n = normalize_dial_string(n);
  connection_handle h;
  {
    std::lock_guard lock(core->mutex);
    h = connection_handle{core->next_handle++};
  }
  // Built outside the lock; registered before it starts, so status() knows it at once.
  auto conn = std::make_shared<detail::connection>(core, h, entry, std::move(numbers), params,
                                                   extensions, std::move(scripts), sink, waiter);
  {
    std::lock_guard lock(core->mutex);
    core->connections.emplace(h.value, conn);
  }
  asio::post(core->strand, [conn] { conn->start(); });
  if (sync) ec = result.get();
  return h;
}

std::error_code connection_manager::dial(connection_handle paused, const dial_params& params) {
  auto& core = impl_->core;
  auto conn = core->find(paused);
  if (!conn) return ras_error::invalid_handle;
  if (auto bad = check_callback_number(params.callback_number)) return bad;
  const auto state = conn->status().state;
  if (!is_paused(state)) return ras_error::dial_already_in_progress;
  // "*" is the question, not an answer to it.
  if (state == conn_state::callback_set_by_caller && params.callback_number == "*")
    return ras_error::bad_callback_number;
  std::future<std::error_code> result;
  const auto& waiter = conn->waiter();
  if (waiter) {
    if (running_on(core->strand)) return std::make_error_code(std::errc::resource_deadlock_would_occur);
    result = waiter->arm();
  }
  asio::post(core->strand, [conn, params] { conn->resume(params); });
  if (waiter) return result.get();
  return {};
}

std::error_code connection_manager::hang_up(connection_handle h) {
  auto conn = impl_->core->find(h);
  if (!conn) return ras_error::invalid_handle;
  asio::post(impl_->core->strand, [conn] { conn->hang_up({}); });
  return {};
}

void connection_manager::start_hang_up(connection_handle h,
                                       std::function<void(std::error_code)> done) {
  auto conn = impl_->core->find(h);
  if (!conn) {
    done(ras_error::invalid_handle);
    return;
  }
  asio::post(impl_->core->strand, [conn, done = std::move(done)]() mutable {
    conn->hang_up(std::move(done));
  });
}

std::uint64_t connection_manager::subscribe(connection_handle h,
                                            std::function<void(const connection_event&)> f,
                                            std::error_code& ec) {
  auto loop = current_thread_loop();
  if (!loop) {
    ec = ras_error::invalid_parameter;
    return 0;
  }
  return subscribe_on(h, *loop, std::move(f), ec);
}

std::uint64_t connection_manager::subscribe_on(connection_handle h, asio::any_io_executor ex,
                                               std::function<void(const connection_event&)> f,
                                               std::error_code& ec) {
  ec.clear();
  auto& core = *impl_->core;
  std::lock_guard lock(core.mutex);
  auto id = core.next_subscription++;
  core.subscriptions.push_back({id, h, std::move(ex), std::move(f)});
  return id;
}

void connection_manager::unsubscribe(std::uint64_t id) {
  auto& core = *impl_->core;
  std::lock_guard lock(core.mutex);
  std::erase_if(core.subscriptions, [id](const auto& s) { return s.id == id; });
}

std::error_code connection_manager::status(connection_handle h, connection_status& out) const {
  auto conn = impl_->core->find(h);
  if (!conn) return ras_error::invalid_handle;
  out = conn->status();
  return {};
}

std::vector<connection_info> connection_manager::connections() const {
  std::vector<std::shared_ptr<detail::connection>> all;
  {
    std::lock_guard lock(impl_->core->mutex);
    for (const auto& [id, c] : impl_->core->connections) all.push_back(c);
  }
  std::vector<connection_info> out;
  out.reserve(all.size());
  for (const auto& c : all) out.push_back(c->info());
  return out;
}

bool connection_manager::wait_retired(connection_handle h, std::chrono::milliseconds timeout) const {
  auto& core = *impl_->core;
  std::unique_lock lock(core.mutex);
  return core.retired_cv.wait_for(lock, timeout,
                                  [&] { return core.connections.count(h.value) == 0; });
}

void data_stream::start_io(bool read, void* data, std::size_t size, io_done done) {
  auto core = impl_->core;
  auto h = handle_;
  asio::post(core->strand, [core, h, read, data, size, done = std::move(done)]() mutable {
    auto conn = core->find(h);
    if (!conn) {
      done(ras_error::invalid_handle, 0);
      return;
    }
    if (read)
      conn->read_data(asio::mutable_buffer(data, size), std::move(done));
    else
      conn->write_data(asio::const_buffer(data, size), std::move(done));
  });
}

}  // namespace dialup
