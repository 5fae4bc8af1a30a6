// A new connection to a gateway's host:port: resolve (unless pinned or a literal), connect from
// the chosen local address, through the proxy's CONNECT tunnel when one applies, then the TLS
// handshake (resuming a cached session). Each phase under its bound and the deadline.
#pragma once

#include "connection.hpp"
#include "http_result.hpp"
#include "net_context.hpp"

#include <neo/gateway.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>

namespace neo::detail {

// Null on failure, with `r` failed; on success `r.tls_resumed` is set.
boost::asio::awaitable<std::unique_ptr<connection>> open_connection(net_context& st, const endpoint& ep,
                                                                    http_result& r);

}  // namespace neo::detail
