// The random draws of the backoff's full jitter: the caller's (client_params::random) or a
// generator seeded from the system. Thread-safe; no I/O.
#pragma once

#include <functional>
#include <mutex>
#include <random>

namespace neo::detail {

class jitter {
public:
    explicit jitter(std::function<double()> user) : user_(std::move(user)) {}
    // A draw in [0, 1).
    double operator()() {
        if (user_) return user_();
        std::lock_guard lock(mu_);
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }

private:
    std::function<double()> user_;
    std::mutex mu_;
    std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace neo::detail
