// The OAuth2 app token a client fetched, kept until shortly before it expires (a tenth of its
// life, at most a minute, earlier) and forgotten when the gateway rejects it. Thread-safe; no I/O.
#pragma once

#include <neo/secret.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <utility>

namespace neo::detail {

class app_token_cache {
public:
    // The cached token, or an empty one when none is valid now.
    secret get(std::chrono::steady_clock::time_point now);
    // The same, with the seconds it stays valid (0 with an empty token).
    std::pair<secret, std::int64_t> get_with_life(std::chrono::steady_clock::time_point now);
    // Keeps `token`, valid for `expires_in` seconds from `now`.
    void put(const secret& token, std::int64_t expires_in, std::chrono::steady_clock::time_point now);
    void forget();

private:
    std::mutex mu_;
    secret token_;
    std::chrono::steady_clock::time_point expiry_{};
};

}  // namespace neo::detail
