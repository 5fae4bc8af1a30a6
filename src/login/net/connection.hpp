// One TLS connection to a host:port, and what OpenSSL's callbacks need to find while it lives.
#pragma once

#include "tls_context.hpp"
#include "tls_socket.hpp"

#include <neo/gateway.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>

namespace neo::detail {

// What a connection is kept and found by: "host:port" of its endpoint.
inline std::string host_key(const endpoint& ep) {
    return ep.host + ":" + ep.port;
}

struct connection {
    resume_slot slot;  // slot.key is the host:port it is connected to
    tls_socket tls;
    // Its last exchange ended cleanly: dropped unused (idle too long, closed by the server, for
    // another host), its TLS session stays resumable, which OpenSSL would otherwise withdraw
    // from a connection freed without a shutdown.
    bool clean = false;
    // When its last exchange (or its warm-up) ended: what the idle bound counts from.
    std::chrono::steady_clock::time_point used{};

    connection(boost::asio::ip::tcp::socket s, SSL_CTX* ctx, session_cache* cache, std::string key)
        : slot{cache, std::move(key)}, tls(std::move(s), ctx) {}
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    // A clean connection dropped unused (idle too long, the client gone) still says goodbye: our
    // close_notify, written without waiting (the socket made non-blocking; a full send buffer
    // or a peer already gone just skips it).
    ~connection();
};

}  // namespace neo::detail
