#include "dialup/engine/at_parser.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using dialup::at_parser;
using dialup::response_kind;
using dialup::response_line;

namespace {

struct expect_line {
  response_kind kind;
  std::string text;
  std::uint32_t rate = 0;
};

struct vector_case {
  const char* name;
  std::string input;
  bool numeric;
  std::vector<expect_line> lines;
  std::string data_after;  // bytes left for the data stream after CONNECT
};

// Feeds input in the pieces given by `cuts` and collects lines and data after CONNECT.
void run(const vector_case& v, const std::vector<std::size_t>& cuts) {
  at_parser p;
  p.numeric_codes(v.numeric);
  std::vector<response_line> out;
  std::string data;
  std::size_t pos = 0;
  auto feed = [&](std::string_view chunk) {
    while (!chunk.empty()) {
      if (p.in_data_mode()) {
        data += p.take_data(chunk);
        return;
      }
      auto used = p.feed(chunk, out);
      chunk.remove_prefix(used);
    }
  };
  for (auto cut : cuts) {
    feed(std::string_view(v.input).substr(pos, cut - pos));
    pos = cut;
  }
  feed(std::string_view(v.input).substr(pos));
  INFO("vector: " << std::string(v.name));
  REQUIRE(out.size() == v.lines.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK(out[i].kind == v.lines[i].kind);
    CHECK(out[i].text == v.lines[i].text);
    CHECK(out[i].rate == v.lines[i].rate);
  }
  CHECK(data == v.data_after);
}

const std::vector<vector_case>& vectors() {
  using k = response_kind;
  static const std::vector<vector_case> v = {
      {"V1 OK", "\r\nOK\r\n", false, {{k::ok, "OK"}}, ""},
      {"echo then OK (E1)", "ATZ\r\r\nOK\r\n", false, {{k::information, "ATZ"}, {k::ok, "OK"}}, ""},
      {"V0 OK is digits and CR only", "0\r", true, {{k::ok, "0"}}, ""},
      {"V0 info then code", "56000\r\n0\r", true, {{k::information, "56000"}, {k::ok, "0"}}, ""},
      {"V0 register read keeps leading zeros as text", "050\r\n0\r", true,
       {{k::information, "050"}, {k::ok, "0"}}, ""},
      {"V1 info '0' is not OK when numeric codes are off", "\r\n0\r\n\r\nOK\r\n", false,
       {{k::information, "0"}, {k::ok, "OK"}}, ""},
      {"busy", "\r\nBUSY\r\n", false, {{k::busy, "BUSY"}}, ""},
      {"no dialtone both spellings", "\r\nNO DIALTONE\r\n\r\nNO DIAL TONE\r\n", false,
       {{k::no_dialtone, "NO DIALTONE"}, {k::no_dialtone, "NO DIAL TONE"}}, ""},
      {"no answer, no carrier, voice, error",
       "\r\nNO ANSWER\r\n\r\nNO CARRIER\r\n\r\nVOICE\r\n\r\nERROR\r\n", false,
       {{k::no_answer, "NO ANSWER"}, {k::no_carrier, "NO CARRIER"}, {k::voice, "VOICE"},
        {k::error, "ERROR"}},
       ""},
      {"lower case replies", "\r\nok\r\n\r\nbusy\r\n", false, {{k::ok, "ok"}, {k::busy, "busy"}}, ""},
      {"progress reports before CONNECT; data after it",
       "\r\nCARRIER 28800\r\n\r\nPROTOCOL: LAPM\r\n\r\nCOMPRESSION: V.42BIS\r\n\r\nCONNECT 57600\r\nhello",
       false,
       {{k::progress, "CARRIER 28800", 28800}, {k::progress, "PROTOCOL: LAPM"},
        {k::progress, "COMPRESSION: V.42BIS"}, {k::connect, "CONNECT 57600", 57600}},
       "hello"},
      {"CONNECT with USR suffix", "\r\nCONNECT 28800/ARQ/V34/LAPM/V42BIS\r\n", false,
       {{k::connect, "CONNECT 28800/ARQ/V34/LAPM/V42BIS", 28800}}, ""},
      {"plain CONNECT (X0)", "\r\nCONNECT\r\n", false, {{k::connect, "CONNECT"}}, ""},
      {"CONNECTED is not CONNECT", "\r\nCONNECTED\r\n", false, {{k::information, "CONNECTED"}}, ""},
      {"V0 CONNECT 1200 then binary data", std::string("5\r\x7e\xff\x01", 5), true,
       {{k::connect, "5", 1200}}, std::string("\x7e\xff\x01", 3)},
      {"RING and caller id are unsolicited",
       "\r\nRING\r\n\r\nDATE = 0304\r\n\r\nNMBR = 5550123\r\n\r\nRING\r\n", false,
       {{k::ring, "RING"}, {k::caller_id, "DATE = 0304"}, {k::caller_id, "NMBR = 5550123"},
        {k::ring, "RING"}},
       ""},
      {"+CME ERROR is final", "\r\n+CME ERROR: 10\r\n", false, {{k::cme_error, "+CME ERROR: 10"}}, ""},
      {"NUL padding and noise are dropped", std::string("\r\n\0O\x11K\r\n", 8), false,
       {{k::ok, "OK"}}, ""},
      {"bare LF line ends", "\nOK\n", false, {{k::ok, "OK"}}, ""},
      {"trailing blank ignored", "\r\nOK  \r\n", false, {{k::ok, "OK"}}, ""},
      {"garbage after reset is information", "\r\n\x7f#$%garbage\r\n\r\nOK\r\n", false,
       {{k::information, "#$%garbage"}, {k::ok, "OK"}}, ""},
  };
  return v;
}

}  // namespace

TEST_CASE("AT parser classifies each vector fed whole") {
  for (const auto& v : vectors()) run(v, {});
}

TEST_CASE("AT parser gives the same lines when each vector is split at every byte boundary") {
  for (const auto& v : vectors())
    for (std::size_t cut = 1; cut < v.input.size(); ++cut) run(v, {cut});
}

TEST_CASE("AT parser gives the same lines when each vector is fed one byte at a time") {
  for (const auto& v : vectors()) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < v.input.size(); ++i) cuts.push_back(i);
    run(v, cuts);
  }
}

TEST_CASE("an overlong line is truncated and never taken for a final result") {
  at_parser p(dialup::response_table::generic(), 16);
  std::vector<response_line> out;
  p.feed("\r\nOK" + std::string(100, 'x') + "\r\n\r\nOK\r\n", out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].truncated);
  CHECK(out[0].text.size() == 16);
  CHECK(out[0].kind == response_kind::information);
  CHECK(out[1].kind == response_kind::ok);
}

TEST_CASE("after CONNECT the parser reads lines again only when told to") {
  at_parser p;
  std::vector<response_line> out;
  std::string_view in = "\r\nCONNECT 33600\r";
  CHECK(p.feed(in, out) == in.size());
  CHECK(p.in_data_mode());
  // The LF of the CONNECT line arrives in the next read: it is not call data.
  CHECK(p.take_data("\nabc") == "abc");
  CHECK(p.take_data("\ndef") == "\ndef");
  p.resume_command_mode();
  CHECK_FALSE(p.in_data_mode());
  out.clear();
  p.feed("\r\nOK\r\n", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == response_kind::ok);
}
