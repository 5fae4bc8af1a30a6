// Kept-alive connections between operations (see connection_pool.hpp).
#include "connection_pool.hpp"

namespace neo::detail {

std::optional<connection_pool::parked> connection_pool::take() {
    std::vector<parked> expired;  // closed outside the lock
    std::optional<parked> taken;
    {
        std::lock_guard lock(mu_);
        const auto oldest = std::chrono::steady_clock::now() - idle_;
        for (auto it = pool_.begin(); it != pool_.end();) {
            if (it->since < oldest) {
                expired.push_back(std::move(*it));
                it = pool_.erase(it);
            } else {
                ++it;
            }
        }
        if (!pool_.empty()) {
            taken = std::move(pool_.back());
            pool_.pop_back();
        }
    }
    return taken;
}

std::unique_ptr<connection> connection_pool::park(std::unique_ptr<connection> c, strand_type strand) {
    std::lock_guard lock(mu_);
    if (pool_.size() >= max_parked) return c;
    pool_.push_back(parked{std::move(c), std::move(strand), std::chrono::steady_clock::now()});
    return nullptr;
}

}  // namespace neo::detail
