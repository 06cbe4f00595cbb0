// dialup::data_stream — a connected call's data line as an Asio stream, for link kind
// "none" (a terminal, a BBS, an M2M protocol): it models AsyncReadStream and
// AsyncWriteStream, so boost::asio::async_read/async_write/async_read_until work on it.
//
// Handlers run on their associated executor, by default the stream's executor (the one
// given to the constructor), never on the engine's strand and never inside the initiating
// call. Reads complete with asio::error::eof when the call ends (NO CARRIER, hang-up) and
// with the transport's error if the modem vanished. One read and one write may be
// outstanding at a time.
//
// The stream does not own the connection: hang it up with connection_manager::hang_up.
#pragma once

#include <memory>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/detail/errors.hpp"

namespace dialup {

class data_stream {
 public:
  using executor_type = boost::asio::any_io_executor;

  data_stream(connection_manager& manager, connection_handle h, executor_type ex)
      : impl_(manager.impl_), handle_(h), ex_(std::move(ex)) {}

  executor_type get_executor() const noexcept { return ex_; }
  connection_handle handle() const noexcept { return handle_; }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& bufs) {
          auto buf = first_buffer(boost::asio::buffer_sequence_begin(bufs),
                                  boost::asio::buffer_sequence_end(bufs));
          start_io(true, buf.data(), buf.size(), wrap(std::move(handler)));
        },
        token, buffers);
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferSequence& bufs) {
          auto buf = first_buffer(boost::asio::buffer_sequence_begin(bufs),
                                  boost::asio::buffer_sequence_end(bufs));
          start_io(false, const_cast<void*>(buf.data()), buf.size(), wrap(std::move(handler)));
        },
        token, buffers);
  }

 private:
  using io_done = std::function<void(std::error_code, std::size_t)>;

  template <class It>
  static auto first_buffer(It first, It last) {
    for (; first != last; ++first)
      if (boost::asio::buffer_size(*first) != 0) return *first;
    return decltype(*first){};
  }

  // Wraps a handler: keeps its executor busy, and posts the result there.
  template <class Handler>
  io_done wrap(Handler handler) {
    auto ex = boost::asio::prefer(boost::asio::get_associated_executor(handler, ex_),
                                  boost::asio::execution::outstanding_work.tracked);
    auto shared = std::make_shared<Handler>(std::move(handler));
    return [ex, shared](std::error_code ec, std::size_t n) {
      boost::asio::post(ex, [shared, ec, n]() mutable {
        (*shared)(detail::to_boost(ec), n);
      });
    };
  }

  void start_io(bool read, void* data, std::size_t size, io_done done);

  std::shared_ptr<connection_manager::impl> impl_;
  connection_handle handle_;
  executor_type ex_;
};

}  // namespace dialup
