#include <neo/error.hpp>
#include <neo/retry_policy.hpp>

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>

using namespace std::chrono;
using neo::errc;

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(backoff_is_full_jitter_of_a_capped_exponential) {
    neo::retry_policy p;  // 250 ms base, 1 s after 429, 8 s cap
    BOOST_TEST(neo::backoff_delay(p, 1, 0.0, false).count() == 0);
    BOOST_TEST(neo::backoff_delay(p, 1, 0.5, false).count() == 125);
    BOOST_TEST(neo::backoff_delay(p, 2, 0.5, false).count() == 250);
    BOOST_TEST(neo::backoff_delay(p, 3, 0.5, false).count() == 500);
    BOOST_TEST(neo::backoff_delay(p, 6, 0.5, false).count() == 4000);
    BOOST_TEST(neo::backoff_delay(p, 7, 0.5, false).count() == 4000);  // capped at 8 s
    BOOST_TEST(neo::backoff_delay(p, 60, 0.999, false).count() == 7992);
    BOOST_TEST(neo::backoff_delay(p, 1, 0.5, true).count() == 500);
    BOOST_TEST(neo::backoff_delay(p, 2, 0.5, true).count() == 1000);
    // Draws out of range are clamped, never a crash or a wait over the cap.
    BOOST_TEST(neo::backoff_delay(p, 100, 7.0, false) < milliseconds(8000));
    BOOST_TEST(neo::backoff_delay(p, 1, -1.0, false).count() == 0);
    BOOST_TEST(neo::backoff_delay(p, 1, std::nan(""), false).count() == 0);
    BOOST_TEST(neo::backoff_delay(p, -5, 0.5, false).count() == 125);
}

BOOST_AUTO_TEST_CASE(the_retry_decision_table) {
    neo::retry_policy p;
    auto yes = [&](errc e, bool sent) { return neo::is_retryable(e, sent, p); };
    BOOST_TEST(yes(errc::rate_limited, true));
    BOOST_TEST(yes(errc::service_unavailable, true));
    BOOST_TEST(yes(errc::connection_failed, false));
    BOOST_TEST(yes(errc::connection_failed, true));  // ambiguous: on by default for login
    BOOST_TEST(yes(errc::timeout, true));
    BOOST_TEST(yes(errc::truncated_response, true));
    BOOST_TEST(yes(errc::proxy_unavailable, false));  // nothing reached the gateway
    BOOST_TEST(yes(errc::proxy_closed, false));
    for (errc e :
         {errc::proxy_auth_required, errc::proxy_refused, errc::proxy_protocol_error, errc::invalid_proxy,
          errc::invalid_local_address, errc::bad_request, errc::unauthorized, errc::forbidden, errc::server_error, errc::rejected,
          errc::tls_verification_failed, errc::tls_handshake_failed, errc::malformed_response, errc::missing_fields,
          errc::response_too_large, errc::protocol_error, errc::redirect, errc::deadline_exceeded, errc::no_identity}) {
        BOOST_TEST(!yes(e, false), boost::system::error_code(e).message());
    }
    BOOST_TEST(!neo::is_retryable(boost::asio::error::operation_aborted, false, p));
    p.retry_ambiguous = false;
    BOOST_TEST(yes(errc::connection_failed, false));
    BOOST_TEST(!yes(errc::connection_failed, true));
    BOOST_TEST(!yes(errc::timeout, true));
    BOOST_TEST(yes(errc::timeout, false));
    BOOST_TEST(yes(errc::service_unavailable, true));
}

const auto now = system_clock::time_point(seconds(784111777));  // Sun, 06 Nov 1994 08:49:37 GMT

BOOST_AUTO_TEST_CASE(retry_after_delta_seconds) {
    BOOST_TEST(neo::parse_retry_after("0", now).value().count() == 0);
    BOOST_TEST(neo::parse_retry_after("120", now).value().count() == 120);
    BOOST_TEST(neo::parse_retry_after(" 7 ", now).value().count() == 7);
    BOOST_TEST(neo::parse_retry_after("999999999", now).value().count() == 86400);  // capped
    // Valid delay-seconds too large to hold: a wait longer than anything allowed, not garbage.
    for (const char* v : {"100000000000000000000000", "99999999999999999999999", "18446744073709551616",
                          "000000000000000000000000000000000000000086401"})
        BOOST_TEST(neo::parse_retry_after(v, now).value().count() == 86400, v);
    BOOST_TEST(neo::parse_retry_after("00000000000000000000000000000000000000000000000007", now).value().count() == 7);
}

BOOST_AUTO_TEST_CASE(retry_after_http_dates_in_all_three_forms) {
    BOOST_TEST(neo::parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now).value().count() == 10);
    BOOST_TEST(neo::parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now).value().count() == 60);
    BOOST_TEST(neo::parse_retry_after("Sun Nov  6 08:49:39 1994", now).value().count() == 2);
    BOOST_TEST(neo::parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now).value().count() == 0);  // past: now
    BOOST_TEST(neo::parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now).value().count() == 86400);
}

BOOST_AUTO_TEST_CASE(hostile_retry_after_values_are_ignored) {
    for (const char* v :
         {"", " ", "-1", "+5", "1.5", "5s", "abc", "0x10", "1e30", "Sun, 06 Nov 1994 08:49:37 UTC",
          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994", "Funday, 06-Nov-94 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "\x01\x02"}) {
        BOOST_TEST(!neo::parse_retry_after(v, now).has_value(), v);
    }
}

BOOST_AUTO_TEST_SUITE_END()
