// dialup::call_diagnostics — what a modem says about its last call, decoded: the Unimodem
// diagnostic command AT#UD (Microsoft's "Unimodem Diagnostic Command Specification"), the
// U.S. Robotics link reports ATI6 and ATI11, and the Conexant AT&V1 statistics
// (docs/modem-behaviour.md §6, docs/diag.md §4).
//
// The decoders are parsers with no I/O (docs/architecture.md contract 6): the modem's answer
// goes in through feed(), in pieces of any size, and result() gives what it said. Lines end
// at CR or LF; empty lines and the echo of the command are skipped; a final OK or ERROR ends
// the answer.
//
// Nothing is invented: a field the modem did not give stays empty (nullopt), and a value
// that cannot be read is left out and named in `problems` ("line 3: key 10: value 'XZ' is
// not hexadecimal"). An answer that is malformed, cut short (no final OK, a line cut in the
// middle) or longer than max_answer is a partial result: complete is false, and what could
// be read before the fault is kept. One derived value is marked as such: AT#UD has no SNR
// key, so snr_db there is received power minus noise (keys 10 and 12), snr_derived true.
//
// Thread safety: a decoder is a plain value; use one from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dialup {

enum class diag_format {
  unimodem_ud,   // AT#UD: "DIAG <2A4D3263 k=v ...>" lines
  usr_i6,        // ATI6: "... Link Diagnostics...", two columns of counters
  usr_i11,       // ATI11: V.34/V.90 connection diagnostics
  conexant_v1,   // AT&V1: "LABEL....... value"
};
std::string_view to_string(diag_format f) noexcept;  // "AT#UD", "ATI6", "ATI11", "AT&V1"
// The command that asks for `f`.
std::string_view diag_command(diag_format f) noexcept;

struct call_diagnostics {
  diag_format format = diag_format::unimodem_ud;
  // The answer ended in OK and every line was read; false for a partial result.
  bool complete = false;
  bool error_reply = false;  // the modem answered ERROR (it does not know the command)
  std::vector<std::string> problems;  // "line N: reason", in input order

  // The line, as the modem measured it.
  std::optional<std::uint32_t> tx_rate, rx_rate;                  // final, bit/s
  std::optional<std::uint32_t> initial_tx_rate, initial_rx_rate;  // bit/s
  std::optional<std::uint32_t> highest_tx_rate, highest_rx_rate;  // bit/s (AT&V1)
  std::optional<std::string> tx_modulation, rx_modulation;        // "V.34", "V.90 issue 1"
  std::optional<std::uint32_t> tx_symbol_rate, rx_symbol_rate;    // symbols/s
  std::optional<double> rx_level_dbm, tx_level_dbm;               // signal power (negative)
  std::optional<double> noise_dbm;                                // estimated noise level
  std::optional<double> snr_db;
  bool snr_derived = false;                                       // see above
  std::optional<double> near_echo_loss_db, far_echo_loss_db;
  std::optional<std::uint32_t> round_trip_ms;
  std::optional<std::uint32_t> line_quality;                      // AT&V1: lower is better
  std::optional<std::uint32_t> mse;                               // AT#UD key 13

  // Events of the call.
  std::optional<std::uint32_t> retrains_requested, retrains_granted;
  std::optional<std::uint32_t> rate_renegotiations;
  std::optional<std::uint32_t> carrier_losses;                    // temporary, AT#UD key 30
  std::optional<std::uint32_t> speed_shifts_up, speed_shifts_down;  // ATI11
  std::optional<std::uint32_t> block_errors, blocks_resent, link_timeouts, link_naks;

  // Data.
  std::optional<std::uint64_t> chars_sent, chars_received;        // from / to the DTE
  std::optional<std::uint64_t> chars_lost_tx, chars_lost_rx;
  std::optional<std::string> protocol, compression;               // as the modem names them

  // How the call was set up and ended.
  std::optional<std::uint32_t> setup_result;       // AT#UD key 1
  std::optional<std::string> setup_text;           // its meaning
  std::optional<std::uint32_t> termination_code;   // AT#UD key 60 (V.58 callCleared)
  std::optional<std::string> termination;          // the cause in words (any format)
  std::optional<std::string> call_duration;        // ATI6 "Last Call hh:mm:ss"
  std::optional<std::string> spec_revision;        // AT#UD key 0 ("1.0")

  // AT#UD: every key as sent (value text, quotes kept), for what is not decoded above.
  std::map<std::uint32_t, std::string> ud_keys;

  // The line rate: the final receive rate, else the transmit one.
  std::optional<std::uint32_t> line_rate() const { return rx_rate ? rx_rate : tx_rate; }
  // The retrain count: granted, else requested, else ATI11's speed shifts.
  std::optional<std::uint32_t> retrains() const;
};

// AT#UD key 60 (V.58 callCleared) and key 1 (call-setup result) in words; "" when unknown.
std::string_view ud_termination_text(std::uint32_t code) noexcept;
std::string_view ud_setup_text(std::uint32_t code) noexcept;
// AT#UD keys 20/21 (carrier negotiation result); "" when unknown.
std::string_view ud_modulation_text(std::uint32_t code) noexcept;

class call_diagnostics_decoder {
 public:
  // More than this many bytes: the rest is ignored and the result is partial.
  static constexpr std::size_t max_answer = 16 * 1024;
  // A line longer than this is cut there and reported.
  static constexpr std::size_t max_line = 512;

  explicit call_diagnostics_decoder(diag_format f);

  void feed(std::string_view bytes);
  // The final OK or ERROR has been read: further input is ignored.
  bool done() const noexcept { return done_; }
  // What was decoded. Before done() (the answer stopped early) the unfinished last line
  // is read too and the result is partial.
  call_diagnostics result() const;

 private:
  void line(std::string_view text, bool finished_line);

  call_diagnostics out_;
  std::string pending_;
  std::size_t fed_ = 0;
  std::size_t lines_ = 0;
  bool done_ = false;
  bool overflow_ = false;
  bool ok_ = false;
  bool header_seen_ = false;     // the line a complete answer must have (see result())
  bool line_cut_ = false;        // the current line went past max_line
};

// The whole answer at once.
call_diagnostics decode_call_diagnostics(diag_format f, std::string_view answer);

}  // namespace dialup
