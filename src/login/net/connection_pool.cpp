// Kept-alive connections between operations (see connection_pool.hpp).
#include "connection_pool.hpp"

#include <algorithm>

namespace neo::detail {

std::unique_ptr<connection> idle_connections::take(const std::string& key) {
    for (auto it = conns_.begin(); it != conns_.end(); ++it) {
        if ((*it)->slot.key != key) continue;
        auto c = std::move(*it);
        conns_.erase(it);
        return c;
    }
    return nullptr;
}

std::unique_ptr<connection> idle_connections::keep(std::unique_ptr<connection> c) {
    std::unique_ptr<connection> out = take(c->slot.key);
    if (!out && conns_.size() >= max_size) {
        auto oldest = std::min_element(conns_.begin(), conns_.end(),
                                       [](const auto& x, const auto& y) { return x->used < y->used; });
        out = std::move(*oldest);
        conns_.erase(oldest);
    }
    conns_.push_back(std::move(c));
    return out;
}

std::vector<std::unique_ptr<connection>> idle_connections::expire(std::chrono::steady_clock::time_point oldest) {
    std::vector<std::unique_ptr<connection>> out;
    for (auto it = conns_.begin(); it != conns_.end();) {
        if ((*it)->used < oldest) {
            out.push_back(std::move(*it));
            it = conns_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<connection_pool::parked> connection_pool::take() {
    std::vector<std::unique_ptr<connection>> expired;  // closed outside the lock
    std::optional<parked> taken;
    {
        std::lock_guard lock(mu_);
        const auto oldest = std::chrono::steady_clock::now() - idle_;
        for (auto it = pool_.begin(); it != pool_.end();) {
            for (auto& c : it->conns.expire(oldest)) expired.push_back(std::move(c));
            it = it->conns.empty() ? pool_.erase(it) : it + 1;
        }
        if (!pool_.empty()) {
            taken = std::move(pool_.back());
            pool_.pop_back();
        }
    }
    return taken;
}

idle_connections connection_pool::park(idle_connections g, strand_type strand) {
    std::lock_guard lock(mu_);
    if (pool_.size() >= max_parked || g.empty()) return g;
    pool_.push_back(parked{std::move(g), std::move(strand)});
    return {};
}

}  // namespace neo::detail
