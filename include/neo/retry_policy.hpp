// neo/retry_policy.hpp: whether, how much and how long to retry.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/error.hpp>

#include <chrono>
#include <optional>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

/// A per-client retry budget: a token bucket in the style of the AWS SDKs' retry quota and gRPC's
/// retry throttling. Every retry takes `retry_cost` tokens; a retry the bucket cannot pay for is
/// not made (the attempt's failure is final, and `diagnostics::detail` says "retry budget
/// exhausted"). Every successful step puts `success_refund` back, up to `capacity`.
///
/// Why: during an outage every login of a client would otherwise retry `max_attempts - 1` times,
/// multiplying the load on a gateway that is already failing. With the defaults, once 10 retries
/// have gone unanswered by a success, further failures of that client fail fast after one attempt,
/// until successes refill the bucket. The first attempt of a login is never refused.
struct retry_budget {
    bool enabled = true;
    double capacity = 10;       ///< tokens when full; the bucket starts full
    double retry_cost = 1;      ///< taken by each retry
    double success_refund = 1;  ///< given back by each successful step
};

/// How much to retry and how long to wait. Defaults follow docs/reliability.md.
struct retry_policy {
    int max_attempts = 4;                                 ///< attempts in all, per step; 1 = no retry
    std::chrono::milliseconds initial_backoff{250};       ///< base of the exponential backoff
    std::chrono::milliseconds initial_backoff_429{1000};  ///< base after a 429
    std::chrono::milliseconds max_backoff{8000};          ///< cap of one computed wait
    std::chrono::milliseconds max_retry_after{60000};     ///< a longer Retry-After fails at once
    std::chrono::milliseconds deadline{30000};            ///< the whole operation; 0 = none
    /// Retry a failure after the request was written and before a full answer (read timeout,
    /// reset, truncated answer). Login changes no account state, so this is on by default.
    bool retry_ambiguous = true;
    /// Shared by all operations of one client. Default: on, 10 tokens, 1 per retry, 1 back per success.
    retry_budget budget{};
};

/// Classification: may an attempt that failed with `ec` be retried? `request_sent` says the
/// request may have reached the server.
bool is_retryable(const boost::system::error_code& ec, bool request_sent, const retry_policy& p) noexcept;

/// Backoff: full jitter, `draw * min(cap, base * 2^(retry-1))`, with `draw` in [0, 1) and
/// `retry` the 1-based number of the retry about to be made. A pure function.
std::chrono::milliseconds backoff_delay(const retry_policy& p, int retry, double draw, bool after_429) noexcept;

/// Strict RFC 9110 `Retry-After`: delta-seconds, or an HTTP-date (IMF-fixdate, RFC 850, asctime)
/// measured from `now` (a past date gives 0). Anything else (negative, signed, fractional,
/// garbage) gives nullopt. Values are capped at one day, including delay-seconds too large to hold
/// (a server asking for an endless wait gets the longest one, never a short backoff).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

/// An RFC 9110 HTTP-date (IMF-fixdate, RFC 850 or asctime), as the `Date` header carries it;
/// nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value);

}  // namespace neo
NEO_VISIBLE_END
