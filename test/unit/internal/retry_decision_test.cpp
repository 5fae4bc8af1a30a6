// The retry decision's whole table, without I/O: every verdict and reason, the budget, the
// deadline, Retry-After, the stale kept-alive connection, and when the jitter is drawn.
#include "core/retry_decision.hpp"

#include <neo/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

using namespace std::chrono;
using neo::errc;
using neo::detail::attempt_outcome;
using neo::detail::decide;
using neo::detail::reason;
using neo::detail::retry_bucket;
using neo::detail::verdict;

namespace {

constexpr auto plenty = steady_clock::duration::max();

struct draws {
    double value = 0.5;
    int calls = 0;
    std::function<double()> fn() {
        return [this] {
            ++calls;
            return value;
        };
    }
};

attempt_outcome failed(errc e, bool sent = false, unsigned status = 0) {
    attempt_outcome o;
    o.ec = e;
    o.request_sent = sent;
    o.http_status = status;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_decision)

BOOST_AUTO_TEST_CASE(success_is_done_and_refunds_the_budget) {
    neo::retry_policy p;
    p.budget.capacity = 3;
    retry_bucket b(p.budget);
    BOOST_TEST(b.try_spend());
    BOOST_TEST(b.tokens() == 2.0);
    draws r;
    const auto d = decide(attempt_outcome{}, 1, p, plenty, r.fn(), b);
    BOOST_TEST((d.what == verdict::done));
    BOOST_TEST((d.why == reason::succeeded));
    BOOST_TEST(!d.ec);
    BOOST_TEST(b.tokens() == 3.0);
    BOOST_TEST(r.calls == 0);
    decide(attempt_outcome{}, 1, p, plenty, r.fn(), b);
    BOOST_TEST(b.tokens() == 3.0);  // never over the capacity
}

BOOST_AUTO_TEST_CASE(a_cancellation_is_done_and_never_retried) {
    neo::retry_policy p;
    retry_bucket b(p.budget);
    attempt_outcome o;
    o.ec = boost::asio::error::operation_aborted;
    const auto d = decide(o, 1, p, plenty, {}, b);
    BOOST_TEST((d.what == verdict::done));
    BOOST_TEST((d.why == reason::cancelled));
    BOOST_TEST(d.ec == boost::asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(final_errors_give_up_at_once) {
    neo::retry_policy p;
    retry_bucket b(p.budget);
    draws r;
    for (auto e : {errc::unauthorized, errc::protocol_error, errc::malformed_response, errc::tls_verification_failed,
                   errc::proxy_auth_required, errc::response_too_large}) {
        const auto d = decide(failed(e, true, 401), 1, p, plenty, r.fn(), b);
        BOOST_TEST((d.what == verdict::give_up), neo::make_error_code(e).message());
        BOOST_TEST((d.why == reason::not_retryable));
        BOOST_TEST(d.ec == e);
    }
    BOOST_TEST(r.calls == 0);
    BOOST_TEST(b.tokens() == p.budget.capacity);  // nothing spent
}

BOOST_AUTO_TEST_CASE(ambiguous_failures_follow_retry_ambiguous) {
    neo::retry_policy p;
    retry_bucket b(p.budget);
    BOOST_TEST((decide(failed(errc::timeout, true), 1, p, plenty, {}, b).what == verdict::retry));
    p.retry_ambiguous = false;
    auto d = decide(failed(errc::timeout, true), 1, p, plenty, {}, b);
    BOOST_TEST((d.why == reason::not_retryable));
    d = decide(failed(errc::connection_failed, false), 1, p, plenty, {}, b);  // nothing sent: safe
    BOOST_TEST((d.what == verdict::retry));
}

BOOST_AUTO_TEST_CASE(backoff_uses_one_draw_and_the_429_base) {
    neo::retry_policy p;  // 250 ms base, 1 s after a 429
    retry_bucket b(p.budget);
    draws r;
    auto d = decide(failed(errc::service_unavailable, true, 503), 1, p, plenty, r.fn(), b);
    BOOST_TEST((d.what == verdict::retry));
    BOOST_TEST((d.why == reason::backoff));
    BOOST_TEST(d.wait.count() == 125);
    BOOST_TEST(r.calls == 1);
    d = decide(failed(errc::service_unavailable, true, 503), 3, p, plenty, r.fn(), b);
    BOOST_TEST(d.wait.count() == 500);
    d = decide(failed(errc::rate_limited, true, 429), 1, p, plenty, r.fn(), b);
    BOOST_TEST(d.wait.count() == 500);
    BOOST_TEST(r.calls == 3);
}

BOOST_AUTO_TEST_CASE(the_last_attempt_gives_up) {
    neo::retry_policy p;
    p.max_attempts = 3;
    retry_bucket b(p.budget);
    BOOST_TEST((decide(failed(errc::service_unavailable), 2, p, plenty, {}, b).what == verdict::retry));
    const auto d = decide(failed(errc::service_unavailable), 3, p, plenty, {}, b);
    BOOST_TEST((d.what == verdict::give_up));
    BOOST_TEST((d.why == reason::no_attempts_left));
    BOOST_TEST(d.ec == errc::service_unavailable);
    p.max_attempts = 0;  // read as 1: no retry
    BOOST_TEST((decide(failed(errc::service_unavailable), 1, p, plenty, {}, b).why == reason::no_attempts_left));
}

BOOST_AUTO_TEST_CASE(retry_after_is_obeyed_or_fails_as_rate_limited) {
    neo::retry_policy p;  // max_retry_after 60 s
    retry_bucket b(p.budget);
    draws r;
    auto o = failed(errc::rate_limited, true, 429);
    o.retry_after = seconds(2);
    auto d = decide(o, 1, p, plenty, r.fn(), b);
    BOOST_TEST((d.what == verdict::retry));
    BOOST_TEST(d.wait.count() == 2000);
    BOOST_TEST(r.calls == 0);  // the server's wait, no jitter
    o.retry_after = seconds(61);
    d = decide(o, 1, p, plenty, r.fn(), b);
    BOOST_TEST((d.what == verdict::give_up));
    BOOST_TEST((d.why == reason::retry_after_too_long));
    BOOST_TEST(d.ec == errc::rate_limited);
    o = failed(errc::service_unavailable, true, 503);
    o.retry_after = seconds(5);
    d = decide(o, 1, p, seconds(5), r.fn(), b);  // not before the deadline
    BOOST_TEST((d.why == reason::retry_after_too_long));
    BOOST_TEST(d.ec == errc::rate_limited);
    d = decide(o, 1, p, seconds(6), r.fn(), b);
    BOOST_TEST((d.what == verdict::retry));
}

BOOST_AUTO_TEST_CASE(a_backoff_past_the_deadline_gives_up) {
    neo::retry_policy p;
    retry_bucket b(p.budget);
    draws r;
    r.value = 0.99;  // about 247 ms
    auto d = decide(failed(errc::service_unavailable), 1, p, milliseconds(200), r.fn(), b);
    BOOST_TEST((d.what == verdict::give_up));
    BOOST_TEST((d.why == reason::no_time_left));
    BOOST_TEST(d.ec == errc::service_unavailable);
    BOOST_TEST(b.tokens() == p.budget.capacity);  // a retry not made costs nothing
    d = decide(failed(errc::service_unavailable), 1, p, milliseconds(300), r.fn(), b);
    BOOST_TEST((d.what == verdict::retry));
}

BOOST_AUTO_TEST_CASE(the_budget_pays_for_each_retry_until_it_is_empty) {
    neo::retry_policy p;
    p.budget.capacity = 2;
    p.budget.retry_cost = 1;
    retry_bucket b(p.budget);
    BOOST_TEST((decide(failed(errc::service_unavailable), 1, p, plenty, {}, b).what == verdict::retry));
    BOOST_TEST((decide(failed(errc::service_unavailable), 1, p, plenty, {}, b).what == verdict::retry));
    const auto d = decide(failed(errc::service_unavailable), 1, p, plenty, {}, b);
    BOOST_TEST((d.what == verdict::give_up));
    BOOST_TEST((d.why == reason::budget_exhausted));
    BOOST_TEST(d.ec == errc::service_unavailable);
    decide(attempt_outcome{}, 1, p, plenty, {}, b);  // a success refunds one
    BOOST_TEST((decide(failed(errc::service_unavailable), 1, p, plenty, {}, b).what == verdict::retry));
    p.budget.enabled = false;
    retry_bucket off(p.budget);
    for (int i = 0; i < 100; ++i)
        BOOST_TEST((decide(failed(errc::service_unavailable), 1, p, plenty, {}, off).what == verdict::retry));
}

BOOST_AUTO_TEST_CASE(a_stale_kept_alive_connection_is_an_attempt_like_any_other) {
    // The write failed, or the read ended before any byte, on a connection an earlier exchange
    // kept open: retried at once (no backoff, no draw), but counted, paid for and bounded.
    neo::retry_policy p;
    p.max_attempts = 2;
    p.budget.capacity = 1;
    retry_bucket b(p.budget);
    draws r;
    auto o = failed(errc::connection_failed, false);
    o.stale_connection = true;
    auto d = decide(o, 1, p, plenty, r.fn(), b);
    BOOST_TEST((d.what == verdict::retry));
    BOOST_TEST((d.why == reason::stale_connection));
    BOOST_TEST(d.wait.count() == 0);
    BOOST_TEST(r.calls == 0);
    BOOST_TEST(b.tokens() == 0.0);
    d = decide(o, 2, p, plenty, r.fn(), b);  // the attempts are spent
    BOOST_TEST((d.why == reason::no_attempts_left));
    d = decide(o, 1, p, plenty, r.fn(), b);  // the budget is empty
    BOOST_TEST((d.why == reason::budget_exhausted));
    o.request_sent = true;  // the read failed: the server may have had the request
    p.retry_ambiguous = false;
    d = decide(o, 1, p, plenty, r.fn(), b);
    BOOST_TEST((d.why == reason::not_retryable));
    p.retry_ambiguous = true;
    retry_bucket full(p.budget);
    d = decide(o, 1, p, milliseconds(0), r.fn(), full);  // the deadline has come
    BOOST_TEST((d.why == reason::no_time_left));
}

BOOST_AUTO_TEST_CASE(every_reason_has_words) {
    for (int i = 0; i <= static_cast<int>(reason::stale_connection); ++i)
        BOOST_TEST(std::string(neo::detail::to_string(static_cast<reason>(i))) != "?");
}

BOOST_AUTO_TEST_SUITE_END()
