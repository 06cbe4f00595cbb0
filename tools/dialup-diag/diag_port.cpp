// The port, the channel, the built-in simulator and the interruption (diag_port.hpp).
#include "diag_port.hpp"

#include <signal.h>

#include <cstdio>

#include <boost/asio/executor_work_guard.hpp>

#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/port_error.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/text.hpp"
#include "dialup/hwsim/simulator.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace dialup_diag {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_signal(int) { g_interrupted = 1; }
}  // namespace

bool interrupted() noexcept { return g_interrupted != 0; }
void request_interrupt() noexcept { g_interrupted = 1; }

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking wait returns and sees the flag
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

std::string at_answer::text() const {
  std::string s;
  for (const auto& l : reply.information) s += l.text + "\r\n";
  if (!error) s += reply.final.text + "\r\n";
  return s;
}

std::unique_ptr<at_port> at_port::open(const std::string& port, std::uint32_t baud, std::string& error,
                                       std::chrono::milliseconds open_timeout) {
  std::unique_ptr<at_port> p(new at_port);
  dialup::drivers::port_factory factory;
  dialup::port_settings settings;
  settings.baud_rate = baud;
  std::unique_ptr<dialup::transport> t;
  std::error_code ec;
  bool done = false;
  factory.async_open(port, settings, p->io_.get_executor(),
                     [&](std::error_code e, std::unique_ptr<dialup::transport> tr) {
                       ec = e;
                       t = std::move(tr);
                       done = true;
                     });
  auto work = asio::make_work_guard(p->io_);
  const auto deadline = std::chrono::steady_clock::now() + open_timeout;
  while (!done && !interrupted() && std::chrono::steady_clock::now() < deadline) p->io_.run_one_for(50ms);
  if (!done || ec || !t) {
    const auto ras = ec ? dialup::ras_error_for_open_failure(ec) : std::error_code(dialup::ras_error::request_timeout);
    error = dialup::describe(ras) + ": cannot open " + port + (ec ? ": " + ec.message() : std::string());
    if (t) t->close();
    return nullptr;
  }
  work.reset();
  p->io_.restart();
  p->transport_ = std::shared_ptr<dialup::transport>(std::move(t));
  const auto profile = dialup::modem_profile::generic();
  p->channel_ = std::make_shared<dialup::at_channel>(p->io_.get_executor(), p->transport_, profile.responses,
                                                     profile.resync_quiet, profile.max_consecutive_timeouts);
  p->channel_->on_port_error([raw = p.get()](std::error_code) { raw->dead_ = true; });
  p->channel_->start();
  return p;
}

at_port::~at_port() { close(); }

void at_port::close() {
  if (channel_) channel_->stop();
  if (transport_) transport_->close();  // restores the port's settings, releases its lock
  // Whatever the stop completed with runs now, while this object still exists.
  io_.restart();
  io_.poll();
  channel_.reset();
  transport_.reset();
}

at_answer at_port::command(const std::string& cmd, std::chrono::milliseconds timeout) {
  at_answer a;
  if (!channel_) {
    a.error = dialup::ras_error::port_not_connected;
    return a;
  }
  bool done = false;
  const auto start = std::chrono::steady_clock::now();
  channel_->async_command(cmd, dialup::at_command_options{timeout, false},
                          [&](std::error_code ec, dialup::at_reply r) {
                            a.elapsed = std::chrono::steady_clock::now() - start;
                            a.error = ec;
                            a.reply = std::move(r);
                            done = true;
                          });
  io_.restart();
  auto work = asio::make_work_guard(io_);  // run_one_for waits, rather than returning at once
  bool cancelled = false;
  while (!done) {
    io_.run_one_for(20ms);
    if (!done && interrupted() && !cancelled) {
      cancelled = true;
      channel_->cancel();
    }
  }
  if (a.error == dialup::ras_error::device_not_ready) dead_ = true;
  return a;
}

struct sim_host::impl {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<dialup::hwsim::simulator> sim;
  std::thread thread;
};

namespace {
dialup::hwsim::simulator_options options_of(double time_scale, const std::string& personality) {
  dialup::hwsim::simulator_options so;
  so.time_scale = time_scale;
  so.personality = personality;
  return so;
}
}  // namespace

sim_host::sim_host(double time_scale, const std::string& personality)
    : sim_host(options_of(time_scale, personality)) {}

sim_host::sim_host(const dialup::hwsim::simulator_options& so) : impl_(std::make_unique<impl>()) {
  impl_->work.emplace(impl_->io.get_executor());
  impl_->sim = std::make_unique<dialup::hwsim::simulator>(impl_->io.get_executor(), so);
  impl_->sim->add_modem();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

sim_host::~sim_host() {
  impl_->sim->shutdown();
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

std::string sim_host::port() const { return impl_->sim->pty_path(0); }

std::string sim_host::serve_rfc2217() {
  return "rfc2217://127.0.0.1:" + std::to_string(impl_->sim->serve_rfc2217(0));
}

bool sim_host::incoming_call(const std::string& from, unsigned rings) {
  return impl_->sim->incoming_call(0, from, rings);
}

std::string format_ms(double ms) {
  char b[32];
  if (ms < 10) std::snprintf(b, sizeof b, "%.3f ms", ms);
  else if (ms < 1000) std::snprintf(b, sizeof b, "%.1f ms", ms);
  else std::snprintf(b, sizeof b, "%.2f s", ms / 1000);
  return b;
}

}  // namespace dialup_diag
