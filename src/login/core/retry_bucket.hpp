// The client's retry budget (retry_policy::budget): a token bucket shared by its operations.
// Thread-safe; no I/O.
#pragma once

#include <neo/retry_policy.hpp>

#include <mutex>

namespace neo::detail {

class retry_bucket {
public:
    explicit retry_bucket(const retry_budget& b) : cfg_(b), tokens_(b.capacity) {}
    // Takes the cost of one retry; false when the bucket cannot pay it (always true when disabled).
    bool try_spend();
    // A successful step gives some back, up to the capacity.
    void refund();
    double tokens() const;

private:
    retry_budget cfg_;
    mutable std::mutex mu_;
    double tokens_;
};

}  // namespace neo::detail
