// The probe of one port, as a composed operation on the engine's executor (docs/probe.md §2),
// and async_probe_ports(), which runs one per port at once.
//
//   skip? ──yes──> skipped                 (never opened)
//    │no
//   held? ──yes──> skipped "held by ..."   (never opened)
//    │no
//   open ──fail──> failed
//    │
//   speed: AT at speeds[0], speeds[1], ... ──none──> no_answer | garbage
//    │OK                    (bytes past garbage_limit with no reply ──> garbage at once)
//   base: ATQ0V1E1
//   init: AT<accepted><next option>, for S0=0 &C1 &D2 +FCLASS=0
//   ati:  ATI0 .. ATI4
//   ident: +GMI +GMM +GMR +GSN (a refusal: +CGMI +CGMM +CGMR)
//   cpin: AT+CPIN? ──ERROR──> done (not a 3GPP modem)
//    │OK / +CME ERROR
//   cellular: +CGSN +CSQ +CREG? +CGREG?
//   done ──> modem
//
// Every command has a deadline (the at_channel's, armed once the command is written); the
// port as a whole has port_deadline (timed_out). A port error (the device vanished) ends
// the probe at any step (vanished). One finish() closes the channel and the port — the
// driver puts the port's settings back as it found them — and posts the result.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "dialup/engine/probe.hpp"

namespace dialup {

namespace asio = boost::asio;

namespace {

// wvdialconf's init options, tried in this order after ATQ0 V1 E1 (docs/peers.md §1.1):
// no auto-answer (V.250 §6.3.8), DCD follows the carrier (§6.2.8), DTR drop hangs up
// (§6.2.9), data mode (T.31 / T.32 +FCLASS).
constexpr const char* init_options[] = {"S0=0", "&C1", "&D2", "+FCLASS=0"};
constexpr int ati_count = 5;  // ATI0..ATI4

std::string join_information(const at_reply& r) {
  std::string s;
  for (const auto& l : r.information) {
    if (l.text.empty()) continue;
    if (!s.empty()) s += "; ";
    s += l.text;
  }
  return s;
}

std::string speeds_text(const std::vector<std::uint32_t>& tried) {
  std::string s;
  for (auto v : tried) {
    if (!s.empty()) s += ", ";
    s += std::to_string(v);
  }
  return s;
}

class port_probe : public std::enable_shared_from_this<port_probe> {
 public:
  using done_handler = std::function<void(probe_result)>;

  port_probe(asio::any_io_executor ex, probe_port_opener& opener, probe_candidate c, const probe_options& o,
             done_handler done)
      : ex_(std::move(ex)), opener_(opener), options_(o), done_(std::move(done)), deadline_(ex_, o.clock) {
    result_.candidate = std::move(c);
  }

  void start() {
    started_ = now();
    auto self = shared_from_this();
    const auto& c = result_.candidate;
    if (c.vid && c.pid) {
      char id[16];
      std::snprintf(id, sizeof id, "%04x:%04x", unsigned{*c.vid}, unsigned{*c.pid});
      result_.answers.usb_id = id;
    }
    if (auto why = skip_reason(result_.candidate, options_); !why.empty())
      return finish(probe_outcome::skipped, why);
    // A UUCP lock is read, not taken, to decide: the port of a program that holds it is
    // never opened (opening a tty raises DTR; closing it with HUPCL drops it again).
    if (auto who = opener_.holder(result_.candidate.port); !who.empty())
      return finish(probe_outcome::skipped, "held by " + who);
    if (options_.speeds.empty()) return finish(probe_outcome::failed, "no speeds to try");
    deadline_.expires_after(options_.port_deadline);
    deadline_.async_wait([self](std::error_code ec) {
      if (ec || self->finished_) return;
      self->finish(probe_outcome::timed_out,
                   "no complete answer within " + std::to_string(self->options_.port_deadline.count()) + " ms");
    });
    opener_.async_open(result_.candidate.port, options_.speeds[0], ex_,
                       [self](std::error_code ec, std::unique_ptr<probe_transport> t) {
                         self->opened(ec, std::move(t));
                       });
  }

 private:
  enum class step { speed, base, init, ati, gmi, gmm, gmr, gsn, cpin, cgsn, csq, creg, cgreg };

  std::chrono::steady_clock::time_point now() const {
    return options_.clock ? options_.clock->now() : std::chrono::steady_clock::now();
  }

  void opened(std::error_code ec, std::unique_ptr<probe_transport> t) {
    if (finished_) {
      if (t) t->close();
      return;
    }
    if (ec) {
      result_.error = ec;
      return finish(probe_outcome::failed, "cannot open: " + ec.message());
    }
    port_ = std::shared_ptr<probe_transport>(std::move(t));
    // Timeouts are ours, so the channel never declares the port unresponsive on its own;
    // a short quiet period after a timeout is enough at probe speeds.
    channel_ = std::make_shared<at_channel>(ex_, port_, response_table::generic(), std::chrono::milliseconds(100),
                                            1000, options_.clock);
    std::weak_ptr<port_probe> weak = shared_from_this();
    channel_->on_trace([weak](char dir, std::string_view bytes) {
      auto self = weak.lock();
      if (!self || dir != '<') return;
      self->bytes_in_ += bytes.size();
      if (!self->answered_ && !self->finished_ && self->bytes_in_ > self->options_.garbage_limit)
        asio::post(self->ex_, [self] {
          if (!self->finished_)
            self->finish(probe_outcome::garbage, std::to_string(self->bytes_in_) + " bytes and no AT reply");
        });
    });
    channel_->on_port_error([weak](std::error_code e) {
      auto self = weak.lock();
      if (!self || self->finished_) return;
      self->result_.error = e;
      asio::post(self->ex_, [self] {
        if (!self->finished_) self->finish(probe_outcome::vanished, "the port went away: " + self->result_.error.message());
      });
    });
    channel_->start();
    step_ = step::speed;
    run();
  }

  // Sends one command; the reply (or timed_out) goes to `next`. A port error ends the probe.
  void send(std::string command, std::chrono::milliseconds timeout, bool numeric,
            std::function<void(std::error_code, const at_reply&)> next) {
    at_command_options o;
    o.timeout = timeout;
    o.numeric_codes = numeric;
    channel_->async_command(std::move(command), o,
                            [self = shared_from_this(), next = std::move(next)](std::error_code ec, at_reply r) {
                              if (self->finished_) return;
                              if (ec && ec != std::errc::timed_out) {
                                self->result_.error = ec;
                                return self->finish(probe_outcome::vanished, "the port failed: " + ec.message());
                              }
                              next(ec, r);
                            });
  }

  static bool ok(std::error_code ec, const at_reply& r) { return !ec && r.final.kind == response_kind::ok; }

  void run() {
    const auto ct = options_.command_timeout;
    switch (step_) {
      case step::speed: {
        // The first AT at each speed, high to low (docs/probe.md §2.4).
        while (speed_index_ < options_.speeds.size()) {
          const auto bps = options_.speeds[speed_index_];
          if (speed_index_ > 0) {
            if (auto e = port_->set_speed(bps)) {
              ++speed_index_;
              if (e == std::errc::operation_not_supported) speed_index_ = options_.speeds.size();
              continue;
            }
          }
          tried_.push_back(bps);
          // V0 numeric codes are accepted: a modem left in V0 answers "0" (V.250 §6.2.6).
          return send("AT", options_.answer_timeout, true, [this, bps](std::error_code ec, const at_reply& r) {
            if (!ec && is_final(r.final.kind)) {
              answered_ = true;
              result_.speed = bps;
              step_ = step::base;
            } else {
              ++speed_index_;
            }
            run();
          });
        }
        if (bytes_in_ == 0)
          return finish(probe_outcome::no_answer, "no answer to AT at " + speeds_text(tried_) + " bit/s");
        return finish(probe_outcome::garbage, std::to_string(bytes_in_) + " bytes but no AT reply at " +
                                                  speeds_text(tried_) + " bit/s");
      }
      case step::base:
        // Verbose replies, echo on (the channel tells echo from reply by it), results not
        // suppressed (V.250 §6.2.5, §6.2.6, §6.2.4), as wvdialconf's first stage.
        return send("ATQ0V1E1", ct, true, [this](std::error_code ec, const at_reply& r) {
          if (ok(ec, r)) result_.init_accepted = {"Q0", "V1", "E1"};
          else result_.init_refused.push_back("Q0V1E1");
          step_ = step::init;
          run();
        });
      case step::init: {
        if (init_index_ >= std::size(init_options)) {
          result_.init = build_init_string(result_.init_accepted);
          step_ = step::ati;
          return run();
        }
        const std::string option = init_options[init_index_];
        // Cumulative, as wvdialconf: what was accepted so far plus the next option, so an
        // option that breaks the line as a whole is seen as well as one refused alone.
        return send(build_init_string(result_.init_accepted) + option, ct, false,
                    [this, option](std::error_code ec, const at_reply& r) {
                      if (ok(ec, r)) result_.init_accepted.push_back(option);
                      else result_.init_refused.push_back(option);
                      ++init_index_;
                      run();
                    });
      }
      case step::ati:
        if (ati_index_ >= ati_count) {
          step_ = step::gmi;
          return run();
        }
        return send("ATI" + std::to_string(ati_index_), ct, false, [this](std::error_code ec, const at_reply& r) {
          result_.answers.ati.push_back(ok(ec, r) ? join_information(r) : std::string());
          ++ati_index_;
          run();
        });
      case step::gmi:
        return identity("AT+GMI", "AT+CGMI", result_.answers.manufacturer, step::gmm);
      case step::gmm:
        return identity("AT+GMM", "AT+CGMM", result_.answers.model, step::gmr);
      case step::gmr:
        return identity("AT+GMR", "AT+CGMR", result_.answers.revision, step::gsn);
      case step::gsn:
        return identity("AT+GSN", "", result_.answers.serial, step::cpin);
      case step::cpin:
        return send("AT+CPIN?", ct, false, [this](std::error_code ec, const at_reply& r) {
          // OK, or +CME ERROR (SIM not inserted, 27.007 §9.2): a 3GPP modem either way. A
          // plain ERROR is a modem that does not know the command.
          if (!ec && (r.final.kind == response_kind::ok || r.final.kind == response_kind::cme_error)) {
            result_.answers.cellular = true;
            result_.cellular.emplace();
            result_.cellular->cpin = r.final.kind == response_kind::ok ? join_information(r) : r.final.text;
            step_ = step::cgsn;
            return run();
          }
          finish(probe_outcome::modem, "answers AT at " + std::to_string(result_.speed) + " bit/s");
        });
      case step::cgsn:
        // The IMEI (27.007 §5.4) replaces +GSN's answer, which some modems leave empty.
        return send("AT+CGSN", ct, false, [this](std::error_code ec, const at_reply& r) {
          if (ok(ec, r) && !join_information(r).empty()) result_.answers.serial = join_information(r);
          step_ = step::csq;
          run();
        });
      case step::csq:
        return cellular_query("AT+CSQ", result_.cellular->csq, step::creg);
      case step::creg:
        return cellular_query("AT+CREG?", result_.cellular->creg, step::cgreg);
      case step::cgreg:
        return send("AT+CGREG?", ct, false, [this](std::error_code ec, const at_reply& r) {
          if (ok(ec, r)) result_.cellular->cgreg = join_information(r);
          auto& c = *result_.cellular;
          c.sim = cellular::parse_cpin(c.cpin);
          c.signal_dbm = cellular::csq_to_dbm(c.csq);
          c.circuit = cellular::parse_creg(c.creg);
          c.packet = cellular::parse_creg(c.cgreg);
          finish(probe_outcome::modem, "answers AT at " + std::to_string(result_.speed) + " bit/s");
        });
    }
  }

  // An identity command (V.250 §6.1.4-§6.1.7), and the 3GPP one when it is refused.
  void identity(std::string command, std::string fallback, std::string& into, step next) {
    send(command, options_.command_timeout, false,
         [this, fallback, &into, next](std::error_code ec, const at_reply& r) {
           if (ok(ec, r)) into = join_information(r);
           if (into.empty() && !fallback.empty()) return identity(fallback, "", into, next);
           step_ = next;
           run();
         });
  }

  void cellular_query(std::string command, std::string& into, step next) {
    send(std::move(command), options_.command_timeout, false, [this, &into, next](std::error_code ec, const at_reply& r) {
      if (ok(ec, r)) into = join_information(r);
      step_ = next;
      run();
    });
  }

  void finish(probe_outcome outcome, std::string detail) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    result_.outcome = outcome;
    result_.detail = std::move(detail);
    if (outcome != probe_outcome::modem) {
      // What a port that did not answer AT said in passing is not a modem's answer.
      if (!answered_) result_.speed = 0;
    }
    if (channel_) channel_->stop();
    if (port_) {
      port_->close();  // the driver restores the settings it found at open
      result_.termios_restored = port_->restored();
    }
    result_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now() - started_);
    asio::post(ex_, [self = shared_from_this()]() mutable {
      auto done = std::move(self->done_);
      // The channel and port are let go here, after every handler that refers to them.
      self->channel_.reset();
      self->port_.reset();
      done(std::move(self->result_));
    });
  }

  asio::any_io_executor ex_;
  probe_port_opener& opener_;
  probe_options options_;
  done_handler done_;
  detail::timer deadline_;
  probe_result result_;
  std::shared_ptr<probe_transport> port_;
  std::shared_ptr<at_channel> channel_;
  step step_ = step::speed;
  std::size_t speed_index_ = 0;
  std::vector<std::uint32_t> tried_;
  std::size_t init_index_ = 0;
  int ati_index_ = 0;
  std::size_t bytes_in_ = 0;
  bool answered_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace

void async_probe_ports(asio::any_io_executor ex, probe_port_opener& opener, std::vector<probe_candidate> candidates,
                       probe_options options, std::function<void(std::vector<probe_result>)> handler) {
  struct shared_state {
    std::vector<probe_result> results;
    std::size_t left = 0;
    std::function<void(std::vector<probe_result>)> handler;
  };
  auto st = std::make_shared<shared_state>();
  st->results.resize(candidates.size());
  st->left = candidates.size();
  st->handler = std::move(handler);
  if (candidates.empty()) {
    asio::post(ex, [st] { st->handler({}); });
    return;
  }
  // Every port starts now, on this one executor: the probe of all takes as long as the
  // slowest port, not the sum (docs/probe.md §2).
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto p = std::make_shared<port_probe>(ex, opener, std::move(candidates[i]), options,
                                          [st, i](probe_result r) {
                                            st->results[i] = std::move(r);
                                            if (--st->left == 0) st->handler(std::move(st->results));
                                          });
    asio::post(ex, [p] { p->start(); });
  }
}

}  // namespace dialup
