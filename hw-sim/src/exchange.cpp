// The simulated telephone exchange (docs/modem-behaviour.md §7, §8, §11 "Exchange").
//
// A call:
//
//   setup ──post-dial delay──► ringing ──answer (service after n rings, modem S0/ATA)──►
//     │ unknown → reorder          │ busy line → busy        training ──handshake──►
//     ▼                            ▼                                       connected
//   (caller waits, S7)        (caller: BUSY/X3-4 or S7)       any side on-hook → cleared
//
// A callback leg (service_kind::callback calling back) is a call placed by the service to
// a modem: `caller` is then the called modem, which rings and answers as for a call from
// another modem. The direction conventions do not change: dir 0 is always modem → far
// end, dir 1 far end → modem, so pacing, tx_backlog() and retrains are the same.
//
// The login and callback services' dialogue, one line at a time (CR, LF or CR LF ends a
// line; the user name and the callback number are echoed, passwords are not):
//
//   login: ─► Password: ─┬─ wrong ─► "Login incorrect" ─► login:
//                        ├─ right ─────────────────────────────────────────┐
//                        └─ right, expired ─► New password: ─► Retype new password:
//                              ├─ differ / empty ─► "Sorry, passwords do not match." ─► login:
//                              └─ equal ─► "Password changed." ───────────┤
//        ┌─────────────────────────────────────────────────────────────────┘
//        ├─ login service, or the callback leg ─► welcome (back) ─► echo
//        └─ callback service, first leg ─► Callback number: ─┬─ empty ─► "No callback." ─► welcome ─► echo
//                                                            └─ N ─► "Calling you back at N."
//   ──delivered + 1 s──► the service hangs up ──callback_delay──► call to N ──post-dial──►
//   RING (8 at most; busy line: given up) ──answer + training──► "This is … calling you
//   back." ─► login: (no callback question on this leg)
//
// Everything the exchange tells a modem goes through the event queue (notify()), never
// synchronously from inside a modem's own call into the line, so a modem is never
// re-entered. Events capture the call and check its phase first (state guard): a stale
// event for a cleared call does nothing.

#include <dialup/hwsim/exchange.hpp>

#include <algorithm>
#include <utility>
#include <cmath>

namespace dialup::hwsim {

struct exchange::service_state {
  service_kind kind;
  // login and callback: where the dialogue is (see the diagram above).
  enum class login_step {
    user,
    password,
    new_password,
    retype_password,
    callback_number,
    online,      // logged in: echo
    hanging_up,  // callback: the number is taken, input is ignored
  } step = login_step::user;
  bool calling_back = false;  // callback: this is the call back to the modem
  bool after_cr = false;      // the last byte was a CR (a LF right after it is the same line end)
  std::string input;
  std::string user;
  std::string new_password;
};

struct exchange::call {
  enum class phase { setup, ringing, training, connected, cleared };
  std::uint64_t id = 0;
  // The modem that dialed, or on a callback leg the modem that is called.
  std::size_t caller = 0;
  // The service (callback) placed this call to modem `caller`; set before routing.
  bool callback = false;
  int callee_modem = -1;
  std::optional<number_entry> service;
  unsigned max_rings = 8;  // a call placed to modem `caller` gives up after this many bursts
  phase ph = phase::setup;
  unsigned rate = 0;
  std::string number;
  // Pacing: when each direction's line is free again (ms, fractional).
  // dir 0: caller → callee, dir 1: callee → caller; on a callback leg still dir 0 modem →
  // service and dir 1 service → modem (the service is the far end).
  double free_at[2] = {0, 0};
  std::unique_ptr<service_state> svc;
};

class exchange::line_adapter final : public line_interface {
 public:
  line_adapter(exchange* x, std::size_t i) : x_(x), i_(i) {}
  void off_hook() override { x_->on_off_hook(i_); }
  void on_hook() override { x_->on_on_hook(i_); }
  bool dial_tone() const override { return x_->lines_[i_].dial_tone; }
  void dial(const std::string& number) override { x_->on_dial(i_, number); }
  void answer() override { x_->on_answer(i_); }
  void send(std::string_view data) override { x_->on_send(i_, data); }

 private:
  exchange* x_;
  std::size_t i_;
};

namespace {

// callback: the service hangs up this long after "Calling you back at N." has reached the
// caller, and gives up calling back after this many unanswered rings.
constexpr sim_duration k_callback_hang_up{1000};
constexpr unsigned k_callback_rings = 8;

std::string digits_of(const std::string& s) {
  std::string d;
  for (char c : s)
    if ((c >= '0' && c <= '9') || c == '*' || c == '#') d += c;
  return d;
}

}  // namespace

std::vector<number_entry> exchange::default_number_plan() {
  std::vector<number_entry> v;
  auto add = [&](std::string n, service_kind k, std::string d) {
    number_entry e;
    e.number = std::move(n);
    e.kind = k;
    e.description = std::move(d);
    v.push_back(e);
  };
  add("5550100", service_kind::echo, "answers after one ring at 33600, echoes data");
  add("5550101", service_kind::discard, "answers after one ring at 33600, discards data");
  add("5550102", service_kind::login, "text login service (user demo, password demo)");
  add("5550104", service_kind::callback,
      "text login with callback (demo/demo): asks for a callback number and calls back");
  add("5550110", service_kind::busy, "busy");
  add("5550120", service_kind::no_answer, "rings, never answers");
  add("5550130", service_kind::voice, "a voice answers");
  add("5550140", service_kind::carrier_drop, "answers at 33600, carrier drops after 10 s");
  add("5550150", service_kind::noisy, "noisy line");
  number_entry pdp;
  pdp.number = "*99#";
  pdp.kind = service_kind::pdp;
  pdp.rings = 0;
  pdp.rate = 115200;
  pdp.description = "cellular packet data (ATD*99#, cellular personality)";
  v.push_back(pdp);
  return v;
}

exchange::exchange() : exchange(options{}) {}

exchange::exchange(options opt) : opt_(std::move(opt)), rng_(opt_.seed ? opt_.seed : 1) {
  if (opt_.builtin_scenario) plan_ = default_number_plan();
  accounts_["demo"] = account{"demo", false};
  accounts_["expired"] = account{"old", true};
}

exchange::~exchange() = default;

std::string exchange::own_number(std::size_t i) { return std::to_string(5551000 + i); }

std::size_t exchange::add_modem() { return add_modem(find_personality(opt_.personality)); }

std::size_t exchange::add_modem(const personality& p) {
  line l;
  const std::size_t i = lines_.size();
  l.m = std::make_unique<modem>(p);
  l.m->set_cellular(opt_.cellular, now_);
  l.adapter = std::make_unique<line_adapter>(this, i);
  l.m->set_line(l.adapter.get());
  lines_.push_back(std::move(l));
  touch(i);
  return i;
}

void exchange::set_output(std::size_t i, modem::output_fn out) {
  lines_.at(i).out = std::move(out);
  lines_.at(i).m->set_output([this, i](std::string_view b) { modem_output(i, b); });
}

void exchange::set_faults(std::size_t i, const modem_faults& f) {
  auto& l = lines_.at(i);
  l.faults = f;
  touch(i);
  l.m->set_reset_garbage(f.garbage_after_reset);
  l.m->set_stuck_in_data(f.stuck_in_data);
}

// The modem's bytes towards its DTE, through the output faults (delay, split writes).
// Order is kept: a piece is never scheduled before the previous one.
void exchange::modem_output(std::size_t i, std::string_view b) {
  auto& l = lines_[i];
  if (!l.out) return;
  const auto& f = l.faults;
  if (f.response_delay.count() == 0 && f.split_writes == 0 && l.out_queued == 0) {
    l.out(b);
    return;
  }
  sim_time at = std::max(now_ + f.response_delay, l.out_busy_until);
  const std::size_t piece = f.split_writes ? f.split_writes : b.size();
  for (std::size_t off = 0; off < b.size(); off += piece) {
    ++l.out_queued;
    schedule(at, [this, i, s = std::string(b.substr(off, piece))] {
      --lines_[i].out_queued;
      if (lines_[i].out) lines_[i].out(s);
    });
    if (f.split_writes) at += f.split_gap;
  }
  l.out_busy_until = at;
}

void exchange::feed(std::size_t i, std::string_view bytes, sim_time now) {
  advance(now);
  touch(i).feed(bytes, now);
  advance(now);
}

void exchange::dte_silence(std::size_t i, sim_duration gap, sim_time now) {
  touch(i).dte_silence(gap, now);
}

void exchange::dtr_off(std::size_t i, sim_time now) {
  advance(now);
  touch(i).dtr_off(now);
  advance(now);
}

void exchange::dtr_on(std::size_t i, sim_time now) {
  advance(now);
  touch(i).dtr_on(now);
}

sim_duration exchange::tx_backlog(std::size_t i) const {
  const auto& c = lines_.at(i).active;
  if (!c || c->ph != call::phase::connected) return sim_duration(0);
  const double ahead = c->free_at[c->caller == i ? 0 : 1] - static_cast<double>(now_.count());
  return sim_duration(ahead > 0 ? static_cast<long long>(ahead) : 0);
}

void exchange::set_dial_tone(std::size_t i, bool present) { lines_.at(i).dial_tone = present; }

void exchange::drop_carrier(std::size_t i, sim_time now) {
  advance(now);
  if (auto c = lines_.at(i).active) clear_call(c, -1);
  advance(now);
}

void exchange::retrain(std::size_t i, sim_time now) {
  advance(now);
  if (auto c = lines_.at(i).active; c && c->ph == call::phase::connected) retrain_call(c);
  advance(now);
}

// Periodic retrains of a service's line (number_entry::retrain_every), while connected.
void exchange::schedule_retrain(const std::shared_ptr<call>& c) {
  schedule(now_ + c->service->retrain_every, [this, c] {
    if (c->ph != call::phase::connected) return;
    retrain_call(c);
    schedule_retrain(c);
  });
}

void exchange::retrain_call(const std::shared_ptr<call>& c) {
  if (c->ph != call::phase::connected) return;
  if (c->service && c->service->kind == service_kind::noisy && c->rate > 2400) c->rate -= 2400;
  // Nothing passes while the modems retrain: both directions resume after it.
  const double resume = static_cast<double>((now_ + opt_.timing.retrain).count());
  for (double& f : c->free_at) f = std::max(f, resume);
  notify(c->caller, line_event::retrain, c->rate);
  if (c->callee_modem >= 0) notify(static_cast<std::size_t>(c->callee_modem), line_event::retrain, c->rate);
}

void exchange::add_number(number_entry e) {
  plan_.erase(std::remove_if(plan_.begin(), plan_.end(),
                             [&](const number_entry& x) { return x.number == e.number; }),
              plan_.end());
  plan_.push_back(std::move(e));
}

// The modems' deadlines are kept in an ordered set, re-read only for the modems that
// were touched since (touch()), so that an event costs O(log modems), not O(modems):
// one dialup-sim process hosts 1,000 modems and chat feeds them a byte at a time.
modem& exchange::touch(std::size_t i) {
  auto& l = lines_.at(i);
  if (!l.dirty) {
    l.dirty = true;
    dirty_.push_back(i);
  }
  return *l.m;
}

void exchange::sync_deadlines() const {
  for (std::size_t i : dirty_) {
    auto& l = lines_[i];
    l.dirty = false;
    const auto d = l.m->next_deadline();
    if (d == l.listed) continue;
    if (l.listed) deadlines_.erase({*l.listed, i});
    if (d) deadlines_.insert({*d, i});
    l.listed = d;
  }
  dirty_.clear();
}

std::optional<sim_time> exchange::next_deadline() const {
  sync_deadlines();
  std::optional<sim_time> best;
  if (!queue_.empty()) best = queue_.top().at;
  if (!deadlines_.empty() && (!best || deadlines_.begin()->first < *best)) best = deadlines_.begin()->first;
  return best;
}

// Runs the queue and the modems' deadlines in time order up to `now`. Each event runs
// at its own time (not at `now`), so a late call to advance() gives the same result as
// a punctual one. Ties: the queue first, then the modem with the lowest index.
void exchange::advance(sim_time now) {
  for (int guard = 0; guard < 1000000; ++guard) {
    sync_deadlines();
    std::optional<sim_time> best;
    std::size_t best_modem = lines_.size();
    if (!queue_.empty() && queue_.top().at <= now) best = queue_.top().at;
    if (!deadlines_.empty()) {
      const auto& [d, i] = *deadlines_.begin();
      if (d <= now && (!best || d < *best)) {
        best = d;
        best_modem = i;
      }
    }
    if (!best) break;
    now_ = std::max(now_, *best);
    if (best_modem < lines_.size()) {
      touch(best_modem).on_timer(*best);
    } else {
      auto fn = queue_.top().fn;
      queue_.pop();
      fn();
    }
  }
  now_ = std::max(now_, now);
}

void exchange::schedule(sim_time at, std::function<void()> fn) {
  queue_.push(event{std::max(at, now_), seq_++, std::move(fn)});
}

void exchange::notify(std::size_t i, line_event ev, unsigned rate, std::string info) {
  schedule(now_, [this, i, ev, rate, info = std::move(info)] {
    touch(i).on_line_event(ev, now_, rate, info);
  });
}

// Exact match first; otherwise a dialed number that ends with a 7-digit plan number
// reaches it, so outside-line prefixes and area codes ("9,1-555-555-0100") work as on
// a real network.
bool exchange::matches(const std::string& dialed, const std::string& plan_number) {
  const std::string d = digits_of(dialed), p = digits_of(plan_number);
  if (d == p) return true;
  return p.size() >= 7 && d.size() > p.size() && d.compare(d.size() - p.size(), p.size(), p) == 0;
}

const number_entry* exchange::lookup(const std::string& number) const {
  for (const auto& e : plan_)
    if (digits_of(e.number) == digits_of(number)) return &e;
  for (const auto& e : plan_)
    if (matches(number, e.number)) return &e;
  return nullptr;
}

// ---------------------------------------------------------------------------- lines

void exchange::on_off_hook(std::size_t i) { lines_[i].off_hook = true; }

void exchange::on_on_hook(std::size_t i) {
  lines_[i].off_hook = false;
  if (auto c = lines_[i].active) clear_call(c, static_cast<int>(i));
}

void exchange::on_dial(std::size_t i, const std::string& number) {
  auto& l = lines_[i];
  // A dead line (no dial tone) carries no digits: the caller hears nothing and its S7
  // runs out (NO CARRIER), as with a blind dial on a real dead line.
  if (!l.dial_tone || l.active) return;
  auto c = std::make_shared<call>();
  c->id = next_call_id_++;
  c->caller = i;
  c->number = number;
  c->free_at[0] = c->free_at[1] = static_cast<double>(now_.count());
  l.active = c;
  const number_entry* e = lookup(number);
  const bool pdp = e && e->kind == service_kind::pdp;
  schedule(now_ + (pdp ? sim_duration(0) : opt_.timing.post_dial_delay), [this, c] { route(c); });
}

void exchange::route(const std::shared_ptr<call>& c) {
  if (c->ph != call::phase::setup) return;
  if (c->callback) {
    route_callback(c);
    return;
  }
  // Simulated modems: 5551000 + index.
  for (std::size_t k = 0; k < lines_.size(); ++k) {
    if (!matches(c->number, own_number(k))) continue;
    auto& callee = lines_[k];
    if (k == c->caller || callee.off_hook || callee.active) {
      notify(c->caller, line_event::busy);
      return;
    }
    c->callee_modem = static_cast<int>(k);
    callee.active = c;
    c->ph = call::phase::ringing;
    ring_burst(c, 1);
    return;
  }
  const number_entry* e = lookup(c->number);
  if (!e) {
    notify(c->caller, line_event::reorder);  // unknown number: fast busy [est]
    return;
  }
  c->service = *e;
  switch (e->kind) {
    case service_kind::busy:
      notify(c->caller, line_event::busy);
      return;
    case service_kind::pdp:
      c->ph = call::phase::ringing;
      start_training(c);
      return;
    default:
      c->ph = call::phase::ringing;
      ring_burst(c, 1);
      return;
  }
}

// The callback service calls `number` back (callback_delay after it hung up on the first
// leg). The network's post-dial delay applies as to any call.
void exchange::place_callback(const number_entry& service, const std::string& number) {
  auto c = std::make_shared<call>();
  c->id = next_call_id_++;
  c->callback = true;
  c->service = service;
  c->number = number;
  c->max_rings = k_callback_rings;
  schedule(now_ + opt_.timing.post_dial_delay, [this, c] { route(c); });
}

bool exchange::incoming_call(std::size_t i, const std::string& from, unsigned rings, sim_time now) {
  advance(now);
  auto& callee = lines_.at(i);
  if (callee.off_hook || callee.active || rings == 0) return false;
  auto c = std::make_shared<call>();
  c->id = next_call_id_++;
  c->callback = true;  // placed by the far end to modem i, as a callback leg is
  number_entry far;
  far.number = from;
  far.kind = service_kind::echo;
  far.description = "incoming call";
  c->service = far;
  c->number = own_number(i);
  c->max_rings = rings;
  c->caller = i;
  callee.active = c;
  c->ph = call::phase::ringing;
  ring_burst(c, 1);
  advance(now);
  return true;
}

// Only a simulated modem's own number can be called back, matched like any dialed number;
// anything else is dropped, and a busy line (off-hook, or in a call) makes the service
// give up: nobody hears anything of it.
void exchange::route_callback(const std::shared_ptr<call>& c) {
  for (std::size_t k = 0; k < lines_.size(); ++k) {
    if (!matches(c->number, own_number(k))) continue;
    auto& callee = lines_[k];
    if (callee.off_hook || callee.active) return;
    c->caller = k;
    callee.active = c;
    c->ph = call::phase::ringing;
    ring_burst(c, 1);
    return;
  }
}

// §7/§8: one ring burst every 6 s (2 s on, 4 s off); the caller hears ringback, a
// callee modem gets RING; a service answers at the end of its n-th burst. On a callback
// leg the called modem gets RING (caller ID: the service's number) and the service gives
// up when the ninth burst would start.
void exchange::ring_burst(const std::shared_ptr<call>& c, unsigned n) {
  if (c->ph != call::phase::ringing) return;
  const auto& t = opt_.timing;
  if (c->callback) {
    const std::size_t k = c->caller;
    notify(k, line_event::ring, 0, digits_of(c->service->number));
    schedule(now_ + t.ring_on, [this, k] { touch(k).on_line_event(line_event::ring_end, now_); });
    if (n >= c->max_rings) {
      schedule(now_ + t.ring_on + t.ring_off, [this, c] {
        if (c->ph == call::phase::ringing) clear_call(c, -1);
      });
      return;
    }
    schedule(now_ + t.ring_on + t.ring_off, [this, c, n] { ring_burst(c, n + 1); });
    return;
  }
  notify(c->caller, line_event::ringback);
  if (c->callee_modem >= 0) {
    const auto k = static_cast<std::size_t>(c->callee_modem);
    notify(k, line_event::ring, 0, own_number(c->caller));
    schedule(now_ + t.ring_on, [this, k] { touch(k).on_line_event(line_event::ring_end, now_); });
  }
  if (c->service && c->service->kind != service_kind::no_answer && n >= c->service->rings) {
    schedule(now_ + t.ring_on, [this, c] {
      if (c->ph == call::phase::ringing) start_training(c);
    });
    return;
  }
  schedule(now_ + t.ring_on + t.ring_off, [this, c, n] { ring_burst(c, n + 1); });
}

void exchange::on_answer(std::size_t i) {
  auto c = lines_[i].active;
  if (!c || c->ph != call::phase::ringing) return;
  const bool called = c->callback ? c->caller == i : c->callee_modem == static_cast<int>(i);
  if (!called) return;
  start_training(c);
}

void exchange::start_training(const std::shared_ptr<call>& c) {
  const auto& t = opt_.timing;
  if (c->service && c->service->kind == service_kind::voice) {
    c->ph = call::phase::training;  // off-hook, but nobody will ever send a carrier
    notify(c->caller, line_event::voice);
    return;
  }
  c->ph = call::phase::training;
  if (!c->callback) notify(c->caller, line_event::answered);  // (a callback: `caller` answered)
  unsigned rate = lines_[c->caller].m->max_rate();
  if (c->callee_modem >= 0)
    rate = std::min(rate, lines_[static_cast<std::size_t>(c->callee_modem)].m->max_rate());
  else if (c->service)
    rate = std::min(rate, c->service->rate);
  c->rate = rate;
  sim_duration handshake;
  if (c->service && c->service->kind == service_kind::pdp) {
    handshake = t.pdp_connect;
  } else {
    const sim_duration train = rate > 14400 ? t.train_v34 : rate > 2400 ? t.train_v32 : t.train_v22;
    handshake = t.billing_delay + t.answer_tone + train;
  }
  schedule(now_ + handshake, [this, c] {
    if (c->ph != call::phase::training) return;
    c->ph = call::phase::connected;
    c->free_at[0] = c->free_at[1] = static_cast<double>(now_.count());
    notify(c->caller, line_event::carrier, c->rate);
    if (c->callee_modem >= 0)
      notify(static_cast<std::size_t>(c->callee_modem), line_event::carrier, c->rate);
    if (c->service && c->service->retrain_every.count() > 0) schedule_retrain(c);
    if (c->service) {
      c->svc = std::make_unique<service_state>();
      c->svc->kind = c->service->kind;
      c->svc->calling_back = c->callback;
      switch (c->service->kind) {
        case service_kind::login:
          transmit(c, 1, "\r\nWelcome to the dialup hw-sim login service.\r\n\r\nlogin: ");
          break;
        case service_kind::callback:
          transmit(c, 1, c->callback
                             ? "\r\nThis is the dialup hw-sim calling you back.\r\n\r\nlogin: "
                             : "\r\nWelcome to the dialup hw-sim callback service.\r\n\r\nlogin: ");
          break;
        case service_kind::carrier_drop:
          schedule(now_ + c->service->drop_after, [this, c] {
            if (c->ph == call::phase::connected) clear_call(c, -1);
          });
          break;
        case service_kind::program:
          if (!hooks_.start) {
            clear_call(c, -1);  // nobody can run it: the far end hangs up at once
            break;
          }
          programs_[c->id] = c;
          hooks_.start(c->id, *c->service);
          break;
        default:
          break;
      }
    }
  });
}

void exchange::on_send(std::size_t i, std::string_view data) {
  auto c = lines_[i].active;
  if (!c || c->ph != call::phase::connected) return;
  transmit(c, c->caller == i ? 0 : 1, data);
}

// Paces data at the connect rate: 10 bits per character, each direction a queue that
// is busy until free_at. Delivered in small chunks so a long write trickles out.
void exchange::transmit(const std::shared_ptr<call>& c, int dir, std::string_view data) {
  if (c->ph != call::phase::connected || data.empty()) return;
  const double char_ms = 10000.0 / std::max(1u, c->rate);
  constexpr std::size_t k_chunk = 16;
  for (std::size_t off = 0; off < data.size(); off += k_chunk) {
    const std::string piece(data.substr(off, k_chunk));
    const double start = std::max(c->free_at[dir], static_cast<double>(now_.count()));
    c->free_at[dir] = start + char_ms * static_cast<double>(piece.size());
    const sim_time at{static_cast<long long>(std::ceil(c->free_at[dir]))};
    schedule(at, [this, c, dir, piece] { deliver(c, dir, piece); });
  }
}

void exchange::deliver(const std::shared_ptr<call>& c, int dir, const std::string& data) {
  if (c->ph != call::phase::connected) return;
  if (dir == 1) {
    std::string d = data;
    if (c->service && c->service->kind == service_kind::noisy) {
      // Line noise: flip a bit in a byte with probability error_rate (xorshift32).
      for (auto& ch : d) {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 17;
        rng_ ^= rng_ << 5;
        if (static_cast<double>(rng_ % 1000000) / 1e6 < c->service->error_rate)
          ch = static_cast<char>(ch ^ (1 << (rng_ % 8)));
      }
    }
    touch(c->caller).on_remote_data(d, now_);
    return;
  }
  if (c->callee_modem >= 0) {
    touch(static_cast<std::size_t>(c->callee_modem)).on_remote_data(data, now_);
    return;
  }
  if (!c->svc) return;
  auto& s = *c->svc;
  switch (s.kind) {
    case service_kind::echo:
    case service_kind::carrier_drop:
    case service_kind::noisy:
      transmit(c, 1, data);
      break;
    case service_kind::login:
    case service_kind::callback:
      login_input(c, data);
      break;
    case service_kind::program:
      if (hooks_.input && programs_.count(c->id)) hooks_.input(c->id, data);
      break;
    default:
      break;  // discard, pdp
  }
}

// The login and callback services' dialogue (diagram at the top), fed the caller's data.
void exchange::login_input(const std::shared_ptr<call>& c, std::string_view data) {
  using step = service_state::login_step;
  auto& s = *c->svc;
  for (std::size_t k = 0; k < data.size(); ++k) {
    const char ch = data[k];
    if (s.step == step::hanging_up) return;
    // CR LF is one line end: the LF is dropped (also after the line that logged in, so
    // it is not echoed, and after a password, so it is not taken for an empty line).
    if (ch == '\n' && s.after_cr) {
      s.after_cr = false;
      continue;
    }
    if (s.step == step::online) {
      s.after_cr = false;
      transmit(c, 1, data.substr(k));
      return;
    }
    s.after_cr = ch == '\r';
    if (ch == '\r' || ch == '\n') {
      if (s.input.empty() && s.step == step::user) continue;
      login_line(c);
    } else if (ch == '\b' || ch == 0x7f) {
      if (!s.input.empty()) s.input.pop_back();
    } else if (s.input.size() < 64) {
      s.input += ch;
      // The login name and the callback number are echoed; passwords are not.
      if (s.step == step::user || s.step == step::callback_number) transmit(c, 1, std::string(1, ch));
    }
  }
}

// One complete line of the dialogue.
void exchange::login_line(const std::shared_ptr<call>& c) {
  using step = service_state::login_step;
  auto& s = *c->svc;
  std::string line;
  line.swap(s.input);
  switch (s.step) {
    case step::user:
      s.user = std::move(line);
      s.step = step::password;
      transmit(c, 1, "\r\nPassword: ");
      return;
    case step::password: {
      const auto a = accounts_.find(s.user);
      if (a == accounts_.end() || a->second.password != line) {
        s.step = step::user;
        transmit(c, 1, "\r\nLogin incorrect\r\n\r\nlogin: ");
      } else if (a->second.expired) {
        s.step = step::new_password;
        transmit(c, 1, "\r\nYour password has expired. You must change it now.\r\nNew password: ");
      } else {
        login_accepted(c, "");
      }
      return;
    }
    case step::new_password:
      s.new_password = std::move(line);
      s.step = step::retype_password;
      transmit(c, 1, "\r\nRetype new password: ");
      return;
    case step::retype_password: {
      std::string first;
      first.swap(s.new_password);
      if (line.empty() || line != first) {
        s.step = step::user;
        transmit(c, 1, "\r\nSorry, passwords do not match.\r\n\r\nlogin: ");
        return;
      }
      accounts_[s.user] = account{line, false};  // for every later call, on both services
      login_accepted(c, "\r\nPassword changed.\r\n");
      return;
    }
    case step::callback_number: {
      if (line.empty()) {
        s.step = step::online;
        transmit(c, 1, "\r\nNo callback.\r\n\r\nWelcome, " + s.user +
                           ". You are logged in to the dialup hw-sim.\r\n"
                           "Everything you type is echoed back.\r\n");
        return;
      }
      s.step = step::hanging_up;
      transmit(c, 1, "\r\nCalling you back at " + line + ".\r\n");
      // The text is through when its last piece arrives (transmit() booked the line up to
      // free_at[1]); 1 s later the service hangs up, and callback_delay after that it
      // calls back, even if the caller has hung up first.
      const sim_time hang_up =
          sim_time{static_cast<long long>(std::ceil(c->free_at[1]))} + k_callback_hang_up;
      schedule(hang_up, [this, c] {
        if (c->ph == call::phase::connected) clear_call(c, -1);
      });
      schedule(hang_up + c->service->callback_delay,
               [this, e = *c->service, number = std::move(line)] { place_callback(e, number); });
      return;
    }
    case step::online:
    case step::hanging_up:
      return;
  }
}

// A right (or a just changed) password; `said` is what the service has just said about
// it. The callback service asks for the number on its first leg; otherwise: logged in.
void exchange::login_accepted(const std::shared_ptr<call>& c, const std::string& said) {
  using step = service_state::login_step;
  auto& s = *c->svc;
  if (s.kind == service_kind::callback && !s.calling_back) {
    s.step = step::callback_number;
    transmit(c, 1, said + "\r\nCallback number: ");
    return;
  }
  s.step = step::online;
  transmit(c, 1, (said.empty() ? std::string("\r\n") : said) + "\r\nWelcome" +
                     (s.calling_back ? " back, " : ", ") + s.user +
                     ". You are logged in to the dialup hw-sim.\r\n"
                     "Everything you type is echoed back.\r\n");
}

void exchange::program_output(std::uint64_t id, std::string_view data, sim_time now) {
  advance(now);
  const auto it = programs_.find(id);
  if (it == programs_.end()) return;
  if (auto c = it->second.lock()) transmit(c, 1, data);
  advance(now);
}

void exchange::program_exited(std::uint64_t id, sim_time now) {
  advance(now);
  const auto it = programs_.find(id);
  if (it == programs_.end()) return;
  auto c = it->second.lock();
  programs_.erase(it);  // exited: no stop() for it
  if (c) {
    // What the program wrote before it exited is still on the line (transmit() paces it at
    // the connect rate): the far end hangs up once that has gone, as a remote that sends
    // its last words and then hangs up. Clearing at once lost them ("got:abc" never came).
    const sim_time drained{static_cast<long long>(std::ceil(c->free_at[1]))};
    if (drained > now_) {
      schedule(drained, [this, c] {
        if (c->ph == call::phase::connected) clear_call(c, -1);
      });
    } else {
      clear_call(c, -1);
    }
  }
  advance(now);
}

// Clears a call. by_modem is the line that hung up (it needs no notice), or -1 when
// the network/service cleared it (both modems are told).
void exchange::clear_call(const std::shared_ptr<call>& c, int by_modem) {
  if (c->ph == call::phase::cleared) return;
  const auto prev = c->ph;
  c->ph = call::phase::cleared;
  const bool up = prev == call::phase::training || prev == call::phase::connected;
  if (static_cast<int>(c->caller) != by_modem) {
    if (up) notify(c->caller, line_event::carrier_lost);
    // A callback leg that rang the modem and was not answered.
    else if (c->callback && prev == call::phase::ringing) notify(c->caller, line_event::ring_stopped);
  }
  if (c->callee_modem >= 0 && c->callee_modem != by_modem) {
    const auto k = static_cast<std::size_t>(c->callee_modem);
    notify(k, up ? line_event::carrier_lost : line_event::ring_stopped);
  }
  if (const auto it = programs_.find(c->id); it != programs_.end()) {
    programs_.erase(it);
    if (hooks_.stop) hooks_.stop(c->id);
  }
  if (lines_[c->caller].active == c) lines_[c->caller].active.reset();
  if (c->callee_modem >= 0 && lines_[static_cast<std::size_t>(c->callee_modem)].active == c)
    lines_[static_cast<std::size_t>(c->callee_modem)].active.reset();
}

}  // namespace dialup::hwsim
