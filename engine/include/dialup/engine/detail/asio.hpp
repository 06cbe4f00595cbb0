// Boost 1.74's Asio uses std::exchange without including <utility>; in C++20 mode that
// breaks the build unless <utility> comes first. Every engine file includes Asio through
// this header.
#pragma once
#include <utility>
#include <boost/asio.hpp>
