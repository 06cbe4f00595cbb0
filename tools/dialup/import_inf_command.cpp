// import_inf_command: read the INF, import one model, write its TOML profile.
#include "import_inf_command.hpp"

#include <iostream>
#include <ostream>

#include "dialup/engine/inf_import.hpp"
#include "dialup/engine/profile_file.hpp"
#include "file_io.hpp"

namespace dialup_cli {

int run_import_inf(const std::string& path, const std::string& model, const std::string& output,
                   std::ostream& err) {
  std::string text, why;
  if (!read_file(path, text, why, dialup::max_inf_file_size)) {
    err << "dialup: " << why << "\n";
    return 1;
  }
  dialup::inf_modem m;
  if (auto e = dialup::import_inf(text, path, model, m)) {
    err << "dialup: " << e.message() << "\n";
    return 1;
  }
  for (const auto& w : m.warnings) {
    err << path;
    if (w.line != 0) err << ":" << w.line;
    err << ": warning: " << w.what << "\n";
  }
  const std::string toml = dialup::to_profile_toml(m);
  // What is written must load as a profile (a command the profile checks refuse, such as one
  // with a `;` chaining another, docs/profiles.md): otherwise nothing is written.
  if (const auto loaded = dialup::parse_profile(toml, output.empty() || output == "-" ? "(import)" : output);
      !loaded.profile) {
    for (const auto& e : loaded.errors) err << "dialup: the imported profile would not load: " << e.text() << "\n";
    err << "dialup: nothing written\n";
    return 1;
  }
  if (output.empty() || output == "-") {
    std::cout << toml << std::flush;
    if (!std::cout) {
      err << "dialup: cannot write the profile to standard output\n";
      return 1;
    }
  } else if (!write_file_atomically(output, toml, why)) {
    err << "dialup: " << why << "\n";
    return 1;
  }
  err << "imported \"" << m.description << "\" (install section " << m.install_section << "): "
      << m.init.size() << " Init commands, " << m.settings.size() << " settings, " << m.responses.size()
      << " responses, " << m.unknown.size() << " unknown values, " << m.warnings.size() << " warnings"
      << (output.empty() || output == "-" ? std::string() : "; written to " + output) << "\n";
  return 0;
}

}  // namespace dialup_cli
