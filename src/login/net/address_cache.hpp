// The addresses each host name resolved to, kept for a bounded time (client_params::
// address_cache_ttl), so that a new connection within that time does not ask the resolver again:
// a login at the open, after a warm-up, or a retry on a new connection. Only successes are kept;
// a connect failure to kept addresses drops them (the next connection resolves again). At most
// `max_hosts` names; the entry that expires first makes room. Thread-safe.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace neo::detail {

class address_cache {
public:
    using clock = std::chrono::steady_clock;
    using addresses = std::vector<boost::asio::ip::tcp::endpoint>;
    static constexpr std::size_t max_hosts = 64;

    explicit address_cache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

    // The addresses kept for host:port, if they have not expired at `now` (empty otherwise).
    addresses find(const std::string& host, const std::string& port, clock::time_point now = clock::now());
    // Keeps what the resolver answered (nothing when the cache is off or `a` is empty).
    void keep(const std::string& host, const std::string& port, addresses a, clock::time_point now = clock::now());
    // Forgets host:port (its addresses failed to connect).
    void drop(const std::string& host, const std::string& port);

private:
    struct entry {
        std::string key;
        addresses a;
        clock::time_point until;
    };
    std::chrono::milliseconds ttl_;
    std::mutex mu_;
    std::vector<entry> entries_;
};

}  // namespace neo::detail
