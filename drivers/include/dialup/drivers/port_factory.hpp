// dialup::drivers::port_factory — the transport factory a program gives the engine: port
// names "rfc2217://host:port" open an rfc2217_transport, anything else a serial_transport
// (a tty path).
//
// Threading: async_open may be called from any thread; its handler runs through `ex`.
#pragma once

#include <string>

#include "dialup/drivers/rfc2217_transport.hpp"
#include "dialup/engine/transport.hpp"

namespace dialup::drivers {

class port_factory final : public transport_factory {
 public:
  explicit port_factory(rfc2217_options rfc2217 = {}) : rfc2217_(rfc2217) {}

  // Whether `port` names a remote port (starts with "rfc2217://").
  static bool is_rfc2217(const std::string& port);

  void async_open(const std::string& port, const port_settings& settings,
                  boost::asio::any_io_executor ex, open_handler h) override;

 private:
  rfc2217_options rfc2217_;
};

}  // namespace dialup::drivers
