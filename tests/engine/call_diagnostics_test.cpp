// The post-call diagnostics decoders: AT#UD, ATI6, ATI11, AT&V1, each a table of answers
// (well-formed, malformed, cut short), each answer also fed split at every byte boundary.
#include "dialup/engine/call_diagnostics.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace dialup;

namespace {

// Every decoded field as text, so that two results can be compared whole.
std::string summary(const call_diagnostics& d) {
  std::ostringstream o;
  auto f = [&](const char* name, const auto& v) {
    if (v) o << name << '=' << *v << ' ';
  };
  o << "complete=" << d.complete << " error=" << d.error_reply << ' ';
  f("tx", d.tx_rate);
  f("rx", d.rx_rate);
  f("itx", d.initial_tx_rate);
  f("irx", d.initial_rx_rate);
  f("htx", d.highest_tx_rate);
  f("hrx", d.highest_rx_rate);
  f("txmod", d.tx_modulation);
  f("rxmod", d.rx_modulation);
  f("txsym", d.tx_symbol_rate);
  f("rxsym", d.rx_symbol_rate);
  f("rxlvl", d.rx_level_dbm);
  f("txlvl", d.tx_level_dbm);
  f("noise", d.noise_dbm);
  f("snr", d.snr_db);
  f("rtd", d.round_trip_ms);
  f("quality", d.line_quality);
  f("rreq", d.retrains_requested);
  f("rgr", d.retrains_granted);
  f("reneg", d.rate_renegotiations);
  f("up", d.speed_shifts_up);
  f("down", d.speed_shifts_down);
  f("sent", d.chars_sent);
  f("recv", d.chars_received);
  f("lostrx", d.chars_lost_rx);
  f("proto", d.protocol);
  f("comp", d.compression);
  f("setup", d.setup_result);
  f("term", d.termination_code);
  f("why", d.termination);
  f("dur", d.call_duration);
  f("rev", d.spec_revision);
  o << "keys=" << d.ud_keys.size();
  for (const auto& p : d.problems) o << " | " << p;
  return o.str();
}

// Fed whole, and in two pieces split at every byte: the same result each time.
call_diagnostics decode_every_way(diag_format f, const std::string& answer) {
  const auto whole = decode_call_diagnostics(f, answer);
  const auto expected = summary(whole);
  for (std::size_t cut = 0; cut <= answer.size(); ++cut) {
    call_diagnostics_decoder d(f);
    d.feed(std::string_view(answer).substr(0, cut));
    d.feed(std::string_view(answer).substr(cut));
    INFO("split at byte " << cut);
    REQUIRE(summary(d.result()) == expected);
  }
  // One byte at a time.
  call_diagnostics_decoder d(f);
  for (char c : answer) d.feed(std::string_view(&c, 1));
  REQUIRE(summary(d.result()) == expected);
  return whole;
}

bool has_problem(const call_diagnostics& d, const std::string& text) {
  for (const auto& p : d.problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

// docs/modem-behaviour.md §6.1's illustrative answer, byte for byte as a modem frames it.
const std::string k_reference_ud =
    "\r\nDIAG <2A4D3263 0=10>\r\n"
    "\r\nDIAG <2A4D3263 1=7 2=0 3=0>\r\n"
    "\r\nDIAG <2A4D3263 10=14 11=C 12=37 17=28>\r\n"
    "\r\nDIAG <2A4D3263 20=C 21=E 26=6720 27=BB80 34=6720 35=BB80>\r\n"
    "\r\nDIAG <2A4D3263 31=0 32=0 33=0 60=51>\r\n"
    "\r\nOK\r\n";

}  // namespace

TEST_CASE("AT#UD: the reference's answer decodes key by key") {
  const auto d = decode_every_way(diag_format::unimodem_ud, k_reference_ud);
  CHECK(d.complete);
  CHECK(d.problems.empty());
  CHECK(d.spec_revision == "1.0");
  CHECK(d.setup_result == 7u);
  CHECK(d.setup_text == "data answering signal");
  CHECK(d.rx_level_dbm == -20.0);   // 0x14
  CHECK(d.tx_level_dbm == -12.0);   // 0xC
  CHECK(d.noise_dbm == -55.0);      // 0x37
  CHECK(d.snr_db == 35.0);          // derived: -20 - -55
  CHECK(d.snr_derived);
  CHECK(d.round_trip_ms == 40u);    // 0x28
  CHECK(d.tx_modulation == "V.34");
  CHECK(d.rx_modulation == "V.90 issue 1");
  CHECK(d.initial_tx_rate == 26400u);
  CHECK(d.initial_rx_rate == 48000u);
  CHECK(d.tx_rate == 26400u);
  CHECK(d.rx_rate == 48000u);
  CHECK(d.line_rate() == 48000u);
  CHECK(d.retrains() == 0u);
  CHECK(d.rate_renegotiations == 0u);
  CHECK(d.termination_code == 0x51u);
  CHECK(d.termination == "DTE hang-up command (ATH)");
  CHECK(d.ud_keys.size() == 18);
}

TEST_CASE("AT#UD: one key per line, the echo and numeric OK, quoted strings") {
  const std::string a =
      "AT#UD\r\r\nDIAG <2A4D3263 0=10>\r\nDIAG <2A4D3263 1=3>\r\nDIAG <2A4D3263 4=\"C1 05 90\">\r\n"
      "DIAG <2A4D3263 60=33>\r\nDIAG <2A4D3263 52=FFFFFFFF 53=0>\r\n0\r";
  const auto d = decode_every_way(diag_format::unimodem_ud, a);
  CHECK(d.complete);
  CHECK(d.setup_text == "busy");
  CHECK(d.termination == "engaged (busy) tone");
  CHECK(d.ud_keys.at(4) == "\"C1 05 90\"");
  CHECK(d.chars_sent == 0xFFFFFFFFull);
  CHECK(d.chars_received == 0u);
  CHECK_FALSE(d.line_rate());
}

TEST_CASE("AT#UD: the log cleared (no previous call)") {
  const auto d = decode_every_way(diag_format::unimodem_ud,
                                  "\r\nDIAG <2A4D3263 0=10>\r\n\r\nDIAG <2A4D3263 1=0 60=1>\r\n\r\nOK\r\n");
  CHECK(d.complete);
  CHECK(d.setup_text == "no previous call");
  CHECK(d.termination == "no previous call");
  CHECK_FALSE(d.rx_rate);
}

TEST_CASE("AT#UD: malformed and cut-short answers give partial results that say why") {
  struct vec {
    const char* name;
    std::string answer;
    const char* problem;
    std::size_t keys;  // the keys still read
  };
  const vec vectors[] = {
      {"cut in the middle of a line", "\r\nDIAG <2A4D3263 0=10>\r\n\r\nDIAG <2A4D3263 1=7 2=0 3",
       "has no '=value'", 3},
      {"cut in a value", "\r\nDIAG <2A4D3263 0=10>\r\n\r\nDIAG <2A4D3263 34=67", "the value is cut short", 1},
      {"no final OK", "\r\nDIAG <2A4D3263 0=10>\r\n", "stopped before its final OK", 1},
      {"a value that is not hex", "\r\nDIAG <2A4D3263 10=XZ 11=C>\r\nOK\r\n", "key 10: value 'XZ' is not hexadecimal", 1},
      {"a key of three digits", "\r\nDIAG <2A4D3263 100=1 11=C>\r\nOK\r\n", "key '100' is not 1-2 hexadecimal", 1},
      {"a wrong key type", "\r\nDIAG <12345678 10=14>\r\nDIAG <2A4D3263 11=C>\r\nOK\r\n", "not 2A4D3263", 1},
      {"no closing bracket", "\r\nDIAG <2A4D3263 10=14 11=C\r\nOK\r\n", "no closing '>'", 2},
      {"a stray line", "\r\nDIAG <2A4D3263 10=14>\r\nNO CARRIER\r\nOK\r\n", "not a DIAG line", 1},
      {"a key twice", "\r\nDIAG <2A4D3263 10=14>\r\nDIAG <2A4D3263 10=15>\r\nOK\r\n", "given twice", 1},
      {"an open quote", "\r\nDIAG <2A4D3263 4=\"C1 05>\r\nOK\r\n", "does not end", 0},
      {"OK alone", "\r\nOK\r\n", "no DIAG line", 0},
  };
  for (const auto& v : vectors) {
    INFO(v.name);
    const auto d = decode_every_way(diag_format::unimodem_ud, v.answer);
    CHECK_FALSE(d.complete);
    CHECK(has_problem(d, v.problem));
    CHECK(d.ud_keys.size() == v.keys);
  }
  // What came before the fault is kept: the cut answer still has its rate.
  const auto d = decode_call_diagnostics(diag_format::unimodem_ud,
                                         "DIAG <2A4D3263 34=6720 35=8340>\r\nDIAG <2A4D3263 60");
  CHECK_FALSE(d.complete);
  CHECK(d.tx_rate == 26400u);
  CHECK(d.rx_rate == 33600u);
  CHECK_FALSE(d.termination_code);
}

TEST_CASE("AT#UD: ERROR (the modem has no #UD) and an answer past the size limit") {
  const auto e = decode_every_way(diag_format::unimodem_ud, "\r\nERROR\r\n");
  CHECK(e.error_reply);
  CHECK_FALSE(e.complete);

  std::string big;
  while (big.size() <= call_diagnostics_decoder::max_answer) big += "\r\nDIAG <2A4D3263 10=14>";
  const auto d = decode_call_diagnostics(diag_format::unimodem_ud, big + "\r\nOK\r\n");
  CHECK_FALSE(d.complete);
  CHECK(has_problem(d, "longer than 16384 bytes"));
  CHECK(d.rx_level_dbm == -20.0);

  const auto l = decode_call_diagnostics(diag_format::unimodem_ud,
                                         "DIAG <2A4D3263 10=14 " + std::string(600, ' ') + "11=C>\r\nOK\r\n");
  CHECK(has_problem(l, "longer than 512 characters"));
  CHECK_FALSE(l.complete);
}

// The USR Courier's ATI6 as hw-sim prints it, in the manual's two-column layout.
const std::string k_ati6 =
    "\r\nUSRobotics Courier V.Everything Link Diagnostics...\r\n\r\n"
    "Chars sent                1234   Chars Received            5678\r\n"
    "Chars lost                   3\r\n"
    "Octets sent               1234   Octets Received           5678\r\n"
    "Blocks sent                  0   Blocks Received              0\r\n"
    "Blocks resent                2\r\n\r\n"
    "Retrains Requested           1   Retrains Granted             1\r\n"
    "Line Reversals               0   Blers                        4\r\n"
    "Link Timeouts                0   Link Naks                    5\r\n\r\n"
    "Data Compression    V42BIS 2048/32\r\n"
    "Equalization        Long\r\n"
    "Fallback            Enabled\r\n"
    "Protocol            LAPM/SREJ\r\n"
    "Speed               48000/28800\r\n"
    "V.90 Peak Speed     50666\r\n"
    "Last Call           00:12:45\r\n\r\n"
    "Disconnect Reason is DTR dropped\r\n"
    "\r\nOK\r\n";

TEST_CASE("ATI6: the counters, protocol, speed and disconnect reason") {
  const auto d = decode_every_way(diag_format::usr_i6, k_ati6);
  CHECK(d.complete);
  CHECK(d.chars_sent == 1234u);
  CHECK(d.chars_received == 5678u);
  CHECK(d.chars_lost_rx == 3u);
  CHECK(d.blocks_resent == 2u);
  CHECK(d.retrains_requested == 1u);
  CHECK(d.retrains_granted == 1u);
  CHECK(d.block_errors == 4u);
  CHECK(d.link_naks == 5u);
  CHECK(d.compression == "V42BIS 2048/32");
  CHECK(d.protocol == "LAPM/SREJ");
  CHECK(d.rx_rate == 48000u);
  CHECK(d.tx_rate == 28800u);
  CHECK(d.call_duration == "00:12:45");
  CHECK(d.termination == "DTR dropped");
}

TEST_CASE("ATI6: cut short, or a counter without its number") {
  const auto cut = decode_every_way(diag_format::usr_i6, k_ati6.substr(0, k_ati6.find("Protocol")));
  CHECK_FALSE(cut.complete);
  CHECK(cut.chars_sent == 1234u);
  CHECK_FALSE(cut.termination);
  const auto no_reason = decode_every_way(
      diag_format::usr_i6, k_ati6.substr(0, k_ati6.find("Disconnect")) + "\r\nOK\r\n");
  CHECK(has_problem(no_reason, "no 'Disconnect Reason' line"));
  const auto bad = decode_every_way(diag_format::usr_i6,
                                    "Chars sent   12x\r\nSpeed  fast\r\nDisconnect Reason is Escape code\r\nOK\r\n");
  CHECK(has_problem(bad, "'Chars sent' has no number"));
  CHECK(has_problem(bad, "Speed: 'fast' is not RX/TX"));
  CHECK_FALSE(bad.complete);
}

const std::string k_ati11 =
    "\r\nUSRobotics Courier V.Everything Link Diagnostics...\r\n\r\n"
    "Modulation                 V.90\r\n"
    "Carrier Freq     (Hz)      None/1920\r\n"
    "Symbol Rate                8000/3200\r\n"
    "Trellis Code               64S-4D/64S-4D\r\n"
    "Nonlinear Encoding         ON/ON\r\n"
    "Precoding                  ON/ON\r\n"
    "Shaping                    ON/ON\r\n"
    "Preemphasis      (-dB)     6/2\r\n"
    "Recv/Xmit Level  (-dBm)    20.4/10.3\r\n"
    "Near Echo Loss   (dB)      14.2\r\n"
    "Far Echo Loss    (dB)      0.0\r\n"
    "Carrier Offset   (Hz)      NONE\r\n"
    "Round Trip Delay (msec)    4\r\n"
    "Timing Offset    (ppm)     -2.3\r\n"
    "SNR              (dB)      38.5\r\n"
    "Speed Shifts Up/Down       1/2\r\n"
    "Status :                   uu,5,12K,11.6,-12,1N,0,82.4,7.1\r\n"
    "\r\nOK\r\n";

TEST_CASE("ATI11: modulation, levels, SNR, delay, speed shifts") {
  const auto d = decode_every_way(diag_format::usr_i11, k_ati11);
  CHECK(d.complete);
  CHECK(d.rx_modulation == "V.90");
  CHECK(d.rx_symbol_rate == 8000u);
  CHECK(d.tx_symbol_rate == 3200u);
  CHECK(d.rx_level_dbm == doctest::Approx(-20.4));
  CHECK(d.tx_level_dbm == doctest::Approx(-10.3));
  CHECK(d.near_echo_loss_db == doctest::Approx(14.2));
  CHECK(d.round_trip_ms == 4u);
  CHECK(d.snr_db == doctest::Approx(38.5));
  CHECK_FALSE(d.snr_derived);
  CHECK(d.retrains() == 3u);

  const auto bad = decode_every_way(diag_format::usr_i11,
                                    "Modulation  V.34\r\nSNR (dB)  high\r\nRecv/Xmit Level (-dBm) 20.4\r\nOK\r\n");
  CHECK_FALSE(bad.complete);
  CHECK(has_problem(bad, "SNR: 'high' is not a number"));
  CHECK(has_problem(bad, "Recv/Xmit Level: '20.4' is not A/B"));
  CHECK_FALSE(bad.snr_db);
}

const std::string k_v1 =
    "\r\nTERMINATION REASON.......... LOCAL REQUEST\r\n"
    "LAST TX rate................ 26400 BPS\r\n"
    "HIGHEST TX rate............. 28800 BPS\r\n"
    "LAST RX rate................ 49333 BPS\r\n"
    "HIGHEST RX rate............. 50666 BPS\r\n"
    "PROTOCOL.................... LAPM\r\n"
    "COMPRESSION................. V42Bis\r\n"
    "Line QUALITY................ 038\r\n"
    "Rx LEVEL.................... 015\r\n"
    "Highest Rx State............ 67\r\n"
    "Highest TX State............ 67\r\n"
    "EQM Sum..................... 00B4\r\n"
    "Min Distance................ 0000\r\n"
    "RBS Pattern................. 00\r\n"
    "Rate Drop................... 00\r\n"
    "Digital Loss................ 2000\r\n"
    "Local Rtrn Count............ 01\r\n"
    "Remote Rtrn Count........... 02\r\n"
    "\r\nOK\r\n";

TEST_CASE("AT&V1: the Conexant last-connection statistics") {
  const auto d = decode_every_way(diag_format::conexant_v1, k_v1);
  CHECK(d.complete);
  CHECK(d.termination == "LOCAL REQUEST");
  CHECK(d.tx_rate == 26400u);
  CHECK(d.highest_tx_rate == 28800u);
  CHECK(d.rx_rate == 49333u);
  CHECK(d.highest_rx_rate == 50666u);
  CHECK(d.protocol == "LAPM");
  CHECK(d.compression == "V42Bis");
  CHECK(d.line_quality == 38u);
  CHECK(d.rx_level_dbm == -15.0);
  CHECK(d.retrains_requested == 3u);

  const auto cut = decode_every_way(diag_format::conexant_v1, k_v1.substr(0, k_v1.find("PROTOCOL")));
  CHECK_FALSE(cut.complete);
  CHECK(cut.rx_rate == 49333u);
  CHECK_FALSE(cut.protocol);
  const auto bad = decode_every_way(diag_format::conexant_v1,
                                    "TERMINATION REASON... NONE\r\nLAST TX rate.... fast\r\nOK\r\n");
  CHECK(has_problem(bad, "LAST TX rate: 'fast' is not a number"));
  CHECK_FALSE(bad.tx_rate);
}

TEST_CASE("the decoders name their commands and the tables their codes") {
  CHECK(diag_command(diag_format::unimodem_ud) == "AT#UD");
  CHECK(diag_command(diag_format::usr_i6) == "ATI6");
  CHECK(diag_command(diag_format::usr_i11) == "ATI11");
  CHECK(diag_command(diag_format::conexant_v1) == "AT&V1");
  CHECK(ud_termination_text(0x3C) == "carrier lost");
  CHECK(ud_termination_text(0x99).empty());
  CHECK(ud_modulation_text(0xC) == "V.34");
  CHECK(ud_modulation_text(0x40).empty());
}
