// An asynchronous dial whose notifications arrive on the caller's own event loop.
//
//   async_dial PORT NUMBER        e.g. async_dial /dev/ttyUSB0 5550100
//
// The engine runs on a thread of its own; every notification below runs on this thread,
// inside loop.run(). The loop keeps running until the dial has connected or failed.
#include <iostream>
#include <thread>

#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/event_loop.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: async_dial PORT NUMBER\n";
    return 1;
  }
  boost::asio::io_context loop;                        // this thread's event loop
  dialup::thread_loop_scope scope(loop.get_executor());  // deliver notifications here

  dialup::engine_options options;
  options.transports = std::make_shared<dialup::drivers::port_factory>();
  dialup::connection_manager engine(std::move(options));

  dialup::dial_entry entry;
  entry.port = argv[1];
  entry.phone_number = argv[2];

  const auto me = std::this_thread::get_id();
  std::error_code ec;
  dialup::connection_handle handle;
  handle = engine.dial(entry, {}, {}, dialup::notifier::on_event([&](const dialup::dial_event& e) {
                         std::cout << to_string(e.state)
                                   << (std::this_thread::get_id() == me ? " (on my thread)" : "")
                                   << (e.error ? " " + dialup::describe(e.error) : "") << "\n";
                         if (e.error || e.state == dialup::conn_state::connected)
                           engine.hang_up(handle);  // done with the demo (and RAS: hang up on error)
                       }),
                       ec);
  if (ec) {
    std::cerr << dialup::describe(ec) << "\n";
    return 1;
  }
  loop.run();  // returns after the last notification
  engine.wait_retired(handle, std::chrono::seconds(10));
  return 0;
}
