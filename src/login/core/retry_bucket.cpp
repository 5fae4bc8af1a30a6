// The client's retry budget (see retry_bucket.hpp).
#include "retry_bucket.hpp"

#include <algorithm>

namespace neo::detail {

bool retry_bucket::try_spend() {
    if (!cfg_.enabled) return true;
    std::lock_guard lock(mu_);
    if (tokens_ < cfg_.retry_cost) return false;
    tokens_ -= cfg_.retry_cost;
    return true;
}

void retry_bucket::refund() {
    if (!cfg_.enabled) return;
    std::lock_guard lock(mu_);
    tokens_ = std::min(cfg_.capacity, tokens_ + cfg_.success_refund);
}

double retry_bucket::tokens() const {
    std::lock_guard lock(mu_);
    return tokens_;
}

}  // namespace neo::detail
