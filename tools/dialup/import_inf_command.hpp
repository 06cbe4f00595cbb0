// import_inf_command — `dialup profiles import-inf FILE.inf [MODEL]`: a Windows modem INF's
// model written as a TOML profile file (dialup/engine/inf_import.hpp, docs/inf-import.md).
#pragma once

#include <iosfwd>
#include <string>

namespace dialup_cli {

// Reads `path` (at most 4 MiB, dialup::max_inf_file_size), imports `model` (its description,
// install section or a hardware id; "" for the INF's only model) and writes the TOML profile
// to `output`, replaced atomically, or to standard output when `output` is "" or "-".
// On `err`: each warning as "FILE:LINE: warning: what", then one summary line; or the
// reason the import failed, "dialup: FILE:LINE: reason" (nothing is written then).
// Returns 0 when the profile was written, 1 when not.
int run_import_inf(const std::string& path, const std::string& model, const std::string& output,
                   std::ostream& err);

}  // namespace dialup_cli
