// The TLS sessions a client may resume, per host:port: at most `tickets_per_host` each, newest
// last (a TLS 1.3 server sends two per connection, so logins in parallel resume too), at most
// `max_hosts` hosts. Thread-safe.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace neo::detail {

class session_cache {
public:
    static constexpr std::size_t max_hosts = 64;
    static constexpr std::size_t tickets_per_host = 8;

    session_cache() = default;
    session_cache(const session_cache&) = delete;
    session_cache& operator=(const session_cache&) = delete;
    ~session_cache();

    // Takes the newest session for `key` out of the cache (or null): each ticket is used once
    // (RFC 8446 C.4), and no two handshakes share one SSL_SESSION, which OpenSSL 3.0 does not
    // make safe across threads. The connection's own new tickets refill the cache.
    SSL_SESSION* take(const std::string& key);
    // Takes ownership of `s`; null: forget every session of `key`.
    void keep(const std::string& key, SSL_SESSION* s);

private:
    std::mutex mu_;
    std::map<std::string, std::vector<SSL_SESSION*>> sessions_;
};

}  // namespace neo::detail
