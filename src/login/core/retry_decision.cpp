// The retry decision (see retry_decision.hpp).
#include "retry_decision.hpp"

#include <neo/error.hpp>

#include <boost/asio/error.hpp>

namespace neo::detail {

const char* to_string(reason r) noexcept {
    switch (r) {
        case reason::succeeded:
            return "succeeded";
        case reason::cancelled:
            return "cancelled";
        case reason::not_retryable:
            return "not retried";
        case reason::no_attempts_left:
            return "no attempts left";
        case reason::retry_after_too_long:
            return "Retry-After exceeds the time left, giving up";
        case reason::no_time_left:
            return "no time left for another attempt";
        case reason::budget_exhausted:
            return "retry budget exhausted, not retried";
        case reason::backoff:
            return "retrying";
        case reason::stale_connection:
            return "the kept-alive connection was closed by the server, retrying at once";
    }
    return "?";
}

retry_decision decide(const attempt_outcome& o, int attempt, const retry_policy& policy,
                      std::chrono::steady_clock::duration left, const std::function<double()>& draw,
                      retry_bucket& budget) {
    using std::chrono::milliseconds;
    retry_decision d;
    d.ec = o.ec;
    if (!o.ec) {
        budget.refund();
        return d;
    }
    if (o.ec == boost::asio::error::operation_aborted) {
        d.why = reason::cancelled;
        return d;
    }
    d.what = verdict::give_up;
    const bool retryable = is_retryable(o.ec, o.request_sent, policy);
    if (!retryable) {
        d.why = reason::not_retryable;
        return d;
    }
    if (attempt >= std::max(1, policy.max_attempts)) {
        d.why = reason::no_attempts_left;
        return d;
    }
    if (o.stale_connection) {
        d.why = reason::stale_connection;
        d.wait = milliseconds(0);
    } else if (o.retry_after) {
        d.why = reason::backoff;
        d.wait = *o.retry_after;
        if (d.wait > policy.max_retry_after || d.wait >= left) {
            d.why = reason::retry_after_too_long;
            d.ec = errc::rate_limited;
            return d;
        }
    } else {
        d.why = reason::backoff;
        d.wait = backoff_delay(policy, attempt, draw ? draw() : 0.0, o.http_status == 429);
    }
    if (d.wait >= left) {
        d.why = reason::no_time_left;
        return d;
    }
    if (!budget.try_spend()) {
        d.why = reason::budget_exhausted;
        return d;
    }
    d.what = verdict::retry;
    return d;
}

}  // namespace neo::detail
