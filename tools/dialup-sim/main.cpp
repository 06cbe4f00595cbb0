// dialup-sim — simulated Hayes modems on ptys, connected to a simulated exchange.
//
//   dialup-sim --modems 2 --link /tmp/modem --personality generic --time-scale 1
//
// prints one line per modem ("<index> <pty> <link or -> <own number>", plus
// " rfc2217://127.0.0.1:<port>" with --rfc2217) and runs until
// SIGINT/SIGTERM, then closes the ptys and removes the links.
#include <dialup/hwsim/simulator.hpp>

#include <dialup/hwsim/detail/asio.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

// Printable form of a chunk of bytes for the trace file: \r \n \xNN escapes.
std::string escape(std::string_view b) {
  std::string o;
  for (unsigned char c : b) {
    if (c == '\r') o += "\\r";
    else if (c == '\n') o += "\\n";
    else if (c == '\\') o += "\\\\";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      o += buf;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup-sim: simulated Hayes/V.250 modems on ptys with a simulated exchange"};
  std::size_t modems = 1;
  std::string link;
  std::string personality = "generic";
  double time_scale = 1.0;
  bool print_scenario = false;
  std::string trace_file;
  int rfc2217_base = -1;
  app.add_option("--modems,-n", modems, "number of simulated modems")->check(CLI::Range(1, 256));
  app.add_option("--link,-l", link, "symlink prefix: modem i is also PREFIX<i>");
  app.add_option("--personality,-p", personality, "generic, usr, conexant or cellular")
      ->check(CLI::IsMember({"generic", "usr", "conexant", "cellular"}));
  app.add_option("--time-scale,-t", time_scale,
                 "1 = real time, 0.1 = ten times faster, 0 = virtual time")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--print-default-scenario", print_scenario, "print the built-in number plan and exit");
  app.add_option("--trace", trace_file, "append every byte to and from the modems to FILE");
  app.add_option("--rfc2217", rfc2217_base,
                 "also serve modem i over RFC 2217 on 127.0.0.1:PORT+i (0: any free ports)")
      ->check(CLI::Range(0, 65535));
  CLI11_PARSE(app, argc, argv);

  if (print_scenario) {
    std::cout << dialup::hwsim::default_scenario();
    return 0;
  }

  boost::asio::io_context ioc;
  std::shared_ptr<std::ofstream> trace;
  dialup::hwsim::simulator_options opt;
  opt.time_scale = time_scale;
  opt.link_prefix = link;
  opt.personality = personality;
  if (!trace_file.empty()) {
    trace = std::make_shared<std::ofstream>(trace_file, std::ios::app);
    if (!*trace) {
      std::cerr << "dialup-sim: cannot open " << trace_file << "\n";
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    opt.trace = [trace, start](std::size_t i, bool from_dte, std::string_view b) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      *trace << ms << " modem" << i << (from_dte ? " < " : " > ") << escape(b) << '\n';
      trace->flush();
    };
  }
  try {
    dialup::hwsim::simulator sim(ioc.get_executor(), opt);
    for (std::size_t i = 0; i < modems; ++i) {
      const auto k = sim.add_modem();
      std::cout << k << ' ' << sim.pty_path(k) << ' '
                << (sim.link_path(k).empty() ? "-" : sim.link_path(k)) << ' '
                << sim.own_number(k);
      if (rfc2217_base >= 0) {
        const auto want = rfc2217_base == 0 ? 0 : rfc2217_base + static_cast<int>(k);
        if (want > 65535) throw std::runtime_error("--rfc2217 port out of range");
        std::cout << " rfc2217://127.0.0.1:"
                  << sim.serve_rfc2217(k, static_cast<std::uint16_t>(want));
      }
      std::cout << std::endl;
    }
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&ioc](const boost::system::error_code&, int) { ioc.stop(); });
    ioc.run();
    sim.shutdown();  // the executor is stopped: safe here
  } catch (const std::exception& e) {
    std::cerr << "dialup-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
