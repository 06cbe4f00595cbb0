// dialup::probe — finding the modems on a set of ports and telling what they are, as
// `dialup probe` does (docs/probe.md).
//
// Per port, in this order (docs/probe.md §2):
//   1. skip_reason(): a port the user excluded, /dev/ttyS0 when it was not named (often the
//      system console or a board's debug UART), a USB device known not to be a modem
//      (GPS receivers, boards' debug consoles, Arduinos: non_modem_usb_device());
//   2. probe_port_opener::holder(): a port another program holds by its UUCP lock is
//      reported ("held by minicom (pid 1234)") and never opened;
//   3. the opener opens it (the driver reads its termios at open and puts them back at close);
//   4. the speed search: "AT" at each speed of probe_options::speeds, high to low, each
//      answer awaited probe_options::answer_timeout; no OK at any speed and the port is left
//      alone (silence: no_answer; bytes that are not AT replies: garbage);
//   5. ATQ0 V1 E1, then wvdialconf's cumulative init test (docs/peers.md §1.1): each of
//      S0=0 &C1 &D2 +FCLASS=0 is sent with everything accepted so far and kept when the
//      modem answers OK; the init string is what was kept;
//   6. identification: ATI0..ATI4, AT+GMI, AT+GMM, AT+GMR, AT+GSN (V.250 §6.1.3-§6.1.7);
//   7. a 3GPP modem (it answers AT+CPIN?, 3GPP TS 27.007 §8.3): AT+CGSN (the IMEI, §5.4),
//      AT+CSQ (§8.5), AT+CREG? (§7.2), AT+CGREG? (§10.1.20) — the replies are kept as the
//      modem sent them and as dialup::cellular's parsers read them.
// Every command has its own deadline and the whole port one more (port_deadline). Silence,
// garbage, an ERROR, a port that vanishes mid-probe end that port's probe with a result
// that says so; the other ports go on.
//
// Threading: async_probe() runs every port at once on the executor it is given (one thread,
// no thread per port), each port a composed operation of its own. The completion handler
// runs through that executor (or the handler's associated one), never inside the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "dialup/engine/cellular.hpp"
#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/transport.hpp"
#include "dialup/engine/virtual_clock.hpp"

namespace dialup {

// The open port the prober talks to: a transport whose speed can be changed while it is
// open. Threading as transport.
class probe_transport : public transport {
 public:
  // Sets the line speed and discards what is buffered either way. A port without a speed
  // of its own (a remote port whose server keeps it) answers operation_not_supported and
  // is searched at its one speed.
  virtual std::error_code set_speed(std::uint32_t bps) = 0;
  // Whether close() put back every setting the port had when it was opened.
  virtual bool restored() const = 0;
};

// How the prober reaches ports. Drivers provide the real one (dialup/drivers/probe_port.hpp);
// tests wrap it.
class probe_port_opener {
 public:
  using open_handler = std::function<void(std::error_code, std::unique_ptr<probe_transport>)>;
  virtual ~probe_port_opener() = default;
  // Who holds `port` ("minicom (pid 1234)"), without opening it; empty when nobody does.
  virtual std::string holder(const std::string& port) = 0;
  // Opens `port` at `bps`; h runs through `ex`, never inside this call.
  virtual void async_open(const std::string& port, std::uint32_t bps, boost::asio::any_io_executor ex,
                          open_handler h) = 0;
};

// A port to probe and what is known of it before it is opened (from port enumeration).
struct probe_candidate {
  std::string port;       // as the user gave it, or the enumerated path
  std::string real_path;  // the device it resolves to ("" = same as port)
  bool named = false;     // the user named it on the command line
  std::optional<std::uint16_t> vid, pid;  // USB ids, when it is a USB port
  std::string driver;     // the kernel driver of the tty ("cdc_acm", "garmin_gps", ...)
};

struct probe_options {
  // The speed search, high to low (docs/probe.md §2.4). A speed the port refuses is skipped.
  std::vector<std::uint32_t> speeds = {115200, 57600, 38400, 19200, 9600, 2400};
  // How long the first AT waits for its OK at each speed.
  std::chrono::milliseconds answer_timeout{500};
  // How long each later command waits for its final reply.
  std::chrono::milliseconds command_timeout{1000};
  // The whole of one port, open to close.
  std::chrono::milliseconds port_deadline{20000};
  // This many bytes from the port without an AT reply in them: the port is spewing
  // something else (a GPS, a console) and is left at once (ModemManager's "spew control",
  // docs/peers.md §2.2).
  std::size_t garbage_limit = 2048;
  // Ports never opened (compared with probe_candidate::port and real_path).
  std::vector<std::string> exclude;
  // USB devices never opened unless named (the user's config: probe.exclude_usb), as
  // {vendor, product}.
  std::vector<std::pair<std::uint16_t, std::uint16_t>> exclude_usb;
  // Engine clock for the deadlines; null for real time.
  std::shared_ptr<virtual_clock> clock;
};

// What the modem said about itself. Each string is the modem's information text, lines
// joined with "; ", or "" when it answered ERROR or nothing.
struct probe_answers {
  std::string usb_id;        // "vvvv:pppp" lower-case hex, "" when not USB
  std::string manufacturer;  // AT+GMI (AT+CGMI for a 3GPP modem that refuses +GMI)
  std::string model;         // AT+GMM
  std::string revision;      // AT+GMR
  std::string serial;        // AT+GSN; a 3GPP modem's AT+CGSN (the IMEI)
  std::vector<std::string> ati;  // ATI0..ATI4, index = n
  bool cellular = false;     // answered AT+CPIN? with OK
};

// A 3GPP modem's replies, as sent (the information line of each, "" when refused), and
// what dialup::cellular's parsers read in them (empty when a reply was refused or malformed).
struct probe_cellular_replies {
  std::string cpin;   // "+CPIN: READY", or the "+CME ERROR: 10" given instead
  std::string csq;    // "+CSQ: 20,99"
  std::string creg;   // "+CREG: 0,1"
  std::string cgreg;  // "+CGREG: 0,1"
  std::optional<cellular::sim_state> sim;        // 27.007 §8.3
  std::optional<int> signal_dbm;                 // §8.5: rssi 0 -> -113 dBm, 31 -> -51, 99 unknown
  std::optional<cellular::registration> circuit; // +CREG, §7.2
  std::optional<cellular::registration> packet;  // +CGREG, §10.1.20
};

enum class probe_outcome {
  modem,      // answered AT: the answers below are filled
  skipped,    // not opened: excluded, held by another program, ttyS0, a known non-modem device
  no_answer,  // opened; silent at every speed
  garbage,    // opened; bytes, but no AT reply
  vanished,   // the device went away during the probe
  timed_out,  // the port deadline ran out (what was learnt so far is kept)
  failed,     // the port could not be opened (permission, not a tty, ...)
};
std::string_view to_string(probe_outcome o) noexcept;

struct probe_result {
  probe_candidate candidate;
  probe_outcome outcome = probe_outcome::failed;
  std::string detail;        // why, in words: "held by minicom (pid 1234)", "silent at 115200..2400"
  std::error_code error;     // the open's or the port's error, when there was one
  std::uint32_t speed = 0;   // the highest speed that answered AT
  probe_answers answers;
  std::vector<std::string> init_accepted;  // "Q0", "V1", "E1", "S0=0", "&C1", "&D2", "+FCLASS=0"
  std::vector<std::string> init_refused;
  std::string init;          // the init string built from what was accepted ("ATQ0V1E1S0=0&C1&D2")
  std::optional<probe_cellular_replies> cellular;
  bool termios_restored = true;  // false: the driver could not put the port's settings back
  std::chrono::milliseconds elapsed{0};
};

// The reason a candidate is not to be opened at all, or "" (docs/probe.md §3).
std::string skip_reason(const probe_candidate& c, const probe_options& o);

// Whether a USB device is known not to be a modem; returns what it is ("an Arduino board"),
// or "". The list is short and sourced (ModemManager's 77-mm-usb-device-blacklist.rules).
std::string non_modem_usb_device(std::uint16_t vid, std::uint16_t pid, const std::string& driver);

// The init string from the accepted commands: "AT" + each, in order ("ATQ0V1E1&C1&D2").
std::string build_init_string(const std::vector<std::string>& accepted);

// Which profile a probed modem is (docs/probe.md §4). Score: USB id 100, model (+GMM) 40,
// manufacturer (+GMI) 20, an ATI line 10, a 3GPP modem and a cellular profile 5; the
// highest total wins, the first in `profiles` on a tie. No match: "generic", score 0.
struct identification {
  std::string profile;
  int score = 0;
  std::vector<std::string> reasons;  // "usb id 0572:1329 matches conexant", "no match: generic"
};
identification identify(const probe_answers& answers, std::span<const modem_profile> profiles);

// The profile a probe suggests for the modem it found (docs/probe.md §5): `base` (the profile
// identify() chose) with the init string the modem accepted in place of base.init (kept when
// nothing was accepted), identify patterns taken from the answers (the USB id, +GMI, +GMM),
// cellular settings enabled for a 3GPP modem, and the given name. What a profile file
// written from a probe holds.
modem_profile profile_from_probe(const probe_result& r, const modem_profile& base, std::string name);

// Probes every candidate at once on `ex` and completes with one result per candidate, in
// the candidates' order. Signature: void(std::vector<probe_result>). The opener must outlive
// the operation.
void async_probe_ports(boost::asio::any_io_executor ex, probe_port_opener& opener,
                       std::vector<probe_candidate> candidates, probe_options options,
                       std::function<void(std::vector<probe_result>)> handler);

template <typename CompletionToken>
auto async_probe(boost::asio::any_io_executor ex, probe_port_opener& opener,
                 std::vector<probe_candidate> candidates, probe_options options, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(std::vector<probe_result>)>(
      [ex, &opener](auto handler, std::vector<probe_candidate> c, probe_options o) {
        auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler, ex));
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        async_probe_ports(ex, opener, std::move(c), std::move(o),
                          [h, work](std::vector<probe_result> r) mutable {
                            auto hex = boost::asio::get_associated_executor(*h, work.get_executor());
                            boost::asio::dispatch(hex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
                            work.reset();
                          });
      },
      token, std::move(candidates), std::move(options));
}

}  // namespace dialup
