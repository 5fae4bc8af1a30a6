// What the I/O layer needs from the operation that runs it, and nothing more: the client's
// parameters, the operation's deadline, the TLS context and session cache, the cached addresses,
// the connections kept for the operation, the coroutine's cancellation state, and where to say
// that a request went out (the operation's cancellation filter reads it). The operation builds
// one per exchange; net/ never sees operation/.
#pragma once

#include "../core/deadline.hpp"
#include "address_cache.hpp"
#include "connection_pool.hpp"
#include "session_cache.hpp"

#include <neo/client_params.hpp>

#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>

#include <openssl/ssl.h>

#include <chrono>

namespace neo::detail {

struct net_context {
    const client_params& params;
    steady::time_point deadline;
    SSL_CTX* ssl_ctx;
    session_cache* sessions;  // null: no TLS session resumption
    address_cache& addresses;
    idle_connections& idle;                  // kept connections of the operation, one per host:port
    boost::asio::cancellation_state cancel;  // the operation coroutine's (its filter applied)
    bool* request_sent;                      // set once a request of the current step is being written

    bool cancelled() const { return cancel.cancelled() != boost::asio::cancellation_type::none; }
    bound bound_for(std::chrono::milliseconds phase_bound) const {
        return detail::bound_for(deadline, steady::now(), phase_bound);
    }
};

}  // namespace neo::detail
