// `dialup status`: a modem's identity and, for a cellular modem, its SIM, signal, network
// registration and operator (status_command.hpp; docs/cellular.md).
#include "status_command.hpp"

#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include <utility>  // before Asio (a Boost 1.74 header needs it in C++20)
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/cellular.hpp"
#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/port_error.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/text.hpp"

namespace dialup_cli {
namespace {

namespace asio = boost::asio;
namespace cellular = dialup::cellular;

// The first information line of a reply, without the "+CGMI: "-style echo of the command's
// name some modems put in front (27.007 §5.1 allows it).
std::optional<std::string> first_line(const dialup::at_reply& r) {
  for (const auto& l : r.information) {
    std::string_view t = dialup::text::trim(l.text);
    if (t.empty()) continue;
    if (t.front() == '+') {
      if (auto colon = t.find(':'); colon != std::string_view::npos && colon < 8)
        t = dialup::text::trim(t.substr(colon + 1));
    }
    return std::string(t);
  }
  return std::nullopt;
}

// Runs the queries one after the other on the channel, each answered before the next goes.
class status_run {
 public:
  status_run(asio::io_context& io, std::shared_ptr<dialup::at_channel> ch, const status_options& o,
             modem_status& out)
      : io_(io), ch_(std::move(ch)), opt_(o), out_(out),
        profile_(o.profile ? *o.profile : dialup::modem_profile::generic()) {}

  void start() {
    ask("AT", [this](std::error_code ec, const dialup::at_reply& r) {
      if (ec || r.final.kind != dialup::response_kind::ok) {
        failure_ = ec ? ec : std::error_code(dialup::ras_error::wrong_device_attached);
        failure_detail_ = ec ? "the modem does not answer AT: " + ec.message()
                             : "AT answered " + r.final.text + ", not OK";
        io_.stop();
        return;
      }
      identity();
    });
  }

  std::error_code failure() const { return failure_; }
  const std::string& failure_detail() const { return failure_detail_; }

 private:
  using handler = std::function<void(std::error_code, const dialup::at_reply&)>;

  void ask(const std::string& cmd, handler h) {
    ch_->async_command(cmd, dialup::at_command_options{profile_.command_timeout, false},
                       [h = std::move(h)](std::error_code ec, dialup::at_reply r) { h(ec, r); });
  }

  // The answer's first line when the command answered OK.
  static std::optional<std::string> text_of(std::error_code ec, const dialup::at_reply& r) {
    if (ec || r.final.kind != dialup::response_kind::ok) return std::nullopt;
    return first_line(r);
  }

  void identity() {
    ask("AT+GMI", [this](std::error_code ec, const dialup::at_reply& r) {
      out_.manufacturer = text_of(ec, r);
      ask("AT+GMM", [this](std::error_code ec, const dialup::at_reply& r) {
        out_.model = text_of(ec, r);
        ask("AT+GMR", [this](std::error_code ec, const dialup::at_reply& r) {
          out_.revision = text_of(ec, r);
          sim();
        });
      });
    });
  }

  void sim() {
    const auto& c = profile_.cellular;
    ask(c.pin_query, [this](std::error_code ec, const dialup::at_reply& r) {
      std::optional<cellular::sim_state> s;
      if (!ec) {
        if (r.final.kind == dialup::response_kind::ok) {
          for (const auto& l : r.information)
            if ((s = cellular::parse_cpin(l.text))) break;
        } else {
          s = cellular::parse_cpin(r.final.text);
        }
      }
      // Only a 27.007 modem answers +CPIN: or +CME ERROR.
      const bool cme = !ec && r.final.kind == dialup::response_kind::cme_error;
      out_.cellular = opt_.cellular || s.has_value() || cme;
      if (s) out_.sim = std::string(cellular::to_string(*s));
      if (!out_.cellular) {
        io_.stop();
        return;
      }
      signal();
    });
  }

  void signal() {
    ask(profile_.cellular.signal_query, [this](std::error_code ec, const dialup::at_reply& r) {
      if (!ec && r.final.kind == dialup::response_kind::ok)
        for (const auto& l : r.information)
          if (auto dbm = cellular::csq_to_dbm(l.text)) out_.signal_dbm = dbm;
      registration(0);
    });
  }

  void registration(std::size_t i) {
    static const char* const queries[] = {"AT+CREG?", "AT+CGREG?", "AT+CEREG?"};
    if (i >= std::size(queries)) {
      operator_name();
      return;
    }
    ask(queries[i], [this, i](std::error_code ec, const dialup::at_reply& r) {
      if (!ec && r.final.kind == dialup::response_kind::ok) {
        for (const auto& l : r.information) {
          auto reg = cellular::parse_creg(l.text);
          if (!reg) continue;
          const bool better = !out_.registration_stat ||
                              (reg->registered() &&
                               !cellular::is_registered(*out_.registration_stat));
          if (better) {
            out_.registration_stat = reg->stat;
            out_.registration = std::string(reg->text());
          }
        }
      }
      registration(i + 1);
    });
  }

  void operator_name() {
    ask(profile_.cellular.operator_query, [this](std::error_code ec, const dialup::at_reply& r) {
      if (!ec && r.final.kind == dialup::response_kind::ok)
        for (const auto& l : r.information)
          if (auto op = cellular::parse_cops_operator(l.text)) out_.operator_name = op;
      io_.stop();
    });
  }

  asio::io_context& io_;
  std::shared_ptr<dialup::at_channel> ch_;
  const status_options& opt_;
  modem_status& out_;
  const dialup::modem_profile profile_;
  std::error_code failure_;
  std::string failure_detail_;
};

// A channel's error as a RAS error: no answer in time is 638, the port failing 692.
std::error_code as_ras(std::error_code ec) {
  if (ec == std::errc::timed_out) return dialup::ras_error::request_timeout;
  if (ec.category() == dialup::ras_category()) return ec;
  return dialup::ras_error::port_or_device;
}

std::string or_dash(const std::optional<std::string>& s) { return s && !s->empty() ? *s : "-"; }

}  // namespace

void print_status_text(std::ostream& out, const modem_status& s) {
  out << "port          " << s.port << "\n"
      << "manufacturer  " << or_dash(s.manufacturer) << "\n"
      << "model         " << or_dash(s.model) << "\n"
      << "revision      " << or_dash(s.revision) << "\n";
  if (!s.cellular) {
    out << "cellular      no\n";
    return;
  }
  out << "SIM           " << or_dash(s.sim) << "\n"
      << "signal        " << (s.signal_dbm ? std::to_string(*s.signal_dbm) + " dBm" : "-") << "\n"
      << "registration  " << or_dash(s.registration) << "\n"
      << "operator      " << or_dash(s.operator_name) << "\n";
}

void print_status_json(std::ostream& out, const modem_status& s) {
  nlohmann::json j;
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  j["port"] = s.port;
  j["manufacturer"] = opt(s.manufacturer);
  j["model"] = opt(s.model);
  j["revision"] = opt(s.revision);
  j["cellular"] = s.cellular;
  if (s.cellular) {
    j["sim"] = opt(s.sim);
    j["signal_dbm"] = opt(s.signal_dbm);
    j["registration_stat"] = opt(s.registration_stat);
    j["registration"] = opt(s.registration);
    j["registered"] = s.registration_stat && cellular::is_registered(*s.registration_stat);
    j["operator"] = opt(s.operator_name);
  }
  // Invalid UTF-8 from a modem is replaced, not thrown.
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

int status_command(const status_options& o) {
  asio::io_context io;
  dialup::drivers::port_factory factory;
  dialup::port_settings settings;
  settings.baud_rate = o.baud;
  std::unique_ptr<dialup::transport> port;
  std::error_code open_ec;
  factory.async_open(o.port, settings, io.get_executor(),
                     [&](std::error_code ec, std::unique_ptr<dialup::transport> t) {
                       open_ec = ec;
                       port = std::move(t);
                     });
  io.run_for(std::chrono::seconds(30));
  if (open_ec || !port) {
    const auto ras = open_ec ? dialup::ras_error_for_open_failure(open_ec)
                             : std::error_code(dialup::ras_error::request_timeout);
    std::cerr << "dialup status: " << dialup::describe(ras) << ": cannot open " << o.port
              << (open_ec ? ": " + open_ec.message() : std::string()) << "\n";
    return 2;
  }
  std::shared_ptr<dialup::transport> shared(std::move(port));
  const auto profile = o.profile ? *o.profile : dialup::modem_profile::generic();
  auto ch = std::make_shared<dialup::at_channel>(io.get_executor(), shared, profile.responses,
                                                 profile.resync_quiet, profile.max_consecutive_timeouts);
  ch->start();
  modem_status st;
  st.port = o.port;
  status_run run(io, ch, o, st);
  // Every wait has a deadline: each command its own, the whole run this one.
  asio::steady_timer deadline(io, std::chrono::seconds(60));
  bool timed_out = false;
  deadline.async_wait([&](const boost::system::error_code& e) {
    if (e) return;
    timed_out = true;
    io.stop();
  });
  io.restart();
  run.start();
  io.run();
  deadline.cancel();
  ch->stop();
  shared->close();  // restores the port's settings and releases its lock
  if (run.failure() || timed_out) {
    const auto ec = timed_out ? std::error_code(dialup::ras_error::request_timeout) : run.failure();
    std::cerr << "dialup status: " << dialup::describe(as_ras(ec)) << ": "
              << (timed_out ? "the modem took too long" : run.failure_detail()) << "\n";
    return 2;
  }
  if (o.json) print_status_json(std::cout, st);
  else print_status_text(std::cout, st);
  return 0;
}

}  // namespace dialup_cli
