// Connections the server kept open when their operation ended, for the next operations (the
// second factor after the login): newest last, each with the strand its stream runs on, at most
// `max_parked`, none older than the idle bound. Thread-safe.
#pragma once

#include "connection.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace neo::detail {

class connection_pool {
public:
    static constexpr std::size_t max_parked = 4;
    using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
    struct parked {
        std::unique_ptr<connection> conn;
        strand_type strand;
        std::chrono::steady_clock::time_point since;
    };

    explicit connection_pool(std::chrono::milliseconds idle) : idle_(idle) {}
    // The newest parked connection not older than the idle bound (older ones are dropped), or none.
    std::optional<parked> take();
    // Parks `c` (returned when the pool is full).
    std::unique_ptr<connection> park(std::unique_ptr<connection> c, strand_type strand);

private:
    std::chrono::milliseconds idle_;
    std::mutex mu_;
    std::vector<parked> pool_;
};

}  // namespace neo::detail
