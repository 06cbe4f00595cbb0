// dialup::hwsim::simulator: the simulated exchange and its modems driven from an Asio
// executor. This file builds and shuts down the simulator and holds its public member
// functions; the attachments (ptys, RFC 2217), the program service and the clock are in
// simulator_attachments.cpp, simulator_programs.cpp and simulator_clock.cpp
// (simulator_impl.hpp lists what is where, and says how the lock is used).

#include "simulator_impl.hpp"

#include <dialup/hwsim/scenario.hpp>

#include <cmath>
#include <stdexcept>
#include <utility>

namespace dialup::hwsim {

simulator::impl::impl(asio::any_io_executor e, simulator_options o)
    : ex(std::move(e)),
      opt(std::move(o)),
      world(make_options(opt)),
      timer(std::make_unique<asio::steady_timer>(ex)),
      epoch(std::chrono::steady_clock::now()),
      presence_timer(std::make_unique<asio::steady_timer>(ex)) {
  if (!(opt.time_scale >= 0.0) || !std::isfinite(opt.time_scale))
    throw std::invalid_argument("hwsim: time_scale must be finite and >= 0");
  install_program_hooks();
}

exchange::options simulator::impl::make_options(const simulator_options& o) {
  exchange::options x;
  x.builtin_scenario = o.builtin_scenario;
  x.personality = o.personality;
  x.timing = o.timing;
  x.cellular = o.cellular;
  find_personality(o.personality);  // throws for an unknown name
  return x;
}

void simulator::impl::shutdown() {
  std::lock_guard lk(mu);
  if (stopped) return;
  stopped = true;
  // Destroying the Asio objects cancels their operations; the handlers find
  // stopped == true and do nothing.
  timer.reset();
  presence_timer.reset();
  for (auto& [id, pr] : programs) pr->master.reset();  // SIGHUP to every answering program
  programs.clear();
  for (auto& p : ports) {
    p->acceptor.reset();
    p->rfc.reset();
    p->tcp.reset();
    p->sd.reset();  // closes the master: the client's reads end with EOF
    if (!p->vanished) remove_link(*p);
  }
}

simulator::simulator(boost::asio::any_io_executor ex, simulator_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {}

simulator::~simulator() { shutdown(); }

std::size_t simulator::add_modem() {
  std::lock_guard lk(impl_->mu);
  if (impl_->stopped) throw std::logic_error("hwsim: simulator is shut down");
  return impl_->add_modem();
}

std::size_t simulator::modem_count() const {
  std::lock_guard lk(impl_->mu);
  return impl_->ports.size();
}

std::string simulator::pty_path(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->ports[i]->pty; });
}

std::string simulator::link_path(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->ports[i]->link; });
}

std::string simulator::own_number(std::size_t i) const {
  return impl_->locked(i, [&] { return exchange::own_number(i); });
}

bool simulator::off_hook(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).off_hook(); });
}

modem_mode simulator::mode(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).mode(); });
}

void simulator::set_dial_tone(std::size_t i, bool present) {
  impl_->locked(i, [&] { impl_->world.set_dial_tone(i, present); });
}

void simulator::set_silent(std::size_t i, bool silent) {
  impl_->locked(i, [&] { impl_->world.modem_at(i).set_silent(silent); });
}

void simulator::drop_carrier(std::size_t i) {
  impl_->locked(i, [&] {
    impl_->world.drop_carrier(i, impl_->sim_now());
    impl_->rearm();
  });
}

void simulator::retrain(std::size_t i) {
  impl_->locked(i, [&] {
    impl_->world.retrain(i, impl_->sim_now());
    impl_->rearm();
  });
}

bool simulator::incoming_call(std::size_t i, const std::string& from, unsigned rings) {
  bool placed = false;
  impl_->locked(i, [&] {
    placed = impl_->world.incoming_call(i, from, rings, impl_->sim_now());
    impl_->rearm();
  });
  return placed;
}

void simulator::shutdown() { impl_->shutdown(); }

void simulator::set_faults(std::size_t i, const modem_faults& f) {
  impl_->locked(i, [&] { impl_->world.set_faults(i, f); });
}

std::uint16_t simulator::serve_rfc2217(std::size_t i, std::uint16_t port) {
  return impl_->locked(i, [&]() -> std::uint16_t {
    if (impl_->stopped) throw std::logic_error("hwsim: simulator is shut down");
    return impl_->serve_rfc2217(*impl_->ports[i], port);
  });
}

void simulator::vanish(std::size_t i) {
  impl_->locked(i, [&] {
    if (!impl_->stopped) impl_->vanish(*impl_->ports[i]);
  });
}

void simulator::reappear(std::size_t i) {
  impl_->locked(i, [&] {
    if (!impl_->stopped) impl_->reappear(*impl_->ports[i]);
  });
}

bool simulator::dial_tone(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.dial_tone(i); });
}

bool simulator::silent(std::size_t i) const {
  return impl_->locked(i, [&] { return std::as_const(impl_->world).modem_at(i).silent(); });
}

bool simulator::vanished(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->ports[i]->vanished; });
}

double simulator::time_scale() const { return impl_->opt.time_scale; }

void simulator::add_number(number_entry e) {
  std::lock_guard lk(impl_->mu);
  impl_->world.add_number(std::move(e));
}

std::uint8_t simulator::s_register(std::size_t i, unsigned reg) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).s_register(reg); });
}

unsigned simulator::connect_rate(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).connect_rate(); });
}

std::string default_scenario() { return format_scenario(exchange::default_number_plan()); }

std::optional<std::string> simulator::pdp_apn(std::size_t i, unsigned cid) const {
  return impl_->locked(i, [&] { return std::as_const(impl_->world).modem_at(i).pdp_apn(cid); });
}

}  // namespace dialup::hwsim
