// The completion token of every coroutine in the library, the mock and the tools: an awaitable
// that yields (error_code, ...) instead of throwing.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace neo::common {

inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace neo::common
