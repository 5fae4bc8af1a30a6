// Connections the server kept open when their operation ended, for the next operations (the
// second factor after the login, the login after a warm-up): groups of connections (at most one
// per host:port, each operation's group), newest last, each group with the strand its streams run
// on, at most `max_parked` groups of at most `idle_connections::max_size`, no connection idle for longer than
// the idle bound. Thread-safe.
#pragma once

#include "connection.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace neo::detail {

// One operation's kept connections, at most one per host:port.
class idle_connections {
public:
    static constexpr std::size_t max_size = 4;
    // The one for `key` (host:port), taken out, or null.
    std::unique_ptr<connection> take(const std::string& key);
    // Kept; returns whatever it displaces (the one for the same host, or the oldest when full).
    std::unique_ptr<connection> keep(std::unique_ptr<connection> c);
    // Every connection, taken out.
    std::vector<std::unique_ptr<connection>> release() { return std::exchange(conns_, {}); }
    // Drops (returns) those idle since before `oldest`.
    std::vector<std::unique_ptr<connection>> expire(std::chrono::steady_clock::time_point oldest);
    bool empty() const noexcept { return conns_.empty(); }

private:
    std::vector<std::unique_ptr<connection>> conns_;
};

class connection_pool {
public:
    static constexpr std::size_t max_parked = 4;
    using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
    struct parked {
        idle_connections conns;
        strand_type strand;
    };

    explicit connection_pool(std::chrono::milliseconds idle) : idle_(idle) {}
    // The newest parked group, without the connections older than the idle bound, or none.
    std::optional<parked> take();
    // Parks `g` (returned when the pool is full).
    idle_connections park(idle_connections g, strand_type strand);

private:
    std::chrono::milliseconds idle_;
    std::mutex mu_;
    std::vector<parked> pool_;
};

}  // namespace neo::detail
