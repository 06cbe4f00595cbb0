// `dialup profiles import-inf`'s front end (tools/dialup/import_inf_command.hpp): the TOML
// profile written to a file or standard output, warnings and errors on the error stream.
#include "import_inf_command.hpp"

#include <doctest/doctest.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const std::string sample = std::string(DIALUP_ENGINE_TEST_DIR) + "/data/inf/conexant_like.inf";

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("dialup-inf-test-" + std::to_string(::getpid()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("import-inf writes the chosen model's TOML profile and reports each warning with its line") {
  temp_dir dir;
  const auto out = dir.path / "usb.toml";
  std::ostringstream err;
  CHECK(dialup_cli::run_import_inf(sample, "USB\\VID_0572&PID_1329", out.string(), err) == 0);
  const std::string text = slurp(out);
  toml::table doc;
  REQUIRE_NOTHROW(doc = toml::parse(text));
  CHECK(doc["name"].value<std::string>() == "conexant-like-usb-56k-modem");
  CHECK(doc["identify"]["usb_ids"][0].value<std::string>() == "0572:1329");
  const std::string e = err.str();
  CHECK(e.find(sample + ":") != std::string::npos);
  CHECK(e.find(": warning: Include = mdmgen.inf is not followed") != std::string::npos);
  CHECK(e.find("imported \"Conexant-like USB 56K Modem\" (install section Modem1.NT): 3 Init commands") !=
        std::string::npos);
  CHECK(e.find("written to " + out.string()) != std::string::npos);
}

TEST_CASE("import-inf with no output file writes the profile to standard output") {
  std::ostringstream captured, err;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  const int rc = dialup_cli::run_import_inf(sample, "Modem3", "-", err);
  std::cout.rdbuf(old);
  CHECK(rc == 0);
  toml::table doc;
  REQUIRE_NOTHROW(doc = toml::parse(captured.str()));
  CHECK(doc["description"].value<std::string>() == "Standard 33600 bps Modem");
}

TEST_CASE("import-inf refuses a bad INF with file:line: reason and writes nothing") {
  temp_dir dir;
  const auto bad = dir.path / "bad.inf";
  std::ofstream(bad) << "[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=S\n[S]\nD=I,ID\n[I]\nAddReg=R\n[R]\n"
                        "HKR, Responses, \"OK\", 1, 00, 00, 00\n";
  const auto out = dir.path / "out.toml";
  std::ostringstream err;
  CHECK(dialup_cli::run_import_inf(bad.string(), "", out.string(), err) == 1);
  CHECK(err.str() == "dialup: " + bad.string() +
                         ":10: Responses \"OK\" holds 3 bytes; it must be 10 (state, options, DCE rate, DTE rate)\n");
  CHECK_FALSE(fs::exists(out));

  // Several models and none named: the models are listed.
  std::ostringstream err2;
  CHECK(dialup_cli::run_import_inf(sample, "", out.string(), err2) == 1);
  CHECK(err2.str().find("the INF has 5 models; name one") != std::string::npos);
  CHECK_FALSE(fs::exists(out));

  // A missing file, and a file over 4 MiB, are refused before parsing.
  std::ostringstream err3;
  CHECK(dialup_cli::run_import_inf((dir.path / "none.inf").string(), "", out.string(), err3) == 1);
  CHECK(err3.str().find("cannot open") != std::string::npos);
  const auto big = dir.path / "big.inf";
  std::ofstream(big) << std::string((std::size_t{4} << 20) + 1, ';');
  std::ostringstream err4;
  CHECK(dialup_cli::run_import_inf(big.string(), "", out.string(), err4) == 1);
  CHECK(err4.str().find("larger than") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}
