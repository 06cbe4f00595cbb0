// The one way hw-sim includes Boost.Asio.
//
// Boost 1.74's Asio uses std::exchange without including <utility>; under C++20 with
// libstdc++ 12 nothing else pulls it in first, so <utility> must come before any Asio
// header. Every hw-sim file includes Asio through this wrapper.
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
