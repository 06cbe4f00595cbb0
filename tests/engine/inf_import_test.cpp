// Windows modem INF import (inf_import.hpp): the INF syntax, the Unimodem model of a
// hand-written INF with every Responses state and options byte, bad input, and the
// conversions to a TOML profile and to a modem_profile.
#include "dialup/engine/inf_import.hpp"

#include <doctest/doctest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "dialup/engine/at_parser.hpp"
#include "dialup/engine/profile_file.hpp"

using namespace dialup;

namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(DIALUP_ENGINE_TEST_DIR) + "/data/inf/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "no test file " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string& sample() {
  static const std::string s = read_data("conexant_like.inf");
  return s;
}

// The 1-based line of the first occurrence of `needle` in `text` (0 when absent), so a test
// names a line by its content rather than by a number that an edit of the file would shift.
std::size_t line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return 0;
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

inf_modem import_sample(const std::string& model) {
  inf_modem m;
  auto err = import_inf(sample(), "conexant_like.inf", model, m);
  REQUIRE_MESSAGE(!err, err.message());
  return m;
}

bool has_warning(const inf_modem& m, std::size_t line, const std::string& part) {
  return std::any_of(m.warnings.begin(), m.warnings.end(), [&](const inf_warning& w) {
    return w.line == line && w.what.find(part) != std::string::npos;
  });
}

// A sentinel import, so "untouched on error" is visible.
inf_modem sentinel() {
  inf_modem m;
  REQUIRE_FALSE(import_inf("[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=S\n[S]\nX=I,ID\n"
                           "[I]\nAddReg=R\n[R]\nHKR,,Reset,,\"ATZ<cr>\"\n",
                           "s.inf", "", m));
  return m;
}

const char* const minimal_head =
    "[Version]\nSignature=\"$Windows NT$\"\nClass=Modem\n"
    "[Manufacturer]\n%M%=Models\n[Models]\n%D%=Install,USB\\VID_1234&PID_ABCD\n"
    "[Install]\nAddReg=Reg\n[Strings]\nM=\"Maker\"\nD=\"Model\"\n[Reg]\n";

}  // namespace

TEST_CASE("the sample INF lists its model lines in file order, with strings substituted") {
  inf_document doc;
  auto err = parse_inf(sample(), "conexant_like.inf", doc);
  REQUIRE_MESSAGE(!err, err.message());
  std::vector<inf_model_ref> models;
  REQUIRE_FALSE(list_inf_models(doc, models));
  REQUIRE(models.size() == 5);
  CHECK(models[0].manufacturer == "Conexant-like Modems");
  CHECK(models[0].description == "Conexant-like USB 56K Modem");
  CHECK(models[0].install_section == "Modem1");
  CHECK(models[0].hardware_ids == std::vector<std::string>{"USB\\VID_0572&PID_1329"});
  CHECK(models[0].models_section == "Conexant");
  CHECK(models[0].line == line_of(sample(), "%Modem1% = Modem1"));
  CHECK(models[1].hardware_ids ==
        std::vector<std::string>{"PCI\\VEN_14F1&DEV_2F00&SUBSYS_200F14F1", "PCI\\VEN_14F1&DEV_2F00"});
  CHECK(models[2].models_section == "Conexant.NTamd64");
  // [Generic] is absent; its decorated [Generic.NTamd64] is read. Modem3's name is only in the
  // localized [Strings.0407], which fills in what [Strings] lacks.
  CHECK(models[4].manufacturer == "Generic Modems");
  CHECK(models[4].description == "Standard 33600 bps Modem");
  CHECK(models[4].models_section == "Generic.NTamd64");
  // [Strings] wins over [Strings.0407] for a key both define.
  CHECK(models[0].description.find("ähnlich") == std::string::npos);
}

TEST_CASE("a model is chosen by description, install section or hardware id, case-insensitively") {
  struct vector {
    const char* name;
    const char* install;
  };
  const vector vectors[] = {
      {"Conexant-like USB 56K Modem", "Modem1.NT"},
      {"conexant-like pci 56k modem", "Modem2"},
      {"USB\\VID_0572&PID_1329", "Modem1.NT"},
      {"usb\\vid_0572&pid_1329", "Modem1.NT"},
      {"PCI\\VEN_14F1&DEV_2F00", "Modem2"},  // a compatible id
      {"modem3", "Modem3"},
      {"MDMGEN336", "Modem3"},
  };
  for (const auto& v : vectors) {
    INFO(v.name);
    auto m = import_sample(v.name);
    CHECK(m.install_section == v.install);
  }
}

TEST_CASE("several models and none named, or a name that matches none, is an error listing the models") {
  auto m = sentinel();
  const auto before = m;
  auto err = import_inf(sample(), "conexant_like.inf", "", m);
  REQUIRE(err);
  CHECK(err.line == 0);
  CHECK(err.reason.find("the INF has 5 models; name one") != std::string::npos);
  CHECK(err.reason.find("\"Conexant-like PCI 56K Modem\" (Modem2, PCI\\VEN_14F1&DEV_2F00&SUBSYS_200F14F1") !=
        std::string::npos);
  CHECK(err.message().rfind("conexant_like.inf: the INF has 5", 0) == 0);
  CHECK(m == before);
  err = import_inf(sample(), "conexant_like.inf", "USR Courier", m);
  REQUIRE(err);
  CHECK(err.reason.find("no model \"USR Courier\" in the INF; its models: \"Conexant-like USB") != std::string::npos);
  CHECK(m == before);
}

TEST_CASE("an INF with one model imports it when none is named") {
  inf_modem m;
  auto err = import_inf(std::string(minimal_head) + "HKR, Init, 1,, \"ATZ<cr>\"\n", "one.inf", "", m);
  REQUIRE_MESSAGE(!err, err.message());
  CHECK(m.description == "Model");
  CHECK(m.manufacturer == "Maker");
  REQUIRE(m.init.size() == 1);
  CHECK(m.init[0].text == "ATZ<cr>");
}

TEST_CASE("the USB model's commands, settings, Properties and DCB are read as the registry would hold them") {
  auto m = import_sample("USB\\VID_0572&PID_1329");
  CHECK(m.file == "conexant_like.inf");
  CHECK(m.description == "Conexant-like USB 56K Modem");
  CHECK(m.install_section == "Modem1.NT");  // the NT-decorated section wins over none
  CHECK(m.reset == "ATZ<cr>");
  CHECK(m.reset_line == line_of(sample(), "HKR,, Reset"));
  // Init\1 from [All], Init\2 and Init\10 from [Modem1.AddReg]: ordered by number, not text.
  REQUIRE(m.init.size() == 3);
  CHECK(m.init[0].text == "AT<cr>");
  CHECK(m.init[1].text == "AT&FE0V1W1X4&C1&D2S0=0<cr>");
  CHECK(m.init[1].line == line_of(sample(), "HKR, Init, 2,, \"AT&FE0V1W1"));
  CHECK(m.init[2].number == "10");
  CHECK(m.init[2].text == "ATL1<cr>");
  REQUIRE(m.monitor.size() == 2);
  CHECK(m.monitor[0].text == "ATS0=0<cr>");
  CHECK(m.monitor[1].text == "None");
  REQUIRE(m.answer.size() == 1);
  CHECK(m.answer[0].text == "ATA<cr>");
  REQUIRE(m.hangup.size() == 1);
  CHECK(m.hangup[0].text == "ATH<cr>");

  struct setting {
    const char* name;
    const char* value;  // nullptr: absent
  };
  const setting settings[] = {
      {"Prefix", "AT"},            // FLG_ADDREG_NOCLOBBER kept [All]'s value
      {"Terminator", "<cr>"},
      {"DialPrefix", "D"},
      {"DialSuffix", ";"},
      {"Tone", "T"},
      {"Pulse", "P"},
      {"Blind_Off", "X4"},
      {"Blind_On", "X3"},
      {"CallSetupFailTimer", "S7=<#>"},
      {"InactivityTimeout", "S30=<#>"},
      {"SpeakerVolume_Low", "L0"},
      {"SpeakerVolume_Med", "L2"},
      {"SpeakerVolume_High", "L3"},
      {"SpeakerMode_Off", "M0"},
      {"SpeakerMode_Dial", "M1"},
      {"SpeakerMode_On", "M2"},
      {"SpeakerMode_Setup", "M1"},  // a later AddReg section replaced [All]'s M3
      {"FlowControl_Off", "&K0"},
      {"FlowControl_Hard", "&K3"},
      {"FlowControl_Soft", "&K4"},
      {"ErrorControl_On", "\\N3"},
      {"ErrorControl_Off", "\\N0"},
      {"ErrorControl_Forced", "\\N2"},
      {"Compression_On", "%C3"},  // %% is one percent sign
      {"Compression_Off", "%C0"},
      {"Modulation_CCITT", "B0"},
      {"Modulation_Bell", "B1"},
      {"SpeedNegotiation_On", "N1"},
      {"SpeedNegotiation_Off", "N0"},
      {"DialBilling", nullptr},  // FLG_ADDREG_DELVAL removed it
      {"VendorTurbo", "-STE=1"},  // undocumented, kept and reported
  };
  for (const auto& s : settings) {
    INFO(s.name);
    const auto* got = m.setting(s.name);
    if (s.value == nullptr) {
      CHECK(got == nullptr);
    } else {
      REQUIRE(got != nullptr);
      CHECK(got->value == s.value);
    }
  }
  CHECK(m.setting("speakermode_setup")->line == line_of(sample(), "SpeakerMode_Setup,, \"M1\""));

  // Properties across three continued lines: docs/ras-model.md §8.4's DDK example.
  REQUIRE(m.properties.present());
  CHECK(m.properties.line == line_of(sample(), "HKR,, Properties, 1, 80"));
  CHECK(m.properties.dial_options == 0x180);
  CHECK(inf_dial_option_names(m.properties.dial_options) == std::vector<std::string>{"quiet", "dialtone"});
  CHECK(m.properties.call_setup_fail_timeout == 255);
  CHECK(m.properties.inactivity_timeout == 255);
  CHECK(inf_speaker_volume_names(m.properties.speaker_volume) == std::vector<std::string>{"low", "medium", "high"});
  CHECK(inf_speaker_mode_names(m.properties.speaker_mode) ==
        std::vector<std::string>{"off", "dial", "on", "callsetup"});
  CHECK(m.properties.modem_options == 0x3F7);
  CHECK(inf_modem_option_names(m.properties.modem_options) ==
        std::vector<std::string>{"compression", "error_control", "forced_ec", "flowcontrol_hard",
                                 "flowcontrol_soft", "ccitt_override", "speed_adjust", "tone_dial",
                                 "blind_dial"});
  CHECK(m.properties.max_dte_rate == 115200);
  CHECK(m.properties.max_dce_rate == 14400);
  CHECK(m.properties.extra.empty());

  REQUIRE(m.dcb.present());
  CHECK(m.dcb.length == 28);
  CHECK(m.dcb.baud_rate == 115200);
  CHECK(m.dcb.rts_cts());
  CHECK_FALSE(m.dcb.xon_xoff());
  CHECK(m.dcb.byte_size == 8);
  CHECK(m.dcb.parity == 0);
  CHECK(m.dcb.stop_bits == 0);
  CHECK(m.dcb.raw.size() == 26);  // as many INFs write it: no wReserved1
  CHECK(has_warning(m, m.dcb.line, "HKR\\DCB's DCBlength is 28 in 26 bytes; 28 expected"));
  CHECK(m.inactivity_scale == 60u);
  CHECK(m.maximum_port_speed == 115200u);  // REG_DWORD (0x00010001) written as a number
  CHECK(m.compatibility_flags == std::vector<std::uint8_t>{1, 0, 0, 0});

  // The PCI model has its own Properties and DCB.
  auto pci = import_sample("Conexant-like PCI 56K Modem");
  CHECK(pci.dcb.baud_rate == 57600);
  CHECK(pci.properties.max_dte_rate == 921600);
  CHECK(pci.properties.max_dce_rate == 64000);
  CHECK(pci.init[1].text == "AT&FE0V1W0X4&C1&D2S0=0<cr>");
}

TEST_CASE("every Responses state and options byte of the sample is decoded as the reference describes") {
  auto m = import_sample("Modem1");
  struct vector {
    const char* text;  // as written, macros included
    const char* reply;
    std::uint8_t state;
    const char* state_name;
    std::uint8_t options;
    bool compression, error_control, cellular;
    std::uint32_t dce, dte;
    response_kind kind;
  };
  using k = response_kind;
  const vector vectors[] = {
      {"<cr><lf>OK<cr><lf>", "OK", 0x00, "ok", 0, false, false, false, 0, 0, k::ok},
      {"0<cr>", "0", 0x00, "ok", 0, false, false, false, 0, 0, k::ok},
      {"<cr><lf>CARRIER 33600<cr><lf>", "CARRIER 33600", 0x01, "negotiation_progress", 0, false, false, false, 33600, 0, k::progress},
      {"<cr><lf>PROTOCOL: NONE<cr><lf>", "PROTOCOL: NONE", 0x01, "negotiation_progress", 0x00, false, false, false, 0, 0, k::progress},
      {"<cr><lf>COMPRESSION: CLASS 5<cr><lf>", "COMPRESSION: CLASS 5", 0x01, "negotiation_progress", 0x01, true, false, false, 0, 0, k::progress},
      {"<cr><lf>PROTOCOL: LAPM<cr><lf>", "PROTOCOL: LAPM", 0x01, "negotiation_progress", 0x02, false, true, false, 0, 0, k::progress},
      {"<cr><lf>COMPRESSION: V.42BIS<cr><lf>", "COMPRESSION: V.42BIS", 0x01, "negotiation_progress", 0x03, true, true, false, 0, 0, k::progress},
      {"<cr><lf>PROTOCOL: CELLULAR<cr><lf>", "PROTOCOL: CELLULAR", 0x01, "negotiation_progress", 0x08, false, false, true, 0, 0, k::progress},
      {"<cr><lf>COMPRESSION: CELLULAR CLASS 5<cr><lf>", "COMPRESSION: CELLULAR CLASS 5", 0x01, "negotiation_progress", 0x09, true, false, true, 0, 0, k::progress},
      {"<cr><lf>PROTOCOL: ALT-CELLULAR<cr><lf>", "PROTOCOL: ALT-CELLULAR", 0x01, "negotiation_progress", 0x0A, false, true, true, 0, 0, k::progress},
      {"<cr><lf>COMPRESSION: CELLULAR V.42BIS<cr><lf>", "COMPRESSION: CELLULAR V.42BIS", 0x01, "negotiation_progress", 0x0B, true, true, true, 0, 0, k::progress},
      {"<cr><lf>COMPRESSION: NONE<cr><lf>", "COMPRESSION: NONE", 0x01, "negotiation_progress", 0x00, false, false, false, 0, 0, k::progress},
      {"<cr><lf>CONNECT<cr><lf>", "CONNECT", 0x02, "connect", 0, false, false, false, 0, 0, k::connect},
      {"<cr><lf>CONNECT 33600<cr><lf>", "CONNECT 33600", 0x02, "connect", 0, false, false, false, 33600, 0, k::connect},
      {"<cr><lf>CONNECT 28800/ARQ<cr><lf>", "CONNECT 28800/ARQ", 0x02, "connect", 0x02, false, true, false, 28800, 0, k::connect},
      {"<cr><lf>CONNECT 115200<cr><lf>", "CONNECT 115200", 0x02, "connect", 0, false, false, false, 0, 115200, k::connect},
      {"1<cr>", "1", 0x02, "connect", 0, false, false, false, 0, 0, k::connect},
      {"12<cr>", "12", 0x02, "connect", 0, false, false, false, 9600, 0, k::connect},
      {"<cr><lf>ERROR<cr><lf>", "ERROR", 0x03, "error", 0, false, false, false, 0, 0, k::error},
      {"<cr><lf>NO CARRIER<cr><lf>", "NO CARRIER", 0x04, "no_carrier", 0, false, false, false, 0, 0, k::no_carrier},
      {"<cr><lf>NO DIAL TONE<cr><lf>", "NO DIAL TONE", 0x05, "no_dialtone", 0, false, false, false, 0, 0, k::no_dialtone},
      {"<cr><lf>BUSY<cr><lf>", "BUSY", 0x06, "busy", 0, false, false, false, 0, 0, k::busy},
      {"<cr><lf>NO ANSWER<cr><lf>", "NO ANSWER", 0x07, "no_answer", 0, false, false, false, 0, 0, k::no_answer},
      {"<cr><lf>RING<cr><lf>", "RING", 0x08, "ring", 0, false, false, false, 0, 0, k::ring},
      {"4<cr>", "4", 0x03, "error", 0, false, false, false, 0, 0, k::error},
      {"3<cr>", "3", 0x04, "no_carrier", 0, false, false, false, 0, 0, k::no_carrier},
      {"6<cr>", "6", 0x05, "no_dialtone", 0, false, false, false, 0, 0, k::no_dialtone},
      {"7<cr>", "7", 0x06, "busy", 0, false, false, false, 0, 0, k::busy},
      {"8<cr>", "8", 0x07, "no_answer", 0, false, false, false, 0, 0, k::no_answer},
      {"2<cr>", "2", 0x08, "ring", 0, false, false, false, 0, 0, k::ring},
      {"<cr><lf>SSV<cr><lf>", "SSV", 0x09, "voiceview_ssv", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>SMD<cr><lf>", "SMD", 0x0A, "voiceview_smd", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>SFA<cr><lf>", "SFA", 0x0B, "voiceview_sfa", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>SRA<cr><lf>", "SRA", 0x0C, "voiceview_sra", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>SRQ<cr><lf>", "SRQ", 0x0D, "voiceview_srq", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>SRC<cr><lf>", "SRC", 0x0E, "voiceview_src", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>STO<cr><lf>", "STO", 0x0F, "voiceview_sto", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>SVM<cr><lf>", "SVM", 0x10, "voiceview_svm", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>DRON=", "DRON=", 0x11, "ring_duration", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>DROF=", "DROF=", 0x12, "ring_break", 0, false, false, false, 0, 0, k::unsolicited},
      {"<cr><lf>DATE = ", "DATE =", 0x13, "caller_id_date", 0, false, false, false, 0, 0, k::caller_id},
      {"<cr><lf>TIME = ", "TIME =", 0x14, "caller_id_time", 0, false, false, false, 0, 0, k::caller_id},
      {"<cr><lf>NMBR = ", "NMBR =", 0x15, "caller_id_number", 0, false, false, false, 0, 0, k::caller_id},
      {"<cr><lf>NAME = ", "NAME =", 0x16, "caller_id_name", 0, false, false, false, 0, 0, k::caller_id},
      {"<cr><lf>MESG = ", "MESG =", 0x17, "caller_id_message", 0, false, false, false, 0, 0, k::caller_id},
      {"<cr><lf>RING A<cr><lf>", "RING A", 0x18, "distinctive_ring_single", 0, false, false, false, 0, 0, k::ring},
      {"<cr><lf>RING B<cr><lf>", "RING B", 0x19, "distinctive_ring_double", 0, false, false, false, 0, 0, k::ring},
      {"<cr><lf>RING C<cr><lf>", "RING C", 0x1A, "distinctive_ring_triple", 0, false, false, false, 0, 0, k::ring},
  };
  std::vector<bool> states(0x1B), options(0x0C);
  for (const auto& v : vectors) {
    INFO(v.text);
    auto it = std::find_if(m.responses.begin(), m.responses.end(),
                           [&](const inf_response& r) { return r.text == v.text; });
    REQUIRE(it != m.responses.end());
    CHECK(it->reply == v.reply);
    CHECK(int(it->state) == int(v.state));
    CHECK(inf_response_state_name(it->state) == v.state_name);
    CHECK(int(it->options) == int(v.options));
    CHECK(it->compression() == v.compression);
    CHECK(it->error_control() == v.error_control);
    CHECK(it->cellular() == v.cellular);
    CHECK(it->dce_rate == v.dce);
    CHECK(it->dte_rate == v.dte);
    CHECK(inf_response_kind(it->state) == v.kind);
    CHECK(it->prefix() == (v.state >= 0x11 && v.state <= 0x17));
    CHECK(it->line == line_of(sample(), std::string("\"") + v.text + "\""));
    states[v.state] = true;
    options[v.options] = true;
  }
  // Every state the reference names, every options byte it calls legal.
  CHECK(std::all_of(states.begin(), states.end(), [](bool b) { return b; }));
  for (int o : {0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B}) CHECK(options[o]);
  CHECK(m.responses.size() == std::size(vectors));
  CHECK(inf_response_state_name(0x1B) == "undocumented");
  CHECK(inf_response_kind(0x1B) == response_kind::unsolicited);
}

TEST_CASE("what the import does not use is reported with its line, never dropped silently") {
  auto m = import_sample("Modem1");
  const auto& s = sample();
  CHECK(has_warning(m, line_of(s, "Include   = mdmgen.inf"), "Include = mdmgen.inf is not followed"));
  CHECK(has_warning(m, line_of(s, "Needs     = Modem_Common"), "Needs = Modem_Common is not followed"));
  CHECK(has_warning(m, line_of(s, "CopyFiles"), "install-section key CopyFiles is not used"));
  CHECK(has_warning(m, line_of(s, "HKLM"), "registry root HKLM is not the modem's key (HKR)"));
  CHECK(has_warning(m, line_of(s, "VendorTurbo"), "Settings\\VendorTurbo is not a documented Unimodem setting"));
  CHECK(has_warning(m, line_of(s, "EnableCallerID"), "HKR\\EnableCallerID\\1 is not a value the import reads"));
  CHECK(has_warning(m, line_of(s, "SerialSpeedInit"), "HKR\\Fax\\SerialSpeedInit"));
  CHECK(has_warning(m, line_of(s, "DeviceType, 1, 01"), "HKR\\DeviceType"));
  // The unknown values themselves are kept, as written.
  struct vector {
    const char* subkey;
    const char* name;
    const char* needle;
    std::vector<std::string> data;
  };
  const vector unknown[] = {
      {"EnableCallerID", "1", "EnableCallerID", {"AT+VCID=1<cr>"}},
      {"Fax", "SerialSpeedInit", "SerialSpeedInit", {"19200"}},
      {"", "DeviceType", "DeviceType, 1, 01", {"01"}},
  };
  REQUIRE(m.unknown.size() == std::size(unknown));
  for (const auto& u : unknown) {
    INFO(u.name);
    auto it = std::find_if(m.unknown.begin(), m.unknown.end(),
                           [&](const inf_value& v) { return v.name == u.name; });
    REQUIRE(it != m.unknown.end());
    CHECK(it->subkey == u.subkey);
    CHECK(it->data == u.data);
    CHECK(it->line == line_of(s, u.needle));
  }
  CHECK(std::is_sorted(m.warnings.begin(), m.warnings.end(),
                       [](const inf_warning& a, const inf_warning& b) { return a.line < b.line; }));
  CHECK(m.message(m.warnings.front()).rfind("conexant_like.inf:", 0) == 0);
  // The PCI model's install section has no Include: no such warning there.
  auto pci = import_sample("Modem2");
  CHECK_FALSE(has_warning(pci, line_of(s, "Include   = mdmgen.inf"), "Include"));
  CHECK(has_warning(pci, line_of(s, "DeviceType, 1, 02"), "HKR\\DeviceType"));
}

TEST_CASE("INF syntax: quotes, comments, continuations, string keys, CRLF and repeated sections") {
  const std::string text =
      "; leading comment\r\n"
      "[Version]\r\n"
      "Signature = \"$Chicago$\" ; a comment after a value\r\n"
      "[A]\r\n"
      "key = \"a;b,c\" , plain value ,, \"say \"\"hi\"\"\"\r\n"
      "%S1% = x%S2%y, \"%S1%%%\", 50%\r\n"
      "long = one, \\\r\n"
      "       two, \\\r\n"
      "\r\n"
      "after = %nope%\r\n"
      "[a]\r\n"
      "more = 1\r\n"
      "[Strings]\r\n"
      "S1 = \"first\"\r\n"
      "S2=second\r\n";
  inf_document doc;
  auto err = parse_inf(text, "syntax.inf", doc);
  REQUIRE_MESSAGE(!err, err.message());
  const auto* a = doc.find("A");
  REQUIRE(a != nullptr);
  REQUIRE(a->entries.size() == 5);  // [a] continues [A]
  CHECK(a->entries[0].key == "key");
  CHECK(a->entries[0].fields == std::vector<std::string>{"a;b,c", "plain value", "", "say \"hi\""});
  CHECK(a->entries[1].key == "first");
  CHECK(a->entries[1].fields == std::vector<std::string>{"xsecondy", "first%", "50%"});
  CHECK(a->entries[2].key == "long");
  CHECK(a->entries[2].line == 7);
  CHECK(a->entries[2].fields == std::vector<std::string>{"one", "two", ""});
  CHECK(a->entries[3].fields == std::vector<std::string>{"%nope%"});
  CHECK(a->entries[4].key == "more");
  CHECK(doc.find("version")->entries[0].fields == std::vector<std::string>{"$Chicago$"});
  REQUIRE(doc.warnings.size() == 1);
  CHECK(doc.warnings[0] == inf_warning{10, "undefined string key %nope% is kept as written"});

  // The same text with LF line ends parses to the same document.
  std::string lf = text;
  lf.erase(std::remove(lf.begin(), lf.end(), '\r'), lf.end());
  inf_document doc2;
  REQUIRE_FALSE(parse_inf(lf, "syntax.inf", doc2));
  CHECK(doc2 == doc);
  // A UTF-8 byte-order mark and a DOS end-of-file character are not text.
  inf_document doc3;
  REQUIRE_FALSE(parse_inf("\xEF\xBB\xBF" + lf + "\x1A" + "garbage \x01", "syntax.inf", doc3));
  CHECK(doc3 == doc);
}

TEST_CASE("bad INF input is refused with file, line and reason, and nothing is half-loaded") {
  const std::string head = minimal_head;
  struct vector {
    const char* name;
    std::string text;
    std::size_t line;
    const char* reason;
  };
  const std::string resp = "HKR, Responses, \"<cr><lf>OK<cr><lf>\", 1, ";
  const vector vectors[] = {
      {"no [Version]", "[Manufacturer]\nM=S\n[S]\nD=I,ID\n", 0, "no [Version] section"},
      {"no [Manufacturer]", "[Version]\nSignature=$Windows NT$\n[Models]\nD=I,ID\n", 0, "no [Manufacturer] section"},
      {"a models section that is absent", "[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=Missing, NTamd64\n", 4,
       "names the models section [Missing], which is absent"},
      {"an install section that is absent", "[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=S\n[S]\nD=Gone,ID\n", 6,
       "the install section [Gone] of model \"D\" is absent"},
      {"an AddReg section that is absent",
       "[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=S\n[S]\nD=I,ID\n[I]\nAddReg=R1, R2\n[R1]\n", 8,
       "the AddReg section [R2] is absent"},
      {"a model line without a description", "[Version]\n[Manufacturer]\nM=S\n[S]\nI,ID\n", 5,
       "a model entry must read"},
      {"bad hex in Responses", head + resp + "00, 0G, 00,00,00,00, 00,00,00,00\n", 14,
       "bad hex byte \"0G\" in HKR\\Responses\\<cr><lf>OK<cr><lf>"},
      {"a three-digit hex byte", head + resp + "00, 100, 00,00,00,00, 00,00,00,00\n", 14, "bad hex byte \"100\""},
      {"an empty hex byte", head + resp + "00,, 00,00,00,00, 00,00,00,00\n", 14, "bad hex byte \"\""},
      {"a Responses value of 9 bytes", head + resp + "00, 00, 00,00,00,00, 00,00,00\n", 14,
       "holds 9 bytes; it must be 10 (state, options, DCE rate, DTE rate)"},
      {"a Responses value of 11 bytes", head + resp + "00, 00, 00,00,00,00, 00,00,00,00, 00\n", 14, "holds 11 bytes"},
      {"a Responses value that is a string", head + "HKR, Responses, \"OK\",, \"00\"\n", 14, "must be binary"},
      {"Properties shorter than 32 bytes", head + "HKR,, Properties, 1, 00,00,00,00\n", 14,
       "HKR\\Properties holds 4 bytes; its eight DWORDs need 32"},
      {"a DCB shorter than 21 bytes", head + "HKR,, DCB, 1, 1c,00,00,00, 00,c2,01,00\n", 14,
       "HKR\\DCB holds 8 bytes; the DCB needs at least 21 (up to StopBits)"},
      {"an InactivityScale that is not a DWORD", head + "HKR,, InactivityScale, 1, 3c,00\n", 14, "must be a DWORD"},
      {"bad registry flags", head + "HKR, Init, 1, one, \"AT\"\n", 14, "bad registry flags \"one\""},
      {"bad DWORD", head + "HKR,, MaximumPortSpeed, 0x10001, fast\n", 14, "bad DWORD \"fast\""},
      {"an unterminated quote", head + "HKR, Init, 1,, \"AT<cr>\n", 14, "unterminated quoted string"},
      {"a section header without ]", "[Version\n", 1, "'[' without ']'"},
      {"text after a section header", "[Version] x\n", 1, "text after the section header"},
      {"an empty section name", "[Version]\n[ ]\n", 2, "empty section name"},
      {"a control character", "[Version]\nSignature=\x01\n", 2, "control character 0x01 in column 11"},
      {"UTF-16 text", "\xFF\xFE[\0V\0", 1, "UTF-16 text"},
  };
  for (const auto& v : vectors) {
    INFO(v.name);
    auto m = sentinel();
    const auto before = m;
    auto err = import_inf(v.text, "bad.inf", "", m);
    REQUIRE(err);
    CHECK(err.file == "bad.inf");
    CHECK(err.line == v.line);
    CHECK_MESSAGE(err.reason.find(v.reason) != std::string::npos, err.reason);
    CHECK(m == before);
    if (v.line != 0) CHECK(err.message().rfind("bad.inf:" + std::to_string(v.line) + ": ", 0) == 0);
  }
}

TEST_CASE("a 10 MB line is refused at its line after reading 4 KiB of it, without a hang") {
  std::string text = "[Version]\nSignature=$Windows NT$\n";
  text += std::string(10'000'000, 'A');
  text += "\n[Manufacturer]\n";
  const auto t0 = std::chrono::steady_clock::now();
  inf_document doc;
  doc.file = "untouched";
  auto err = parse_inf(text, "huge.inf", doc);
  REQUIRE(err);
  CHECK(err.line == 3);
  CHECK(err.reason == "line longer than 4 KiB");
  CHECK(err.message() == "huge.inf:3: line longer than 4 KiB");
  CHECK(doc.file == "untouched");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
  // A line of exactly 4 KiB is fine, with or without CR.
  const std::string ok_line = "k=" + std::string(max_inf_line - 2, 'v');
  CHECK_FALSE(parse_inf("[Version]\n" + ok_line + "\r\n", "edge.inf", doc));
  CHECK_FALSE(parse_inf("[Version]\n" + ok_line, "edge.inf", doc));
  CHECK(parse_inf("[Version]\n" + ok_line + "v", "edge.inf", doc).line == 2);
}

TEST_CASE("the other limits: file size, continued lines, sections") {
  inf_document doc;
  // 4 MiB of short lines: the line where the limit is passed is named.
  std::string big = "[Version]\n";
  while (big.size() <= max_inf_file_size) big += "key = " + std::string(1000, 'v') + "\n";
  auto err = parse_inf(big, "big.inf", doc);
  REQUIRE(err);
  CHECK(err.line == static_cast<std::size_t>(std::count(big.begin(), big.end(), '\n')));
  CHECK(err.reason.find("passes 4 MiB") != std::string::npos);
  // A continued line that never ends.
  std::string cont = "[Version]\n";
  for (int i = 0; i < 40; ++i) cont += std::string(2000, 'x') + "\\\n";
  err = parse_inf(cont, "cont.inf", doc);
  REQUIRE(err);
  CHECK(err.line == 2);
  CHECK(err.reason == "continued line longer than 64 KiB");
  // Too many sections.
  std::string many;
  for (std::size_t i = 0; i <= max_inf_sections; ++i) many += "[s" + std::to_string(i) + "]\n";
  err = parse_inf(many, "many.inf", doc);
  REQUIRE(err);
  CHECK(err.line == max_inf_sections + 1);
  CHECK(err.reason.find("more than 4096 sections") != std::string::npos);
}

TEST_CASE("doubtful Responses and registry flags are imported with a warning naming the line") {
  const std::string text = std::string(minimal_head) +
                           "HKR, Responses, \"<cr><lf>DELAYED<cr><lf>\", 1, 1B, 00, 00,00,00,00, 00,00,00,00\n"
                           "HKR, Responses, \"<cr><lf>OK<cr><lf>\", 1, 00, 04, 00,00,00,00, 00,00,00,00\n"
                           "HKR, Responses, \"<cr><lf>BUSY<cr><lf>\", 1, 06, 00, 60,09,00,00, 00,00,00,00\n"
                           "HKR, Responses, \"<cr><lf>\", 1, 00, 00, 00,00,00,00, 00,00,00,00\n"
                           "HKR, Responses, \"<cr><lf>A<cr><lf>B<cr><lf>\", 1, 00, 00, 00,00,00,00, 00,00,00,00\n"
                           "HKR, Init, 1, 0x00004000, \"AT<cr>\"\n"
                           "HKR, Init, 01,, \"ATE0<cr>\"\n"
                           "HKR, Init, one,, \"ATE0<cr>\"\n";
  inf_modem m;
  auto err = import_inf(text, "doubt.inf", "", m);
  REQUIRE_MESSAGE(!err, err.message());
  CHECK(has_warning(m, 14, "state 0x1b is not documented; read as an unsolicited line"));
  CHECK(has_warning(m, 15, "options byte 0x04 has undocumented bits 0x04"));
  CHECK(has_warning(m, 15, "negotiated options belong to progress and CONNECT replies only"));
  CHECK(has_warning(m, 16, "rates belong to progress and CONNECT replies only"));
  CHECK(has_warning(m, 17, "is an empty line"));
  CHECK(has_warning(m, 18, "spans several lines"));
  CHECK(has_warning(m, 19, "registry flags 0x4000 of HKR\\Init\\1 are read as a string"));
  CHECK(has_warning(m, 20, "Init\\01 and Init\\1 have the same number"));
  CHECK(has_warning(m, 21, "HKR\\Init\\one is not a numbered command"));
  CHECK(m.responses.size() == 5);
  CHECK(m.init.size() == 2);
}

TEST_CASE("Unimodem macros expand to the bytes the modem sees") {
  CHECK(expand_inf_macros("AT&F<cr>") == "AT&F\r");
  CHECK(expand_inf_macros("<CR><LF>OK<cr><lf>") == "\r\nOK\r\n");
  CHECK(expand_inf_macros("ATS7=<#><cr>") == "ATS7=<#>\r");
  CHECK(expand_inf_macros("a<h41>b<<c") == "aAb<c");
  CHECK(expand_inf_macros("<hzz><h4") == "<hzz><h4");
}

TEST_CASE("the TOML profile of the USB model holds the shared keys and the INF's details under [inf]") {
  auto m = import_sample("USB\\VID_0572&PID_1329");
  const std::string t = to_profile_toml(m);
  toml::table doc;
  try {
    doc = toml::parse(t);
  } catch (const toml::parse_error& e) {
    FAIL("not TOML: " << e.description() << "\n" << t);
  }
  CHECK(doc["name"].value<std::string>() == "conexant-like-usb-56k-modem");
  CHECK(doc["description"].value<std::string>() == "Conexant-like USB 56K Modem");
  CHECK(doc["reset"].value<std::string>() == "ATZ");
  CHECK(doc["dial_prefix"].value<std::string>() == "ATD");
  CHECK(doc["tone"].value<std::string>() == "T");
  CHECK(doc["pulse"].value<std::string>() == "P");
  CHECK(doc["dial_suffix"].value<std::string>() == "");
  CHECK(doc["blind_on"].value<std::string>() == "ATX3");
  CHECK(doc["blind_off"].value<std::string>() == "ATX4");
  CHECK(doc["hangup"].value<std::string>() == "ATH");
  CHECK(doc["answer"].value<std::string>() == "ATA");
  const auto* init = doc["init"].as_array();
  REQUIRE(init != nullptr);
  REQUIRE(init->size() == 3);
  const char* commands[] = {"AT", "AT&FE0V1W1X4&C1&D2S0=0", "ATL1"};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& row = *init->get(i)->as_table();
    CHECK(row["command"].value<std::string>() == commands[i]);
    CHECK(row["timeout_ms"].value<std::int64_t>() == 3000);
    CHECK(row["error_fatal"].value<bool>() == true);
  }
  const auto* responses = doc["responses"].as_array();
  REQUIRE(responses != nullptr);
  CHECK(responses->size() == m.responses.size());
  auto response = [&](const std::string& text) -> const toml::table* {
    for (const auto& r : *responses)
      if (const auto* t = r.as_table()->get("text"); t && t->value<std::string>() == text) return r.as_table();
    return nullptr;
  };
  auto numeric = [&](std::int64_t code) -> const toml::table* {
    for (const auto& r : *responses)
      if (const auto* c = r.as_table()->get("code"); c && c->value<std::int64_t>() == code) return r.as_table();
    return nullptr;
  };
  REQUIRE(response("CONNECT 33600") != nullptr);
  CHECK((*response("CONNECT 33600"))["kind"].value<std::string>() == "connect");
  // A verbose CONNECT carries its rate in its text; a V0 code's rate is written beside it.
  CHECK(!(*response("CONNECT 33600"))["rate"]);
  CHECK(response("12") == nullptr);
  CHECK((*response("NO DIAL TONE"))["kind"].value<std::string>() == "no_dialtone");
  REQUIRE(numeric(12) != nullptr);
  CHECK((*numeric(12))["rate"].value<std::int64_t>() == 9600);
  CHECK(doc["responses_replace"].value<bool>() == true);
  CHECK((*response("NMBR ="))["kind"].value<std::string>() == "caller_id");
  CHECK((*response("NMBR ="))["prefix"].value<bool>() == true);
  CHECK((*response("RING B"))["kind"].value<std::string>() == "ring");
  CHECK((*response("SSV"))["kind"].value<std::string>() == "unsolicited");
  CHECK(doc["identify"]["usb_ids"][0].value<std::string>() == "0572:1329");
  CHECK(doc["identify"]["manufacturer"][0].value<std::string>() == "Conexant-like Modems");
  CHECK(doc["identify"]["model"][0].value<std::string>() == "Conexant-like USB 56K Modem");

  CHECK(doc["inf"]["install_section"].value<std::string>() == "Modem1.NT");
  CHECK(doc["inf"]["settings"]["DialSuffix"].value<std::string>() == ";");
  CHECK(doc["inf"]["settings"]["Compression_On"].value<std::string>() == "%C3");
  CHECK(doc["inf"]["settings"]["ErrorControl_On"].value<std::string>() == "\\N3");
  CHECK(doc["inf"]["monitor"][1].value<std::string>() == "None");
  CHECK(doc["inf"]["inactivity_scale"].value<std::int64_t>() == 60);
  CHECK(doc["inf"]["properties"]["max_dce_rate"].value<std::int64_t>() == 14400);
  CHECK(doc["inf"]["properties"]["dial_option_names"][1].value<std::string>() == "dialtone");
  CHECK(doc["inf"]["dcb"]["baud_rate"].value<std::int64_t>() == 115200);
  CHECK(doc["inf"]["dcb"]["rts_cts"].value<bool>() == true);
  const auto* decoded = doc["inf"]["responses"].as_array();
  REQUIRE(decoded != nullptr);
  CHECK(decoded->size() == m.responses.size());
  bool found = false;
  for (const auto& r : *decoded) {
    const auto& row = *r.as_table();
    if (row["text"].value<std::string>() == "<cr><lf>COMPRESSION: CELLULAR V.42BIS<cr><lf>") {
      found = true;
      CHECK(row["state"].value<std::int64_t>() == 1);
      CHECK(row["state_name"].value<std::string>() == "negotiation_progress");
      CHECK(row["options"].value<std::int64_t>() == 0x0B);
      CHECK(row["compression"].value<bool>() == true);
      CHECK(row["error_control"].value<bool>() == true);
      CHECK(row["cellular"].value<bool>() == true);
    }
  }
  CHECK(found);
  const auto* unknown = doc["inf"]["unknown"].as_array();
  REQUIRE(unknown != nullptr);
  CHECK(unknown->size() == 3);
  const auto* warnings = doc["inf"]["warnings"].as_array();
  REQUIRE(warnings != nullptr);
  CHECK(warnings->size() == m.warnings.size());
}

TEST_CASE("TOML strings stay valid for quotes, control characters and Latin-1 bytes") {
  inf_modem m;
  REQUIRE_FALSE(import_inf(std::string(minimal_head) + "HKR, Init, 1,, \"AT\"\"x\\y\t<cr>\"\n"
                                                       "HKR, Settings, Pulse,, \"\xE9\"\n",
                           "odd.inf", "", m));
  const auto t = to_profile_toml(m);
  toml::table doc;
  REQUIRE_NOTHROW(doc = toml::parse(t));
  CHECK(doc["init"][0]["command"].value<std::string>() == "AT\"x\\y");
  CHECK(doc["pulse"].value<std::string>() == "\xC3\xA9");  // é as UTF-8
  // Bytes that only look like a UTF-8 sequence (F5-FF are never lead bytes; C0/C1 are
  // overlong; ED A0 80 is a surrogate) are Latin-1 too; real UTF-8 is copied.
  struct latin1 {
    const char* in;
    const char* out;
  };
  const latin1 vectors[] = {
      {"\xFF\xB7\xBD", "\xC3\xBF\xC2\xB7\xC2\xBD"},  // found by inf_fuzz
      {"\xF5\x80\x80\x80", "\xC3\xB5\xC2\x80\xC2\x80\xC2\x80"},
      {"\xC0\xAF", "\xC3\x80\xC2\xAF"},
      {"\xED\xA0\x80", "\xC3\xAD\xC2\xA0\xC2\x80"},
      {"\xE2\x82\xAC", "\xE2\x82\xAC"},
      {"\xF0\x9F\x93\x9E", "\xF0\x9F\x93\x9E"},
  };
  for (const auto& v : vectors) {
    inf_modem bytes;
    REQUIRE_FALSE(import_inf(std::string(minimal_head) + "HKR, Settings, Tone,, \"" + v.in + "\"\n", "b.inf", "", bytes));
    toml::table t;
    REQUIRE_NOTHROW(t = toml::parse(to_profile_toml(bytes)));
    CHECK(t["tone"].value<std::string>() == v.out);
  }
  // A file name with a line break and an install section in Latin-1 end up in the comment
  // at the top, escaped; the TOML stays valid and keeps them exactly under [inf].
  inf_modem odd;
  std::string head = minimal_head;
  head.replace(head.find("=Install,"), 9, "=Inst\xE4ll,");
  head.replace(head.find("[Install]"), 9, "[Inst\xE4ll]");
  REQUIRE_FALSE(import_inf(head, "odd\nname.inf", "", odd));
  REQUIRE_NOTHROW(doc = toml::parse(to_profile_toml(odd)));
  CHECK(doc["inf"]["file"].value<std::string>() == "odd\nname.inf");
  CHECK(doc["inf"]["install_section"].value<std::string>() == "Inst\xC3\xA4ll");
}

TEST_CASE("to_modem_profile gives the engine the INF's commands and reply table") {
  auto m = import_sample("Modem1");
  const modem_profile p = to_modem_profile(m);
  CHECK(p.name == "conexant-like-usb-56k-modem");
  CHECK(p.reset == "ATZ");
  CHECK(p.init == std::vector<init_step>{"AT", "AT&FE0V1W1X4&C1&D2S0=0", "ATL1"});
  CHECK(p.dial_command("5550100", false) == "ATDT5550100");
  CHECK(p.dial_command("5550100", true) == "ATDP5550100");
  CHECK(p.blind_on == "ATX3");
  CHECK(p.hangup == "ATH");
  CHECK(p.answer == "ATA");
  CHECK(p.speaker_on == "ATM1");
  CHECK(p.speaker_off == "ATM0");
  CHECK(p.error_control_off == "AT\\N0");
  CHECK(p.compression_off == "AT%C0");
  CHECK(p.identify.usb_ids == std::vector<std::string>{"0572:1329"});
  const auto steps = p.init_steps({});
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].reset);
  CHECK(steps[1].command == "AT");

  at_parser parser(p.responses);
  struct vector {
    const char* line;
    bool numeric;
    response_kind kind;
    std::uint32_t rate;
  };
  using k = response_kind;
  const vector vectors[] = {
      {"OK", false, k::ok, 0},
      {"CONNECT 33600", false, k::connect, 33600},
      {"CONNECT 28800/ARQ", false, k::connect, 28800},
      {"CARRIER 33600", false, k::progress, 33600},
      {"NO DIAL TONE", false, k::no_dialtone, 0},
      {"NO DIALTONE", false, k::information, 0},  // the INF's spelling only
      {"BUSY", false, k::busy, 0},
      {"NMBR = 5550100", false, k::caller_id, 0},
      {"RING C", false, k::ring, 0},
      {"SVM", false, k::unsolicited, 0},
      {"12", true, k::connect, 9600},
      {"7", true, k::busy, 0},
      {"0", false, k::information, 0},  // V0 codes only where numeric codes are expected
  };
  for (const auto& v : vectors) {
    INFO(v.line);
    parser.numeric_codes(v.numeric);
    const auto r = parser.classify(v.line);
    CHECK(r.kind == v.kind);
    CHECK(r.rate == v.rate);
  }
  CHECK(p.dial_error(k::no_dialtone) == ras_error::no_dialtone);

  // A model without Responses or Init keeps the generic profile's.
  inf_modem bare;
  REQUIRE_FALSE(import_inf(std::string(minimal_head) + "HKR, Settings, DialPrefix,, \"D\"\n", "bare.inf", "", bare));
  const auto g = to_modem_profile(bare);
  CHECK(g.init == modem_profile::generic().init);
  CHECK(g.responses.verbose.size() == response_table::generic().verbose.size());
  CHECK(g.reset == "ATZ");
}

TEST_CASE("an imported INF's TOML loads as a profile equal to to_modem_profile's") {
  for (const char* model : {"Modem1", "Modem2", "Modem3"}) {
    CAPTURE(model);
    auto m = import_sample(model);
    const std::string text = to_profile_toml(m);
    const auto r = parse_profile(text, "imported.toml");
    for (const auto& e : r.errors) FAIL_CHECK(e.text());
    REQUIRE(r.profile);
    const modem_profile direct = to_modem_profile(m);
    CHECK(r.profile->reset == direct.reset);
    CHECK(r.profile->dial_prefix == direct.dial_prefix);
    CHECK(r.profile->blind_on == direct.blind_on);
    CHECK(r.profile->hangup == direct.hangup);
    CHECK(r.profile->answer == direct.answer);
    CHECK(r.profile->speaker_on == direct.speaker_on);
    CHECK(r.profile->speaker_off == direct.speaker_off);
    CHECK(r.profile->error_control_off == direct.error_control_off);
    CHECK(r.profile->compression_off == direct.compression_off);
    CHECK(r.profile->identify.usb_ids == direct.identify.usb_ids);
    REQUIRE(r.profile->init.size() == direct.init.size());
    for (std::size_t i = 0; i < direct.init.size(); ++i) CHECK(r.profile->init[i].command == direct.init[i].command);
    // The reply table is the INF's own, whole, in both.
    CHECK(r.profile->responses == direct.responses);
  }
}
