// The one place that decides what follows an attempt: done, retry after a wait, or give up (and
// why). Pure: time, randomness and the budget are handed in; no I/O, no clock, no log.
#pragma once

#include "retry_bucket.hpp"

#include <neo/retry_policy.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <optional>

namespace neo::detail {

// What one attempt came to, as far as retrying is concerned.
struct attempt_outcome {
    boost::system::error_code ec{};  // the attempt's classified result (success: none)
    unsigned http_status = 0;        // 0 when no answer came
    bool request_sent = false;       // some of the request may have reached the server
    // The attempt failed on a connection kept alive from an earlier exchange, which the server had
    // closed meanwhile (nothing of an answer came): the retry goes at once, with no backoff.
    bool stale_connection = false;
    std::optional<std::chrono::seconds> retry_after{};  // parsed from a 429 or 503
};

enum class verdict {
    done,     // success, or a cancellation: nothing more to decide
    retry,    // another attempt after `wait`
    give_up,  // the error is final: `ec`, for the reason `why`
};

enum class reason {
    succeeded,             // done: the attempt succeeded (the budget was refunded)
    cancelled,             // done: the caller cancelled
    not_retryable,         // give up: this error is never retried (or not once the request was sent)
    no_attempts_left,      // give up: retryable, but max_attempts are spent
    retry_after_too_long,  // give up as rate_limited: Retry-After beyond max_retry_after or the time left
    no_time_left,          // give up: the backoff would pass the deadline
    budget_exhausted,      // give up: the client's retry budget cannot pay for a retry
    backoff,               // retry after the backoff (or the server's Retry-After)
    stale_connection,      // retry at once: the kept-alive connection had been closed by the server
};
const char* to_string(reason r) noexcept;

struct retry_decision {
    verdict what = verdict::done;
    reason why = reason::succeeded;
    std::chrono::milliseconds wait{};  // before the next attempt (verdict::retry)
    boost::system::error_code ec{};    // the operation's result (rate_limited for a Retry-After too long)
};

// `attempt` counts from 1; `left` is the time left until the deadline (duration::max() for none);
// `draw` gives a number in [0, 1) for the backoff's jitter and is called only when a backoff is
// computed; `budget` pays for a retry (and is refunded by a success).
retry_decision decide(const attempt_outcome& o, int attempt, const retry_policy& policy,
                      std::chrono::steady_clock::duration left, const std::function<double()>& draw,
                      retry_bucket& budget);

}  // namespace neo::detail
