#include "dialup/engine/chat_script.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "dialup/engine/ras_error.hpp"

using namespace std::chrono_literals;
using dialup::chat_action;
using dialup::chat_action_kind;
using dialup::chat_clock;
using dialup::chat_location;
using dialup::chat_parse_options;
using dialup::chat_result;
using dialup::chat_runner;
using dialup::chat_script;
using dialup::chat_substitutions;
using dialup::chat_syntax_error;

namespace {

const chat_clock::time_point t0{};

// ---------------------------------------------------------------------------------------------
// Parser vectors

struct parse_ok_case {
  const char* name;
  std::string text;
  bool extensions;
  std::string described;  // chat_script::describe()
};

struct parse_error_case {
  const char* name;
  std::string text;
  bool extensions;
  int line;
  int column;
  std::string reason;
};

const std::vector<parse_ok_case> parse_ok_cases = {
    {"expect-send pairs across lines, quotes group words",
     "ABORT BUSY\nABORT 'NO CARRIER'\n'' ATZ\nOK \"ATDT 555\"\n", false,
     "1:1 ABORT \"BUSY\"\n2:1 ABORT \"NO CARRIER\"\n3:1 expect \"\"\n3:4 send \"ATZ\"\n"
     "4:1 expect \"OK\"\n4:4 send \"ATDT 555\"\n"},
    {"sub-expects split on dashes, \\- is a literal dash",
     "ogin:--ogin: ppp a\\-b-BREAK x\n", false,
     "1:1 expect \"ogin:\" else send \"\" and \"ogin:\"\n1:14 send \"ppp\"\n"
     "1:18 expect \"a\\-b\" else send \"BREAK\" and\n1:29 send \"x\"\n"},
    {"comment lines start with # in column 1; a quoted # is an expect",
     "# a comment\n'# ' logout\n", false, "2:1 expect \"# \"\n2:6 send \"logout\"\n"},
    {"keywords are recognised only in expect positions",
     "'' ABORT TIMEOUT 10 SAY 'hi\\n' ECHO ON HANGUP OFF CLR_ABORT x REPORT CONNECT CLR_REPORT CONNECT\n",
     false,
     "1:1 expect \"\"\n1:4 send \"ABORT\"\n1:10 TIMEOUT 10\n1:21 SAY \"hi\\n\"\n1:32 ECHO ON\n"
     "1:40 HANGUP OFF\n1:51 CLR_ABORT \"x\"\n1:63 REPORT \"CONNECT\"\n1:78 CLR_REPORT \"CONNECT\"\n"},
    {"TIMEOUT 0, negative or not a number resets to 45 (atoi)",
     "TIMEOUT 0 TIMEOUT -3 TIMEOUT abc TIMEOUT 12s\n", false,
     "1:1 TIMEOUT 45\n1:11 TIMEOUT 45\n1:22 TIMEOUT 45\n1:34 TIMEOUT 12\n"},
    {"a quoted token ends at its closing quote, as chat overwrites it",
     "'OK'ATZ\n", false, "1:1 expect \"OK\"\n1:5 send \"ATZ\"\n"},
    {"a backslash protects a quote inside quotes", "'it\\'s' x\n", false,
     "1:1 expect \"it\\'s\"\n1:9 send \"x\"\n"},
    {"control characters and octal escapes in expects",
     "^C\\101\\r\\n x\n", false, "1:1 expect \"^C\\101\\r\\n\"\n1:12 send \"x\"\n"},
    {"a quiet send is redacted in describe", "ssword: \\qhello2u2\n", false,
     "1:1 expect \"ssword:\"\n1:9 send \"********\"\n"},
    {"EOT, BREAK and @file are sends", "a EOT b BREAK c @/tmp/pw\n", false,
     "1:1 expect \"a\"\n1:3 send \"EOT\"\n1:7 expect \"b\"\n1:9 send \"BREAK\"\n1:15 expect \"c\"\n"
     "1:17 send \"********\"\n"},
    {"without extensions REGEX, ANY and END are plain expects and sends",
     "ANY ogin: REGEX x END y\n", false,
     "1:1 expect \"ANY\"\n1:5 send \"ogin:\"\n1:11 expect \"REGEX\"\n1:17 send \"x\"\n"
     "1:19 expect \"END\"\n1:23 send \"y\"\n"},
    {"the #dialup: extensions line enables REGEX and ANY after it",
     "ANY x\n#dialup: extensions\nREGEX 'CONNECT [0-9]+' ''\nANY ogin: \\U REGEX '^Pass' \\P END\n", false,
     "1:1 expect \"ANY\"\n1:5 send \"x\"\n3:1 expect REGEX \"CONNECT [0-9]+\"\n3:24 send \"\"\n"
     "4:1 ANY \"ogin:\" -> \"\\U\" REGEX \"^Pass\" -> \"\\P\" END\n"},
    {"CRLF line ends leave the CR in the last token, as in chat", "OK ATZ\r\n", false,
     "1:1 expect \"OK\"\n1:4 send \"ATZ^M\"\n"},
    {"a NUL ends the line, as chat's C strings do", std::string("OK ATZ\0 junk\nA B\n", 18), false,
     "1:1 expect \"OK\"\n1:4 send \"ATZ\"\n2:1 expect \"A\"\n2:3 send \"B\"\n"},
    {"an expect with no send at the end is fine", "'' AT OK\n", false,
     "1:1 expect \"\"\n1:4 send \"AT\"\n1:7 expect \"OK\"\n"},
    {"with extensions CALLBACK is a keyword and \\B a send like \\T",
     "CALLBACK 'alling you back' CALLBACK 'call\\sback' 'number:' \\B\n", true,
     "1:1 CALLBACK \"alling you back\"\n1:28 CALLBACK \"call back\"\n1:50 expect \"number:\"\n"
     "1:60 send \"\\B\"\n"},
    {"without extensions CALLBACK is a plain expect, as chat reads it",
     "CALLBACK 'alling you back' x \\B\n", false,
     "1:1 expect \"CALLBACK\"\n1:10 send \"alling you back\"\n1:28 expect \"x\"\n1:30 send \"\\B\"\n"},
    {"the header's callback example", 
     "#dialup: extensions\nABORT incorrect\nCALLBACK 'alling you back'\nogin: \\U\nassword: \\P\n"
     "'allback number:' \\B\n'logged in' ''\n", false,
     "2:1 ABORT \"incorrect\"\n3:1 CALLBACK \"alling you back\"\n4:1 expect \"ogin:\"\n4:7 send \"\\U\"\n"
     "5:1 expect \"assword:\"\n5:10 send \"\\P\"\n6:1 expect \"allback number:\"\n6:19 send \"\\B\"\n"
     "7:1 expect \"logged in\"\n7:13 send \"\"\n"},
};

const std::vector<parse_error_case> parse_error_cases = {
    {"unterminated quote", "'' ATZ\nOK 'ATDT\n", false, 2, 4, "unterminated quote"},
    {"\\d in an expect", "OK\\d ATZ\n", false, 1, 3, "\\d is not valid in an expect string"},
    {"\\c in an expect", "  x\\c y\n", false, 1, 4, "\\c is not valid in an expect string"},
    {"\\T in a sub-expect", "a-b-c\\T d\n", false, 1, 6, "\\T is not valid in an expect string"},
    {"\\P in an expect", "\\P x\n", false, 1, 1, "\\P is not valid in an expect string"},
    {"\\0 in an ABORT string", "ABORT 'x\\0'\n", false, 1, 9,
     "\\0 (NUL) is not valid in an expect string"},
    {"\\c in the middle of a send", "OK AT\\cZ\n", false, 1, 6,
     "\\c must be at the end of a send string"},
    {"\\c in the middle of a sub-send", "OK-a\\cb-OK x\n", false, 1, 5,
     "\\c must be at the end of a send string"},
    {"an ABORT string of 50 bytes", "ABORT " + std::string(50, 'x') + "\n", false, 1, 7,
     "ABORT string longer than 49 bytes"},
    {"a keyword with no argument at the end", "'' ATZ\nTIMEOUT\n", false, 2, 1,
     "TIMEOUT needs an argument"},
    {"a bad regular expression", "REGEX '(' x\n", true, 1, 7,
     "bad regular expression: missing )"},  // RE2's own text follows
    // RE2 never backtracks, so what needs backtracking is refused when the script is read.
    {"a REGEX back-reference", "REGEX '(a*)*\\1b' x\n", true, 1, 7,
     "bad regular expression: back-reference \\1 is not supported (matching is linear-time"},
    {"a REGEX look-ahead", "REGEX 'ogin(?=:)' x\n", true, 1, 7,
     "bad regular expression: look-around (?= is not supported"},
    {"a REGEX repeat beyond RE2's limit", "REGEX 'a{1001}' x\n", true, 1, 7,
     "bad regular expression: repeat count too large"},
    {"a REGEX too large to compile", "REGEX '((((a{100}){100}){100}){100})' x\n", true, 1, 7,
     "bad regular expression: "},
    {"ANY without END", "'' x\nANY a b c d\n", true, 2, 1, "ANY without END"},
    {"ANY with no alternative", "ANY END\n", true, 1, 1, "ANY needs at least one alternative"},
    {"an ANY alternative with no send", "ANY a\n", true, 1, 5, "an ANY alternative needs a send string"},
    {"REGEX with no pattern", "REGEX\n", true, 1, 1, "REGEX needs a pattern"},
    {"an empty ANY alternative", "ANY a x '' y END\n", true, 1, 9, "an ANY alternative cannot be empty"},
    {"\\B in an expect", "OK\\B x\n", false, 1, 3, "\\B is not valid in an expect string"},
    {"\\B in an ABORT string", "ABORT 'x\\B'\n", false, 1, 9, "\\B is not valid in an expect string"},
    {"\\B in a CALLBACK string", "CALLBACK 'back\\B'\n", true, 1, 15,
     "\\B is not valid in an expect string"},
    {"a CALLBACK string of 50 bytes", "CALLBACK " + std::string(50, 'x') + "\n", true, 1, 10,
     "CALLBACK string longer than 49 bytes"},
    {"an empty CALLBACK string", "'' x\nCALLBACK ''\n", true, 2, 10, "a CALLBACK string cannot be empty"},
    {"CALLBACK with no argument at the end", "'' x\nCALLBACK\n", true, 2, 1,
     "CALLBACK needs an argument"},
};

TEST_CASE("valid chat scripts parse to the steps chat would run") {
  for (const auto& c : parse_ok_cases) {
    CAPTURE(std::string(c.name));
    chat_syntax_error err;
    chat_parse_options o;
    o.extensions = c.extensions;
    auto s = chat_script::parse(c.text, err, o);
    REQUIRE_MESSAGE(s.has_value(), err.to_string());
    CHECK(s->describe() == c.described);
  }
}

TEST_CASE("invalid chat scripts give error 752 with line, column and reason") {
  for (const auto& c : parse_error_cases) {
    CAPTURE(std::string(c.name));
    chat_syntax_error err;
    chat_parse_options o;
    o.extensions = c.extensions;
    auto s = chat_script::parse(c.text, err, o);
    REQUIRE_FALSE(s.has_value());
    CHECK(err.where.line == c.line);
    CHECK(err.where.column == c.column);
    CHECK(err.reason.substr(0, c.reason.size()) == c.reason);
    CHECK(err.code() == dialup::ras_error::script_syntax);
    CHECK(err.code().value() == 752);
  }
}

TEST_CASE("with strict off, escapes chat calls invalid are read as chat reads them") {
  chat_parse_options o;
  o.strict = false;
  chat_runner r(chat_script::parse("OK\\d\\T AT\\cZ ABORT", o), chat_substitutions{});
  r.start(t0);
  r.feed("OKd\\T", t0 + 1s);  // chat matches \d as "d" and \T as backslash-T in an expect
  r.advance(t0 + 2s);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::success);
  std::string sent;
  for (auto& a : r.take_actions())
    if (a.kind == chat_action_kind::send) sent += a.bytes;
  CHECK(sent == "ATcZ\r");  // \c inside a send is a c; the dangling ABORT is ignored
}

TEST_CASE("the throwing parse raises a system_error with code 752 and the position") {
  try {
    (void)chat_script::parse("OK 'AT\n");
    FAIL("no exception");
  } catch (const dialup::chat_parse_error& e) {
    CHECK(e.code().value() == 752);
    CHECK(e.detail().where == chat_location{1, 4});
    CHECK(std::string(e.what()).find("line 1, column 4: unterminated quote") != std::string::npos);
  }
}

TEST_CASE("more than 50 live ABORT strings is an error, CLR_ABORT makes room") {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "ABORT a" + std::to_string(i) + "\n";
  chat_syntax_error err;
  CHECK(chat_script::parse(text, err).has_value());
  CHECK_FALSE(chat_script::parse(text + "ABORT more\n", err).has_value());
  CHECK(err.where == chat_location{51, 1});
  CHECK(err.reason == "more than 50 ABORT strings");
  CHECK(chat_script::parse(text + "CLR_ABORT a3\nABORT more\n", err).has_value());
}

// The example scripts of chat(8), verbatim.
const std::vector<std::string> man_page_examples = {
    "ogin:-BREAK-ogin: ppp ssword: hello2u2\n",
    "ogin: ppp ssword: hello2u2\n",
    "ogin:--ogin: ppp ssword: hello2u2\n",
    "# Now wait for the prompt and send logout string\n'# ' logout\n",
    "ABORT BUSY ABORT 'NO CARRIER' '' ATZ OK ATDT5551212 CONNECT\n",
    "ABORT BUSY\nECHO OFF\nSAY \"Dialling your ISP...\\n\"\n'' ATDT5551212\nTIMEOUT 120\n"
    "SAY \"Waiting up to 2 minutes for connection ... \"\nCONNECT ''\n"
    "SAY \"Connected, now logging in ...\\n\"\nogin: account\nssword: pass\n$ \\c\n"
    "SAY \"Logged in OK ...\\n\"\n",
    "REPORT CONNECT ABORT BUSY '' ATDT5551212 CONNECT '' ogin: account\n",
    "ABORT   'BUSY'\nABORT   'NO CARRIER'\n''      ATZ\nOK\\r\\n  ATD1234567\n\\r\\n    \\c\n"
    "ECHO    ON\nCONNECT \\c\nogin:   account\n",
    "ABORT   'BUSY'\n''      ATZ\nOK\\r\\n  ATD1234567\n\\r\\n    \\c\nCONNECT \\c\n"
    "'Callback login:' call_back_ID\nHANGUP OFF\nABORT \"Bad Login\"\n"
    "'Callback Password:' Call_back_password\nTIMEOUT 120\nCONNECT \\c\nHANGUP ON\n"
    "ABORT \"NO CARRIER\"\nogin:--BREAK--ogin: real_account\n",
    "ATZ  OK  ATDT5551212  CONNECT  TIMEOUT 10 ogin:--ogin: TIMEOUT 5 assword: hello2u2\n",
};

TEST_CASE("every example script of chat(8) parses, and means the same with extensions on") {
  for (const auto& text : man_page_examples) {
    CAPTURE(text);
    chat_syntax_error err;
    auto classic = chat_script::parse(text, err);
    REQUIRE_MESSAGE(classic.has_value(), err.to_string());
    chat_parse_options o;
    o.extensions = true;
    auto extended = chat_script::parse(text, err, o);
    REQUIRE(extended.has_value());
    CHECK(classic->describe() == extended->describe());
    CHECK(classic->steps().size() == extended->steps().size());
  }
}

TEST_CASE("more than 50 CALLBACK strings is an error; there is no CLR_CALLBACK to make room") {
  std::string text = "#dialup: extensions\n";
  for (int i = 0; i < 50; ++i) text += "CALLBACK c" + std::to_string(i) + "\n";
  chat_syntax_error err;
  CHECK(chat_script::parse(text, err).has_value());
  CHECK_FALSE(chat_script::parse(text + "CALLBACK more\n", err).has_value());
  CHECK(err.where == chat_location{52, 1});
  CHECK(err.reason == "more than 50 CALLBACK strings");
  // ABORT strings are counted apart: 50 of each is fine.
  for (int i = 0; i < 50; ++i) text += "ABORT a" + std::to_string(i) + "\n";
  CHECK(chat_script::parse(text, err).has_value());
}

TEST_CASE("the command-line form takes one word per argument, without quote or comment rules") {
  auto s = chat_script::parse_words({"ABORT", "NO CARRIER", "", "ATZ", "#OK", "'x'"});
  CHECK(s.describe() == "1:1 ABORT \"NO CARRIER\"\n3:1 expect \"\"\n4:1 send \"ATZ\"\n"
                        "5:1 expect \"#OK\"\n6:1 send \"'x'\"\n");
  chat_syntax_error err;
  CHECK_FALSE(chat_script::parse_words({"OK", "a\\cb"}, err).has_value());
  CHECK(err.where == chat_location{2, 2});
}

TEST_CASE("the script records which substitutions it uses") {
  auto s = chat_script::parse("'' ATDT\\T ogin: \\U");
  CHECK(s.uses_phone());
  CHECK(s.uses_user());
  CHECK_FALSE(s.uses_password());
  CHECK_FALSE(s.uses_callback());
  CHECK(chat_script::parse("a-\\P-b c").uses_password());
  CHECK(chat_script::parse("'allback number:' \\B").uses_callback());  // no extensions needed
  CHECK(chat_script::parse("SAY 'calling back on \\B'").uses_callback());
  CHECK_FALSE(chat_script::parse("CALLBACK x", chat_parse_options{45, false, true}).uses_callback());
}

// ---------------------------------------------------------------------------------------------
// Runner scenarios

struct peer_event {
  std::chrono::milliseconds at;
  std::string bytes;
  bool hangup = false;
};

struct scenario {
  const char* name;
  std::string script;
  bool extensions = false;
  std::vector<peer_event> events;
  // expectations
  std::string sent;      // real bytes of every send, <BREAK> for a break
  std::string shown;     // the redacted forms
  chat_result result;
  int exit_code;
  std::vector<std::string> says = {};
  std::vector<std::string> reports = {};
  std::vector<std::string> matched = {};  // text of each matched action
  std::string timeout_expect = {};        // outcome.expect for a timeout
  chat_location timeout_where = {};
  std::string abort_string = {};
  std::string unread = {};
  std::string callback_string = {};
};

struct run_result {
  std::string sent;
  std::string shown;
  std::vector<std::string> says;
  std::vector<std::string> reports;
  std::vector<std::string> matched;
  std::vector<chat_action> actions;
  std::optional<dialup::chat_outcome> outcome;
  std::string unread;
};

chat_substitutions isp_subs() {
  chat_substitutions s;
  s.phone = "5551212";
  s.user = "joe";
  s.password = "s3cret";
  s.callback = "5550199";
  return s;
}

// Drives a runner as a caller would: timer at next_deadline(), bytes at their times. `cut` splits
// the received stream (all events' bytes together) into two feeds at that offset.
run_result drive(const scenario& sc, std::size_t cut = std::string::npos) {
  chat_parse_options o;
  o.extensions = sc.extensions;
  chat_runner r(chat_script::parse(sc.script, o), isp_subs());
  run_result out;
  auto collect = [&] {
    for (auto& a : r.take_actions()) {
      switch (a.kind) {
        case chat_action_kind::send:
          out.sent += a.bytes;
          out.shown += a.redacted;
          break;
        case chat_action_kind::send_break:
          out.sent += "<BREAK>";
          out.shown += "<BREAK>";
          break;
        case chat_action_kind::say: out.says.push_back(a.text); break;
        case chat_action_kind::report: out.reports.push_back(a.text); break;
        case chat_action_kind::matched: out.matched.push_back(a.text); break;
        default: break;
      }
      out.actions.push_back(a);
    }
  };
  auto run_until = [&](chat_clock::time_point t) {
    while (auto d = r.next_deadline()) {
      if (*d > t) break;
      r.advance(*d);
      collect();
    }
  };
  r.start(t0);
  collect();
  std::size_t offset = 0;
  for (const auto& ev : sc.events) {
    const auto t = t0 + ev.at;
    run_until(t);
    if (ev.hangup) {
      r.hangup(t);
    } else if (cut > offset && cut < offset + ev.bytes.size()) {
      r.feed(std::string_view(ev.bytes).substr(0, cut - offset), t);
      collect();
      r.feed(std::string_view(ev.bytes).substr(cut - offset), t);
    } else {
      r.feed(ev.bytes, t);
    }
    offset += ev.bytes.size();
    collect();
  }
  for (int guard = 0; guard < 10000 && !r.done(); ++guard) {
    auto d = r.next_deadline();
    if (!d) break;
    r.advance(*d);
    collect();
  }
  out.outcome = r.outcome();
  out.unread = r.take_unread();
  return out;
}

const char* const isp_script =
    "ABORT BUSY ABORT 'NO CARRIER' '' ATZ OK ATDT\\T CONNECT '' ogin:-BREAK-ogin: \\U assword: \\P";

const std::vector<scenario> scenarios = {
    {"classic ISP login runs to success and sends the password only as real bytes",
     isp_script, false,
     {{1s, "ATZ\r\r\nOK\r\n"}, {2s, "ATDT5551212\r\r\nCONNECT 33600\r\n"},
      {5s, "\r\nWelcome\r\nlogin: "}, {6s, "joe\r\nPassword: "}},
     "ATZ\rATDT5551212\r\rjoe\rs3cret\r", "ATZ\rATDT5551212\r\rjoe\r********\r",
     chat_result::success, 0, {}, {}, {"\"OK\"", "\"CONNECT\"", "\"ogin:\"", "\"assword:\""},
     {}, {}, {}, " "},
    {"a login prompt that comes late makes the sub-expect send BREAK and wait again",
     isp_script, false,
     {{1s, "OK\r\n"}, {2s, "CONNECT\r\n"}, {60s, "login:"}, {61s, "Password:"}},
     "ATZ\rATDT5551212\r\r<BREAK>joe\rs3cret\r", "ATZ\rATDT5551212\r\r<BREAK>joe\r********\r",
     chat_result::success, 0, {}, {}, {"\"OK\"", "\"CONNECT\"", "\"ogin:\"", "\"assword:\""}},
    {"BUSY matches the first ABORT string: exit code 4", isp_script, false,
     {{1s, "OK\r\n"}, {3s, "\r\nBUSY\r\n"}}, "ATZ\rATDT5551212\r", "ATZ\rATDT5551212\r",
     chat_result::abort, 4, {}, {}, {"\"OK\""}, {}, {}, "BUSY", "\r\n"},
    {"the third ABORT string gives exit code 6",
     "ABORT BUSY ABORT 'NO CARRIER' ABORT 'NO DIALTONE' '' ATD1 CONNECT", false,
     {{1s, "NO DIALTONE\r\n"}}, "ATD1\r", "ATD1\r", chat_result::abort, 6, {}, {}, {}, {}, {},
     "NO DIALTONE", "\r\n"},
    {"CLR_ABORT removes a string and packs the array: NO CARRIER becomes index 0",
     "ABORT BUSY ABORT 'NO CARRIER' CLR_ABORT BUSY '' ATD CONNECT", false,
     {{1s, "BUSY\r\nNO CARRIER\r\n"}}, "ATD\r", "ATD\r", chat_result::abort, 4, {}, {}, {}, {}, {},
     "NO CARRIER", "\r\n"},
    {"the expect is checked before the ABORT strings at the same byte",
     "ABORT OK '' AT OK x", false, {{1s, "OK"}}, "AT\rx\r", "AT\rx\r", chat_result::success, 0, {},
     {}, {"\"OK\""}},
    {"a prompt that never comes times out naming that expect (exit 3)", isp_script, false,
     {{1s, "OK\r\n"}, {2s, "CONNECT\r\n"}, {60s, "login:"}, {61s, "Welcome!\r\n"}},
     "ATZ\rATDT5551212\r\r<BREAK>joe\r", "ATZ\rATDT5551212\r\r<BREAK>joe\r", chat_result::timeout, 3,
     {}, {}, {"\"OK\"", "\"CONNECT\"", "\"ogin:\""}, "\"assword:\"", {1, 80}},
    {"TIMEOUT shortens the wait for the expects after it", "TIMEOUT 5 '' AT OK", false,
     {{6s, "OK\r\n"}}, "AT\r", "AT\r", chat_result::timeout, 3, {}, {}, {}, "\"OK\"", {1, 17}, {},
     "OK\r\n"},
    {"TIMEOUT lengthens it", "TIMEOUT 60 '' AT OK", false, {{50s, "OK\r\n"}}, "AT\r", "AT\r",
     chat_result::success, 0, {}, {}, {"\"OK\""}, {}, {}, {}, "\r\n"},
    {"the sub-expect chain falls through to its second expect after the sub-send",
     "TIMEOUT 2 ogin:--ogin: x", false, {{3s, "login:"}}, "\rx\r", "\rx\r", chat_result::success, 0,
     {}, {}, {"\"ogin:\""}},
    {"a sub-expect ending in a send succeeds after that send", "TIMEOUT 2 ogin:-BREAK x", false,
     {}, "<BREAK>x\r", "<BREAK>x\r", chat_result::success, 0},
    {"REPORT CONNECT reports the rest of the line, read after the script ended",
     "REPORT CONNECT ABORT BUSY '' ATDT\\T CONNECT ''", false, {{2s, "\r\nCONNECT 33600/ARQ\r\n~~"}},
     "ATDT5551212\r\r", "ATDT5551212\r\r", chat_result::success, 0, {}, {"CONNECT 33600/ARQ"},
     {"\"CONNECT\""}, {}, {}, {}, "\n~~"},
    {"REPORT lines are at most 33 characters, as in chat's buffer", "REPORT CONNECT '' AT CONNECT",
     false, {{1s, "CONNECT " + std::string(40, '9') + "\r\n"}}, "AT\r", "AT\r", chat_result::success,
     0, {}, {"CONNECT " + std::string(25, '9')}, {"\"CONNECT\""}, {}, {}, {}, std::string(15, '9') + "\r\n"},
    {"a report line that stops arriving is closed after 1 s", "REPORT CONNECT '' AT CONNECT",
     false, {{1s, "CONNECT 96"}}, "AT\r", "AT\r", chat_result::success, 0, {}, {"CONNECT 96"},
     {"\"CONNECT\""}},
    {"SAY substitutes \\T and shows \\P as ********",
     "SAY 'Dialling \\T as \\U/\\P...\\n' '' ATDT\\T\\c", false, {}, "ATDT5551212",
     "ATDT5551212", chat_result::success, 0, {"Dialling 5551212 as joe/********...\n"}},
    {"\\c suppresses the CR; EOT sends ^D without CR", "'' AT\\c x EOT", false, {{1s, "x"}},
     "AT\x04", "AT\x04", chat_result::success, 0, {}, {}, {"\"x\""}},
    {"received bytes have their parity bit cleared", "'' AT OK x", false, {{1s, "\xcf\xcb"}},
     "AT\rx\r", "AT\rx\r", chat_result::success, 0, {}, {}, {"\"OK\""}},
    {"a NUL between two characters breaks the match", "TIMEOUT 3 '' AT OK x", false,
     {{1s, std::string("O\0K", 3)}}, "AT\r", "AT\r", chat_result::timeout, 3, {}, {}, {}, "\"OK\"",
     {1, 17}},
    {"ANY sends the send of the alternative that came first",
     "ANY ogin: \\U sername: \\U REGEX '[Pp]assword: *$' x END assword: \\P", true,
     {{1s, "Username:"}, {2s, "Password:"}}, "joe\rs3cret\r", "joe\r********\r",
     chat_result::success, 0, {}, {}, {"\"sername:\"", "\"assword:\""}},
    {"ANY can match a REGEX alternative", "ANY ogin: a REGEX '[Pp]ass(word|code): *$' b END", true,
     {{1s, "\r\nPasscode: "}}, "b\r", "b\r", chat_result::success, 0, {}, {},
     {"REGEX \"[Pp]ass(word|code): *$\""}, {}, {}, {}, " "},  // matched before the space came
    {"ANY times out as a whole and names its alternatives", "TIMEOUT 2 ANY a x b y END", true,
     {{1s, "zzz"}}, "", "", chat_result::timeout, 3, {}, {}, {}, "ANY \"a\" \"b\"", {1, 11}},
    {"an ABORT string ends an ANY as it ends a plain expect",
     "ABORT 'NO CARRIER' ANY a x b y END", true, {{1s, "NO CARRIER"}}, "", "", chat_result::abort,
     4, {}, {}, {}, {}, {}, "NO CARRIER"},
    {"REGEX waits for a pattern with a terminator",
     "REGEX 'CONNECT [0-9]+\\r' '' ogin: x", true, {{1s, "CONNECT 28800\r\nlogin:"}}, "\rx\r",
     "\rx\r", chat_result::success, 0, {}, {}, {"REGEX \"CONNECT [0-9]+\\r\"", "\"ogin:\""}},
    {"REGEX ^ anchors at the start of a line", "TIMEOUT 3 REGEX '^OK' x", true,
     {{1s, "NOK\r\nOK"}}, "x\r", "x\r", chat_result::success, 0, {}, {}, {"REGEX \"^OK\""}},
    {"the header's example: the #dialup line enables ANY and REGEX",
     "#dialup: extensions\nABORT BUSY ABORT 'NO CARRIER'\n'' ATZ\nOK ATDT\\T\n"
     "REGEX 'CONNECT( [0-9]+)?\\r' ''\nANY\n  ogin:      \\U\n  sername:   \\U\nEND\n"
     "REGEX '[Pp]ass(word|code): *$' \\P\n",
     false, {{1s, "OK\r\n"}, {2s, "CONNECT 33600\r\n"}, {3s, "Username:"}, {4s, "Passcode: "}},
     "ATZ\rATDT5551212\r\rjoe\rs3cret\r", "ATZ\rATDT5551212\r\rjoe\r********\r", chat_result::success,
     0, {}, {},
     {"\"OK\"", "REGEX \"CONNECT( [0-9]+)?\\r\"", "\"sername:\"", "REGEX \"[Pp]ass(word|code): *$\""},
     {}, {}, {}, " "},
    {"REGEX repetition counts and classes work", "REGEX '(ab){2}\\d' x", true,
     {{1s, "xxabab7"}}, "x\r", "x\r", chat_result::success, 0, {}, {}, {"REGEX \"(ab){2}\\d\""}},
    {"without extensions ANY is an expect of the word ANY", "ANY x", false, {{1s, "ANY"}}, "x\r",
     "x\r", chat_result::success, 0, {}, {}, {"\"ANY\""}},
    {"a quiet send is redacted as a whole", "'' \\qATDT\\T", false, {}, "ATDT5551212\r", "********",
     chat_result::success, 0},
    {"a hang-up ends the script with exit code 2", "'' AT OK x", false, {{1s, "", true}}, "AT\r",
     "AT\r", chat_result::hangup, 2},
    {"HANGUP OFF ignores a hang-up (callback scripts)", "HANGUP OFF '' AT OK x", false,
     {{1s, "", true}, {2s, "OK"}}, "AT\rx\r", "AT\rx\r", chat_result::success, 0, {}, {}, {"\"OK\""}},
    {"the header's callback example: a CALLBACK string ends the script with exit code 64",
     "#dialup: extensions\nABORT incorrect\nCALLBACK 'alling you back'\nogin: \\U\nassword: \\P\n"
     "'allback number:' \\B\n'logged in' ''\n",
     false,
     {{1s, "login: "}, {2s, "joe\r\nPassword: "}, {3s, "\r\nCallback number: "},
      {4s, "5550199\r\nCalling you back in 30 s\r\n"}},
     "joe\rs3cret\r5550199\r", "joe\r********\r5550199\r", chat_result::callback, 64, {}, {},
     {"\"ogin:\"", "\"assword:\"", "\"allback number:\""}, {}, {}, {}, " in 30 s\r\n",
     "alling you back"},
    {"the first CALLBACK string written that matches is the one reported",
     "CALLBACK 'call you back' CALLBACK 'back' '' AT OK x", true, {{1s, "we will call you back"}},
     "AT\r", "AT\r", chat_result::callback, 64, {}, {}, {}, {}, {}, {}, {}, "call you back"},
    {"an ABORT string is checked before a CALLBACK string that ends at the same byte",
     "CALLBACK 'call back' ABORT back '' AT OK x", true, {{1s, "call back\r\n"}}, "AT\r", "AT\r",
     chat_result::abort, 4, {}, {}, {}, {}, {}, "back", "\r\n"},
    {"the expect is checked before the CALLBACK strings at the same byte",
     "CALLBACK back '' AT back x", true, {{1s, "call back"}}, "AT\rx\r", "AT\rx\r",
     chat_result::success, 0, {}, {}, {"\"back\""}},
    {"a CALLBACK string applies from where it is written, to plain, REGEX and ANY expects",
     "'' AT OK x CALLBACK 'call back' REGEX '^done' y", true,
     {{1s, "call back\r\nOK\r\n"}, {2s, "call back\r\n"}}, "AT\rx\r", "AT\rx\r",
     chat_result::callback, 64, {}, {}, {"\"OK\""}, {}, {}, {}, "\r\n", "call back"},
    {"a CALLBACK string ends an ANY", "CALLBACK 'call back' ANY ogin: x sername: y END", true,
     {{1s, "call back"}}, "", "", chat_result::callback, 64, {}, {}, {}, {}, {}, {}, {}, "call back"},
    {"without extensions CALLBACK is an expect of the word CALLBACK", "CALLBACK x", false,
     {{1s, "CALLBACK"}}, "x\r", "x\r", chat_result::success, 0, {}, {}, {"\"CALLBACK\""}},
    {"\\B sends the callback number and shows it (not a secret), in sends and SAY",
     "SAY 'call me on \\B\\n' '' 'AT#CB=\\B'", false, {}, "AT#CB=5550199\r", "AT#CB=5550199\r",
     chat_result::success, 0, {"call me on 5550199\n"}},
};

void check_result(const scenario& sc, const run_result& r) {
  REQUIRE(r.outcome.has_value());
  CHECK(r.sent == sc.sent);
  CHECK(r.shown == sc.shown);
  CHECK(r.outcome->result == sc.result);
  CHECK(r.outcome->exit_code == sc.exit_code);
  CHECK(r.says == sc.says);
  CHECK(r.reports == sc.reports);
  CHECK(r.matched == sc.matched);
  CHECK(r.unread == sc.unread);
  if (sc.result == chat_result::timeout) {
    CHECK(r.outcome->expect == sc.timeout_expect);
    CHECK(r.outcome->where == sc.timeout_where);
  }
  if (sc.result == chat_result::abort) {
    CHECK(r.outcome->abort_string == sc.abort_string);
    CHECK(r.outcome->abort_index == sc.exit_code - 4);
  }
  if (sc.result == chat_result::callback) {
    CHECK(r.outcome->callback_string == sc.callback_string);
    CHECK_FALSE(r.outcome->error());
  }
  REQUIRE_FALSE(r.actions.empty());
  CHECK(r.actions.back().kind == chat_action_kind::outcome);
  for (std::size_t i = 1; i < r.actions.size(); ++i) CHECK(r.actions[i - 1].at <= r.actions[i].at);
}

TEST_CASE("runner scenarios give chat's sends, reports and exit codes") {
  for (const auto& sc : scenarios) {
    CAPTURE(std::string(sc.name));
    check_result(sc, drive(sc));
  }
}

TEST_CASE("runner scenarios give the same results with the received data split at every byte") {
  for (const auto& sc : scenarios) {
    std::size_t total = 0;
    for (const auto& e : sc.events) total += e.bytes.size();
    for (std::size_t cut = 1; cut < total; ++cut) {
      CAPTURE(std::string(sc.name));
      CAPTURE(cut);
      check_result(sc, drive(sc, cut));
    }
  }
}

TEST_CASE("a REGEX that would backtrack matches in linear time and TIMEOUT still ends it") {
  // The hostile case: (a*)*b against a long run of 'a' that never ends in 'b'. A backtracking
  // matcher needs exponential time per byte; RE2 needs time linear in the window.
  chat_parse_options o;
  o.extensions = true;
  chat_runner r(chat_script::parse("TIMEOUT 10 REGEX '(a*)*b' x", o), isp_subs());
  r.start(t0);
  const auto before = std::chrono::steady_clock::now();
  for (int i = 0; i < 3000; ++i) r.feed("a", t0 + 1s);
  r.feed(std::string(64 << 10, 'a'), t0 + 2s);  // a flood: the window stays 1024 bytes
  const auto cpu = std::chrono::steady_clock::now() - before;
  CHECK_FALSE(r.done());
  r.advance(t0 + 11s);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::timeout);
  // Generous bound (sanitizer builds are slow): a backtracking matcher takes minutes here.
  CHECK(cpu < 60s);
}

TEST_CASE("a script past max_bytes is refused with 752 before it is parsed") {
  chat_parse_options o;
  o.max_bytes = 64;
  chat_syntax_error err;
  CHECK(chat_script::parse(std::string(64, 'x'), err, o).has_value());
  REQUIRE_FALSE(chat_script::parse(std::string(65, 'x'), err, o).has_value());
  CHECK(err.reason == "script longer than 64 bytes");
  CHECK(err.code() == dialup::ras_error::script_syntax);
  REQUIRE_FALSE(chat_script::parse_words({std::string(40, 'x'), std::string(40, 'y')}, err, o));
  CHECK(err.reason == "script longer than 64 bytes");
  // The default is 1 MiB, the same limit the CLI puts on a --script file.
  CHECK(chat_parse_options{}.max_bytes == 1u << 20);
}

TEST_CASE("a pathological REGEX does not backtrack exponentially") {
  chat_parse_options o;
  o.extensions = true;
  chat_runner r(chat_script::parse("TIMEOUT 2 REGEX '(a*)*b' x", o), isp_subs());
  r.start(t0);
  r.feed(std::string(60, 'a'), t0 + 1s);  // 2^60 paths for a backtracking matcher
  CHECK_FALSE(r.done());
  r.feed("b", t0 + 1s);
  REQUIRE(r.done() == false);  // the send is still to come
  r.advance(t0 + 2s);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::success);
}

// ---------------------------------------------------------------------------------------------
// Timing

std::vector<chat_action> run_sends(const std::string& script, chat_clock::time_point until) {
  chat_runner r(chat_script::parse(script), isp_subs());
  r.start(t0);
  std::vector<chat_action> out;
  while (auto d = r.next_deadline()) {
    if (*d > until) break;
    r.advance(*d);
    for (auto& a : r.take_actions()) out.push_back(a);
  }
  return out;
}

TEST_CASE("send bytes are paced 10 ms apart and \\d adds one second to the schedule") {
  auto acts = run_sends("'' 'AT\\dZ\\c'", t0 + 10s);
  REQUIRE(acts.size() == 3);
  CHECK(acts[0].kind == chat_action_kind::send);
  CHECK(acts[0].bytes == "AT");
  CHECK(acts[0].at == t0 + 10ms);
  CHECK(acts[0].spacing == 10ms);
  CHECK(acts[0].due(1) == t0 + 20ms);
  CHECK(acts[1].kind == chat_action_kind::send);
  CHECK(acts[1].bytes == "Z");
  CHECK(acts[1].at == t0 + 20ms + 1s + 10ms);
  CHECK(acts[2].kind == chat_action_kind::outcome);
  CHECK(acts[2].at == t0 + 1030ms);
}

TEST_CASE("\\p pauses 10 ms and \\K sends a break that takes 250 ms") {
  auto acts = run_sends("'' 'A\\pB\\KC'", t0 + 10s);
  REQUIRE(acts.size() == 5);
  CHECK(acts[0].at == t0 + 10ms);
  CHECK(acts[1].bytes == "B");
  CHECK(acts[1].at == t0 + 30ms);
  CHECK(acts[2].kind == chat_action_kind::send_break);
  CHECK(acts[2].at == t0 + 30ms);
  CHECK(acts[3].bytes == "C\r");
  CHECK(acts[3].at == t0 + 290ms);
  CHECK(acts[4].kind == chat_action_kind::outcome);
  CHECK(acts[4].at == t0 + 300ms);
}

TEST_CASE("actions are released only when due, and the expect timer starts after the last byte") {
  chat_runner r(chat_script::parse("'' AT OK"), isp_subs());
  r.start(t0);
  CHECK(r.take_actions().empty());
  CHECK(r.waiting_for() == "\"OK\"");
  REQUIRE(r.next_deadline() == t0 + 10ms);
  r.advance(t0 + 10ms);
  auto a = r.take_actions();
  REQUIRE(a.size() == 1);
  CHECK(a[0].bytes == "AT\r");
  // "AT\r" ends at 30 ms: the 45 s timeout of OK counts from there.
  CHECK(r.next_deadline() == t0 + 30ms + 45s);
  r.advance(t0 + 30ms + 45s - 1ms);
  CHECK_FALSE(r.done());
  r.advance(t0 + 30ms + 45s);
  CHECK(r.done());
  CHECK(r.outcome()->result == chat_result::timeout);
  CHECK(r.outcome()->at == t0 + 30ms + 45s);
  CHECK(r.outcome()->error() == dialup::ras_error::request_timeout);
  CHECK_FALSE(r.next_deadline().has_value());
  CHECK(r.waiting_for().empty());
}

TEST_CASE("bytes that arrive while a send is still going are read by the next expect") {
  chat_runner r(chat_script::parse("'' ATZ OK ATDT CONNECT"), isp_subs());
  r.start(t0);
  r.feed("OK\r\n", t0 + 5ms);  // before ATZ has even been written: it queues for the expect
  r.advance(t0 + 1s);
  std::string sent;
  for (auto& a : r.take_actions())
    if (a.kind == chat_action_kind::send) sent += a.bytes;
  CHECK(sent == "ATZ\rATDT\r");
  // The OK match happens when ATZ's last byte is written (40 ms); ATDT follows from there.
  r.feed("CONNECT", t0 + 2s);
  CHECK(r.done());
  CHECK(r.outcome()->result == chat_result::success);
}

TEST_CASE("the caller's late timer still times out at the exact deadline") {
  chat_runner r(chat_script::parse("TIMEOUT 1 ogin:--ogin: x"), isp_subs());
  r.start(t0);
  r.advance(t0 + 100s);  // both the first wait, its CR and the second wait are over
  CHECK(r.done());
  CHECK(r.outcome()->at == t0 + 1s + 10ms + 1s);
  CHECK(r.outcome()->attempt == 1);
}

// ---------------------------------------------------------------------------------------------
// Secrets

TEST_CASE("the password never appears in anything the module produces for display") {
  const std::string pw = "s3cret";
  auto script = chat_script::parse(
      "ECHO ON REPORT 'Your password is' SAY 'pw=\\P\\n' '' ATDT\\T OK \\P ogin: \\qjoe assword: @pwfile");
  CHECK(script.describe().find(pw) == std::string::npos);
  chat_substitutions subs = isp_subs();
  subs.read_file = [](const std::string& name) -> std::optional<std::string> {
    if (name == "pwfile") return std::string("s3cret\n");
    return std::nullopt;
  };
  chat_runner r(script, subs);
  r.start(t0);
  // The remote echoes what we type, the password included, and reports it back.
  r.feed("OK\r\n", t0 + 1s);
  r.feed("s3cret\r\nYour password is s3cret\r\nlogin: ", t0 + 2s);
  r.feed("joe\r\nPassword: ", t0 + 3s);
  r.advance(t0 + 10s);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::success);
  CHECK(r.outcome()->to_string().find(pw) == std::string::npos);
  std::string real;
  int echo = 0, reports = 0;
  for (const auto& a : r.take_actions()) {
    CAPTURE(to_string(a));
    CHECK(to_string(a).find(pw) == std::string::npos);
    CHECK(a.redacted.find(pw) == std::string::npos);
    CHECK(a.text.find(pw) == std::string::npos);
    if (a.kind == chat_action_kind::send) real += a.bytes;
    if (a.kind == chat_action_kind::echo) ++echo;
    if (a.kind == chat_action_kind::report) {
      ++reports;
      CHECK(a.text == "Your password is ********");
    }
    if (a.kind == chat_action_kind::say) CHECK(a.text == "pw=********\n");
  }
  CHECK(echo > 0);
  CHECK(reports == 1);
  // ...while the modem got the real bytes: \P, the quiet user name and the @file content.
  CHECK(real == "ATDT5551212\rs3cret\rjoe\rs3cret\r");
}

TEST_CASE("the redacted form of a send replaces only the \\P part") {
  chat_runner r(chat_script::parse("'' 'user:\\U pass:\\P\\c'"), isp_subs());
  r.start(t0);
  r.advance(t0 + 1s);
  auto acts = r.take_actions();
  REQUIRE(acts.size() == 2);
  CHECK(acts[0].bytes == "user:joe pass:s3cret");
  CHECK(acts[0].redacted == "user:joe pass:********");
  CHECK(to_string(acts[0]) == "send \"user:joe pass:********\"");
}

TEST_CASE("without a password, \\P sends P as chat would; without a phone, \\T sends T") {
  chat_runner r(chat_script::parse("'' ATDT\\T\\P"), chat_substitutions{});
  r.start(t0);
  r.advance(t0 + 1s);
  auto acts = r.take_actions();
  REQUIRE(acts.size() == 2);
  CHECK(acts[0].bytes == "ATDTTP\r");
}

TEST_CASE("without a callback number, \\B sends B as chat would (with or without extensions)") {
  for (bool ext : {false, true}) {
    CAPTURE(ext);
    chat_parse_options o;
    o.extensions = ext;
    chat_runner r(chat_script::parse("'' 'number:\\B'", o), chat_substitutions{});
    r.start(t0);
    r.advance(t0 + 1s);
    auto acts = r.take_actions();
    REQUIRE(acts.size() == 2);
    CHECK(acts[0].bytes == "number:B\r");
    CHECK(acts[0].redacted == "number:B\r");
  }
}

TEST_CASE("with strict off, \\B in an expect matches the letter B, as chat reads it") {
  chat_parse_options o;
  o.strict = false;
  chat_runner r(chat_script::parse("OK\\B x", o), isp_subs());
  r.start(t0);
  r.feed("OKB", t0 + 1s);
  r.advance(t0 + 2s);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::success);
}

TEST_CASE("a callback outcome names its string, has exit code 64 and no error") {
  chat_parse_options o;
  o.extensions = true;
  chat_runner r(chat_script::parse("ABORT incorrect CALLBACK 'alling you back' ogin: \\U", o),
                isp_subs());
  r.start(t0);
  r.feed("\r\nCalling you back\r\n", t0 + 1s);
  REQUIRE(r.done());
  const auto& out = *r.outcome();
  CHECK(out.result == chat_result::callback);
  CHECK(out.exit_code == 64);
  CHECK(out.callback_string == "alling you back");
  CHECK(out.abort_index == -1);
  CHECK(out.abort_string.empty());
  CHECK(out.at == t0 + 1s);
  CHECK_FALSE(out.error());
  CHECK(dialup::to_string(chat_result::callback) == "callback");
  CHECK(out.to_string() == "callback on \"alling you back\" (CALLBACK string) (exit 64)");
  auto acts = r.take_actions();
  REQUIRE_FALSE(acts.empty());
  CHECK(to_string(acts.back()) == "outcome callback on \"alling you back\" (CALLBACK string) (exit 64)");
  CHECK(r.take_unread() == "\r\n");
}

TEST_CASE("an ABORT string that says the password expired gives 648 from the runner") {
  chat_runner r(chat_script::parse("ABORT incorrect ABORT 'password has expired' ogin: \\U"),
                isp_subs());
  r.start(t0);
  r.feed("Your password has expired\r\n", t0 + 1s);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::abort);
  CHECK(r.outcome()->exit_code == 5);
  CHECK(r.outcome()->error() == dialup::ras_error::passwd_expired);
  CHECK(r.outcome()->error().value() == 648);
}

TEST_CASE("an @file that cannot be read fails the script with exit code 1") {
  chat_runner r(chat_script::parse("'' @/no/such"), chat_substitutions{});
  r.start(t0);
  REQUIRE(r.done());
  CHECK(r.outcome()->result == chat_result::failed);
  CHECK(r.outcome()->exit_code == 1);
}

TEST_CASE("ECHO ON shows modem output in chat's style, CR dropped and controls as ^X") {
  chat_runner r(chat_script::parse("ECHO ON '' AT OK"), isp_subs());
  r.start(t0);
  r.feed("AT\r\r\n\x07OK", t0 + 1s);
  std::string shown;
  for (auto& a : r.take_actions())
    if (a.kind == chat_action_kind::echo) shown += a.text;
  CHECK(shown == "AT\n^GOK\n");
}

TEST_CASE("a report line can be written as chat writes it, with the caller's time") {
  std::tm tm{};
  tm.tm_mon = 10;
  tm.tm_mday = 4;
  tm.tm_hour = 21;
  tm.tm_min = 5;
  tm.tm_sec = 32;
  // Taken from chat 2.4.9's report output for REPORT CONNECT.
  CHECK(dialup::chat_report_line("CONNECT 33600/ARQ", tm) == "chat:  Nov 04 21:05:32 CONNECT 33600/ARQ");
}

TEST_CASE("abort outcomes suggest the RAS error of the modem's reply") {
  dialup::chat_outcome o;
  o.result = chat_result::abort;
  o.abort_string = "BUSY";
  CHECK(o.error() == dialup::ras_error::line_busy);
  o.abort_string = "NO CARRIER";
  CHECK(o.error() == dialup::ras_error::no_carrier);
  o.abort_string = "Login incorrect";
  CHECK(o.error() == dialup::ras_error::authentication_failure);
  o.abort_string = "ERROR";
  CHECK(o.error() == dialup::ras_error::from_device);
  for (const char* expired : {"password has expired", "EXPIRED", "Your Password Expired!", "xExPiReDx"}) {
    CAPTURE(std::string(expired));
    o.abort_string = expired;
    CHECK(o.error() == dialup::ras_error::passwd_expired);
  }
  o.abort_string = "expire";  // not the word "expired"
  CHECK(o.error() == dialup::ras_error::authentication_failure);
}

TEST_CASE("outcomes other than abort keep their RAS errors; a callback is not an error") {
  dialup::chat_outcome o;
  CHECK_FALSE(o.error());
  o.result = chat_result::callback;
  o.callback_string = "password has expired";  // only ABORT strings are read for "expired"
  CHECK_FALSE(o.error());
  o.result = chat_result::timeout;
  CHECK(o.error() == dialup::ras_error::request_timeout);
  o.result = chat_result::hangup;
  CHECK(o.error() == dialup::ras_error::remote_disconnection);
  o.result = chat_result::failed;
  CHECK(o.error() == dialup::ras_error::script_syntax);
}

}  // namespace
