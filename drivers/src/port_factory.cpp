#include "dialup/drivers/port_factory.hpp"

#include <memory>
#include <utility>

#include "dialup/drivers/serial_transport.hpp"

namespace dialup::drivers {
namespace asio = boost::asio;

bool port_factory::is_rfc2217(const std::string& port) { return port.rfind("rfc2217://", 0) == 0; }

void port_factory::async_open(const std::string& port, const port_settings& settings,
                              asio::any_io_executor ex, open_handler h) {
  if (is_rfc2217(port)) {
    rfc2217_transport::async_open(ex, port, settings, rfc2217_,
                                  [h = std::move(h)](std::error_code ec, std::unique_ptr<rfc2217_transport> t) {
                                    h(ec, std::move(t));
                                  });
    return;
  }
  std::error_code ec;
  // std::function needs a copyable callable: the transport travels in a shared box.
  auto box = std::make_shared<std::unique_ptr<transport>>(serial_transport::open(ex, port, settings, ec));
  asio::post(ex, [h = std::move(h), ec, box] { h(ec, std::move(*box)); });
}

}  // namespace dialup::drivers
