#include "world.hpp"

#include <algorithm>
#include <cstring>

#include "dialup/engine/detail/errors.hpp"
#include "dialup/hwsim/personality.hpp"

namespace dialup::soak {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Flow control towards the modem (RTS/CTS, &K3), as the pty attachment does: a write is
// not complete while the line is more than 2 s behind; it completes below 1 s.
constexpr hwsim::sim_duration k_max_backlog{2000};

std::error_code aborted() { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

// The in-memory serial port. Completions are always posted to the executor the engine
// opened it with, never run inside the initiating call (transport.hpp).
class sim_transport final : public transport {
 public:
  sim_transport(world& w, sim_port& p, asio::any_io_executor ex)
      : w_(w), p_(p), ex_(std::move(ex)), gen_(p.generation) {
    ++w_.live_transports;
  }
  ~sim_transport() override {
    if (p_.open == this) p_.open = nullptr;
    w_.forget(this);
    --w_.live_transports;
  }

  void async_read_some(asio::mutable_buffer buffer, io_handler h) override {
    if (!open_) return post(std::move(h), aborted(), 0);
    if (reader_) return post(std::move(h), std::make_error_code(std::errc::operation_in_progress), 0);
    rbuf_ = buffer;
    reader_ = std::move(h);
    pump();
  }

  void async_write(asio::const_buffer buffer, io_handler h) override {
    if (!open_) return post(std::move(h), aborted(), 0);
    if (dead()) return post(std::move(h), std::make_error_code(std::errc::io_error), 0);
    if (writer_) return post(std::move(h), std::make_error_code(std::errc::operation_in_progress), 0);
    const std::string_view bytes(static_cast<const char*>(buffer.data()), buffer.size());
    w_.feed(p_, bytes);
    if (w_.exchange().tx_backlog(p_.modem) > k_max_backlog) {
      writer_ = std::move(h);
      written_ = bytes.size();
      w_.park_write(this);
      return;
    }
    post(std::move(h), {}, bytes.size());
  }

  void cancel() override {
    if (reader_) post(std::exchange(reader_, nullptr), aborted(), 0);
    if (writer_) post(std::exchange(writer_, nullptr), aborted(), 0);
  }

  void close() override {
    if (!open_) return;
    open_ = false;
    cancel();
    w_.closed(p_, this);
  }
  bool is_open() const override { return open_; }
  std::string name() const override { return p_.name; }

  bool has_modem_control() const override { return p_.modem_control; }
  std::error_code set_dtr(bool on) override {
    if (!p_.modem_control) return std::make_error_code(std::errc::operation_not_supported);
    if (!open_ || dead()) return std::make_error_code(std::errc::io_error);
    w_.note("dtr", on ? "on" : "off");
    if (on) w_.exchange().dtr_on(p_.modem, w_.sim_now());
    else w_.exchange().dtr_off(p_.modem, w_.sim_now());
    return {};
  }
  std::error_code get_lines(modem_lines& out) override {
    if (!p_.modem_control) return std::make_error_code(std::errc::operation_not_supported);
    if (!open_ || dead()) return std::make_error_code(std::errc::io_error);
    const auto& m = std::as_const(w_.exchange()).modem_at(p_.modem);
    out.dcd = m.dcd();
    out.ri = m.ri();
    out.dsr = out.cts = true;
    return {};
  }

  // From the world.
  bool dead() const { return gen_ != p_.generation; }
  void deliver(std::string_view bytes) {
    rx_.append(bytes);
    pump();
  }
  void died() {
    pump();
    if (writer_) post(std::exchange(writer_, nullptr), std::make_error_code(std::errc::io_error), 0);
  }
  // Flow control: true when the parked write has completed.
  bool try_unpark() {
    if (!writer_) return true;
    if (w_.exchange().tx_backlog(p_.modem) > k_max_backlog / 2) return false;
    post(std::exchange(writer_, nullptr), {}, written_);
    return true;
  }

 private:
  void post(io_handler h, std::error_code ec, std::size_t n) {
    asio::post(ex_, [h = std::move(h), ec, n] { h(ec, n); });
  }

  void pump() {
    if (!reader_) return;
    if (!rx_.empty()) {
      const auto n = std::min(rbuf_.size(), rx_.size());
      std::memcpy(rbuf_.data(), rx_.data(), n);
      rx_.erase(0, n);
      post(std::exchange(reader_, nullptr), {}, n);
      return;
    }
    if (dead()) {
      // A USB serial device that vanished: reads end with EOF or EIO (transport.hpp).
      auto ec = p_.unplug_gives_eof ? detail::eof_error()
                                    : std::make_error_code(std::errc::io_error);
      post(std::exchange(reader_, nullptr), ec, 0);
    }
  }

  world& w_;
  sim_port& p_;
  asio::any_io_executor ex_;
  unsigned gen_;
  bool open_ = true;
  std::string rx_;
  asio::mutable_buffer rbuf_;
  io_handler reader_;
  io_handler writer_;
  std::size_t written_ = 0;
};

namespace {

class sim_factory final : public transport_factory {
 public:
  explicit sim_factory(world& w) : w_(w) {}

  void async_open(const std::string& name, const port_settings&, asio::any_io_executor ex,
                  open_handler h) override {
    std::error_code ec;
    sim_port* port = nullptr;
    for (std::size_t i = 0; i < w_.port_count(); ++i)
      if (w_.port(i).name == name) port = &w_.port(i);
    if (!port || !port->plugged) {
      ec = std::make_error_code(std::errc::no_such_file_or_directory);
    } else if (port->open) {
      // The engine owns every port it opens (contract 4): a second open while the first
      // transport is still open means two owners of one device.
      ++port->double_opens;
      ec = std::make_error_code(std::errc::device_or_resource_busy);
    }
    w_.note("open", name + (ec ? ": " + ec.message() : std::string(": ok")));
    std::unique_ptr<transport> t;
    if (!ec) {
      auto st = std::make_unique<sim_transport>(w_, *port, ex);
      port->open = st.get();
      ++port->opens;
      port->off_hook_at_close.reset();
      port->mode_at_close.reset();
      // A client opening the port raises DTR (the pty attachment does the same).
      w_.exchange().dtr_on(port->modem, w_.sim_now());
      t = std::move(st);
    }
    auto box = std::make_shared<std::unique_ptr<transport>>(std::move(t));
    asio::post(ex, [h = std::move(h), ec, box] { h(ec, std::move(*box)); });
  }

 private:
  world& w_;
};

hwsim::exchange::options exchange_options(const std::string& personality, std::uint64_t seed) {
  hwsim::exchange::options o;
  o.personality = personality;
  o.seed = static_cast<std::uint32_t>(seed | 1);
  return o;
}

}  // namespace

world::world(const std::string& personality, bool keep_trace, std::uint64_t seed)
    : exchange_(exchange_options(personality, seed)), trace_(keep_trace), noise_(seed ^ 0x6e6f697365ULL) {
  factory_ = std::make_shared<sim_factory>(*this);
}

world::~world() = default;

std::shared_ptr<transport_factory> world::factory() { return factory_; }

std::size_t world::add_port(const std::string& name, bool modem_control) {
  const auto i = exchange_.add_modem();
  sim_port p;
  p.name = name;
  p.modem = i;
  p.modem_control = modem_control;
  ports_.push_back(std::move(p));
  commands_written_.push_back(0);
  exchange_.set_output(i, [this, i](std::string_view b) { modem_output(i, b); });
  // Nobody has the port open yet: DTR is low.
  exchange_.dtr_off(i, sim_now());
  return ports_.size() - 1;
}

void world::at(time_point when, std::function<void()> f) {
  agenda_.emplace(std::make_pair(when, agenda_seq_++), std::move(f));
}

std::size_t world::settle() {
  std::size_t total = 0;
  for (;;) {
    std::size_t n = 0;
    if (engine_io_.stopped()) engine_io_.restart();
    n += engine_io_.poll();
    if (!caller_stalled) {
      if (caller_io_.stopped()) caller_io_.restart();
      n += caller_io_.poll();
    }
    total += n;
    if (n == 0) return total;
  }
}

bool world::step() {
  settle();
  // The soak's actions that are due (they may schedule more, or post work).
  while (!agenda_.empty() && agenda_.begin()->first.first <= now()) {
    auto f = std::move(agenda_.begin()->second);
    agenda_.erase(agenda_.begin());
    f();
    settle();
  }
  std::optional<time_point> next = clock_->next_deadline();
  if (auto d = exchange_.next_deadline()) {
    const time_point t{std::chrono::duration_cast<virtual_clock::duration>(*d)};
    if (!next || t < *next) next = t;
  }
  if (!agenda_.empty() && (!next || agenda_.begin()->first.first < *next)) next = agenda_.begin()->first.first;
  if (!next) return false;
  if (*next < now()) next = now();
  // hw-sim first (its output posts read completions), then the engine's timers.
  stamp_ = next->time_since_epoch();
  exchange_.advance(std::chrono::duration_cast<hwsim::sim_time>(next->time_since_epoch()));
  stamp_.reset();
  clock_->advance(*next - now());
  if (!parked_.empty()) check_parked();
  return true;
}

void world::check_parked() {
  std::erase_if(parked_, [](sim_transport* t) { return t->try_unpark(); });
}

void world::park_write(sim_transport* t) { parked_.push_back(t); }
void world::forget(sim_transport* t) { std::erase(parked_, t); }

void world::feed(sim_port& p, std::string_view bytes) {
  bytes_to_modem += bytes.size();
  {
    auto shown = printable(bytes);
    for (const auto& s : secrets)
      if (!s.empty())
        for (auto at = shown.find(s); at != std::string::npos; at = shown.find(s, at)) shown.replace(at, s.size(), "<secret>");
    note(">", shown);
  }
  const auto i = p.modem;
  const auto idx = static_cast<std::size_t>(&p - &ports_[0]);
  const bool command_mode = [&] {
    const auto m = std::as_const(exchange_).modem_at(i).mode();
    return m != hwsim::modem_mode::online_data;
  }();
  if (command_mode && late_index_ >= 0 && idx == late_port_ && bytes.find('\r') != std::string_view::npos) {
    const int n = commands_written_[idx];
    commands_written_[idx] += static_cast<int>(std::count(bytes.begin(), bytes.end(), '\r'));
    if (n <= late_index_ && late_index_ < commands_written_[idx]) {
      // This command's answer (and so everything after it: a modem answers in order)
      // comes late_delay_ late.
      auto f = p.faults;
      f.response_delay = late_delay_;
      note("fault", "late reply: " + std::to_string(late_delay_.count()) + " ms");
      exchange_.set_faults(i, f);
      exchange_.feed(i, bytes, sim_now());
      exchange_.set_faults(i, p.faults);
      return;
    }
  }
  exchange_.feed(i, bytes, sim_now());
}

void world::modem_output(std::size_t i, std::string_view bytes) {
  sim_port* port = nullptr;
  for (auto& p : ports_)
    if (p.modem == i) port = &p;
  if (!port || !port->open || port->open->dead()) return;  // nobody reads: the bytes are lost
  std::string data(bytes);
  if (port->noise_rate > 0) {
    if (std::as_const(exchange_).modem_at(i).mode() != hwsim::modem_mode::online_data) {
      port->noise_armed = false;
    } else {
      std::size_t from = 0;
      if (!port->noise_armed) {
        // The CONNECT result (and its line end) is the modem's, not the line's.
        const auto at = data.find("CONNECT");
        const auto end = at == std::string::npos ? std::string::npos : data.find('\n', at);
        if (end != std::string::npos) {
          from = end + 1;
          port->noise_armed = true;
        } else {
          from = data.size();
        }
      }
      for (auto k = from; k < data.size(); ++k)
        if (noise_.unit() < port->noise_rate) data[k] = static_cast<char>(data[k] ^ (1 << noise_.below(8)));
    }
  }
  bytes_from_modem += data.size();
  note("<", printable(data));
  port->open->deliver(data);
}

void world::closed(sim_port& p, sim_transport* t) {
  if (t->dead()) {
    note("close", p.name + " (vanished device)");
    if (p.open == t) p.open = nullptr;
    return;
  }
  const auto& m = std::as_const(exchange_).modem_at(p.modem);
  p.off_hook_at_close = m.off_hook();
  p.mode_at_close = m.mode();
  note("close", p.name + (m.off_hook() ? " (modem off-hook)" : " (modem on-hook)") + " mode " +
                    hwsim::to_string(m.mode()));
  if (p.open == t) p.open = nullptr;
  // Closing the port drops DTR (HUPCL on a UART; the last close of a pty, which the pty
  // attachment treats the same way): with &D2 the modem hangs up.
  exchange_.dtr_off(p.modem, sim_now());
}

void world::unplug(std::size_t i) {
  auto& p = ports_.at(i);
  if (!p.plugged) return;
  p.plugged = false;
  ++p.generation;
  note("fault", "unplug " + p.name);
  // As hwsim::simulator::vanish: the modem loses power (on-hook, stored profile).
  exchange_.advance(sim_now());
  exchange_.modem_at(p.modem).power_on(sim_now());
  if (p.open) {
    auto* t = p.open;
    p.open = nullptr;
    t->died();
    p.open = nullptr;
    // The transport object lives on until the engine closes it; it is dead.
    parked_.erase(std::remove(parked_.begin(), parked_.end(), t), parked_.end());
  }
}

void world::replug(std::size_t i) {
  auto& p = ports_.at(i);
  if (p.plugged) return;
  p.plugged = true;
  note("fault", "replug " + p.name);
  exchange_.dtr_off(p.modem, sim_now());
}

}  // namespace dialup::soak
