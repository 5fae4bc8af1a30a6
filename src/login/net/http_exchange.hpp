// The I/O of one exchange: the request written and its answer read over the operation's kept
// connection to the host:port or a new one, under one bound; the connection kept for the next
// exchange when the server allows it, else closed politely.
#pragma once

#include "../core/http_request.hpp"
#include "connection.hpp"
#include "http_result.hpp"
#include "net_context.hpp"

#include <neo/gateway.hpp>

#include <boost/asio/awaitable.hpp>

namespace neo::detail {

boost::asio::awaitable<http_result> exchange(net_context& st, const endpoint& ep, request_t& req);

// Sends our close_notify (the peer's is not awaited, as curl does: the answer is complete and
// framed, so waiting would only add a round trip), within a short bound, then closes.
boost::asio::awaitable<void> close_politely(net_context& st, connection& c);

}  // namespace neo::detail
