// One steady_timer serves the whole simulated world: it is always armed for the
// exchange's next deadline. Simulated time = wall-clock time since start / time_scale;
// with time_scale 0 the world runs in virtual time that jumps to each deadline.

#include "simulator_impl.hpp"

#include <algorithm>
#include <cmath>

namespace dialup::hwsim {

using simulator_detail::k_max_backlog;

sim_time simulator::impl::sim_now() {
  if (opt.time_scale <= 0.0) return virtual_now;
  const std::chrono::duration<double, std::milli> real = std::chrono::steady_clock::now() - epoch;
  return sim_time(static_cast<long long>(std::floor(real.count() / opt.time_scale)));
}

// Called after every event; it must not cost O(modems) (sim_bench: 1,000 modems), so
// it visits only the ports that are paused or served over RFC 2217.
void simulator::impl::rearm() {
  if (stopped) return;
  update_signals();
  if (paused_ports > 0) {
    for (auto& p : ports) {
      if (p->read_paused && world.tx_backlog(p->index) <= k_max_backlog / 2) {
        p->read_paused = false;
        --paused_ports;
        start_read(*p);
      }
    }
  }
  auto d = world.next_deadline();
  if (!d) {
    if (armed_for) timer->cancel();
    armed_for.reset();
    return;
  }
  if (armed_for && *armed_for == *d) return;
  armed_for = d;
  if (opt.time_scale > 0.0) {
    const auto real = std::chrono::duration<double, std::milli>(
        static_cast<double>(d->count()) * opt.time_scale);
    timer->expires_at(epoch + std::chrono::duration_cast<std::chrono::steady_clock::duration>(real));
  } else {
    timer->expires_after(std::chrono::milliseconds(0));
  }
  timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    std::lock_guard lk(self->mu);
    self->on_timer();
  });
}

void simulator::impl::on_timer() {
  if (stopped) return;
  armed_for.reset();
  if (opt.time_scale <= 0.0) {
    if (auto d = world.next_deadline()) virtual_now = std::max(virtual_now, *d);
  }
  world.advance(sim_now());
  rearm();
}

}  // namespace dialup::hwsim
