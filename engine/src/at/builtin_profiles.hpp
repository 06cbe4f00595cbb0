// The built-in modem profiles: data/modems/*.toml, embedded at build time
// (cmake/EmbedProfiles.cmake writes builtin_profiles.cpp). Internal to the engine.
#pragma once

#include <span>
#include <string_view>

namespace dialup::detail {

struct builtin_profile_file {
  std::string_view file;  // "generic.toml"
  std::string_view text;
};

// In file-name order.
std::span<const builtin_profile_file> builtin_profile_files();

}  // namespace dialup::detail
