// The client's cached app token (see app_token_cache.hpp).
#include "app_token_cache.hpp"

#include <algorithm>

namespace neo::detail {

secret app_token_cache::get(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu_);
    if (!token_.empty() && now < expiry_) return token_;
    return secret();
}

std::pair<secret, std::int64_t> app_token_cache::get_with_life(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu_);
    if (token_.empty() || now >= expiry_) return {secret(), 0};
    return {token_, std::chrono::duration_cast<std::chrono::seconds>(expiry_ - now).count()};
}

void app_token_cache::put(const secret& token, std::int64_t expires_in, std::chrono::steady_clock::time_point now) {
    const auto margin = std::min<std::int64_t>(60, expires_in / 10);
    std::lock_guard lock(mu_);
    token_ = token;
    expiry_ = now + std::chrono::seconds(expires_in - margin);
}

void app_token_cache::forget() {
    std::lock_guard lock(mu_);
    token_.clear();
}

}  // namespace neo::detail
