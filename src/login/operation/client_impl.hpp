// What a client (and every copy of it) shares: its executor and parameters, the TLS context and
// session cache, the admission line, the kept-alive connections, the retry budget and jitter, and
// the cached app token. Its operations hold it alive while they run.
#pragma once

#include <neo/client.hpp>  // declares client_impl (hidden) before it is defined here

#include "../core/app_token_cache.hpp"
#include "../core/jitter.hpp"
#include "../core/retry_bucket.hpp"
#include "../net/address_cache.hpp"
#include "../net/connection_pool.hpp"
#include "../net/session_cache.hpp"
#include "admission.hpp"

#include <neo/client_params.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <memory>

namespace neo::detail {

struct client_impl {
    // Throws boost::system::system_error when the TLS context cannot be made.
    client_impl(boost::asio::any_io_executor ex, client_params params);

    boost::asio::any_io_executor ex;
    client_params params;
    std::unique_ptr<boost::asio::ssl::context> own_ctx;
    boost::asio::ssl::context* ctx = nullptr;
    session_cache sessions;  // outlives the connections below, which refill it
    std::shared_ptr<admission> line;
    connection_pool pool;
    address_cache addresses;
    retry_bucket budget;
    jitter draw;
    app_token_cache app_token;
    std::atomic<std::uint64_t> next_operation{1};

    bool resumption() const { return own_ctx && params.tls_session_resumption; }
};

// The library's way into a client's state (e.g. the session manager's post-login headers).
struct client_access {
    static client_impl& of(const client& c) { return *c.impl_; }
};

}  // namespace neo::detail
