// Error-code plumbing between Boost.System (what Asio hands out) and std::error_code (what
// the engine speaks). Boost 1.74 converts boost -> std implicitly, keeping equivalence with
// std::errc; the other direction is done here.
#pragma once

#include <system_error>

#include "dialup/engine/detail/asio.hpp"

namespace dialup::detail {

// End of file on a port: the device went away, or the peer closed a socket.
inline const std::error_code& eof_error() {
  static const std::error_code e = boost::system::error_code(boost::asio::error::eof);
  return e;
}

inline std::error_code aborted_error() {
  return std::make_error_code(std::errc::operation_canceled);
}

inline bool is_aborted(const std::error_code& ec) {
  return ec == std::errc::operation_canceled;
}

// std -> boost, for completion handlers that must carry boost::system::error_code
// (Asio's stream concepts). RAS codes keep their numbers in a Boost category named "ras".
boost::system::error_code to_boost(const std::error_code& ec);

}  // namespace dialup::detail
