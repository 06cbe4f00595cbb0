#include "dialup/engine/detail/errors.hpp"

#include "dialup/engine/ras_error.hpp"

namespace dialup::detail {
namespace {

class ras_boost_category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "ras"; }
  std::string message(int ev) const override { return ras_category().message(ev); }
};

const boost::system::error_category& boost_ras_category() {
  static const ras_boost_category instance;
  return instance;
}

}  // namespace

boost::system::error_code to_boost(const std::error_code& ec) {
  if (!ec) return {};
  if (ec == eof_error()) return boost::asio::error::eof;
  if (is_aborted(ec)) return boost::asio::error::operation_aborted;
  if (ec.category() == ras_category()) return {ec.value(), boost_ras_category()};
  // errno-valued codes (system, generic, and Boost's converted ones).
  auto cond = ec.default_error_condition();
  if (cond.category() == std::generic_category())
    return {cond.value(), boost::system::system_category()};
  return {ec.value(), boost::system::system_category()};
}

}  // namespace dialup::detail
