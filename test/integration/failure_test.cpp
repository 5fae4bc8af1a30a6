// Retries, statuses, Retry-After, timeouts, connection faults and TLS failures, over real TLS.
#include "fixture.hpp"

#include <neo/mock/pki.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <boost/asio/use_awaitable.hpp>

#include <ctime>
#include <set>
#include <tuple>

using namespace neo_test;
using neo::errc;
using neo::mock::answer;
using neo::mock::fault;
using neo::mock::route;

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(each_retryable_status_then_success) {
    for (unsigned status : {429u, 502u, 503u, 504u}) {
        fixture f;
        f.mock.script(route::login, {{.status = status}});
        neo::client c{f.io, f.params()};
        auto r = f.login(c);
        BOOST_TEST(!r.ec, status << ": " << r.ec.message());
        BOOST_TEST(f.logins() == 2u);
        BOOST_REQUIRE(r.diag.history.size() == 3u);
        BOOST_TEST(r.diag.history[1].http_status == status);
        BOOST_TEST(r.diag.history[2].http_status == 200u);
        BOOST_TEST(f.waits.size() == 1u);
    }
}

BOOST_FIXTURE_TEST_CASE(retries_run_out_with_the_exact_attempt_count, fixture) {
    mock.script(route::login, {{.status = 503}, {.status = 502}, {.status = 504}, {.status = 503}, {.status = 200}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::service_unavailable));
    BOOST_TEST(logins() == 4u);
    BOOST_TEST(r.diag.attempts == 5);  // 1 app token + 4 logins
    BOOST_TEST(r.diag.http_status == 503u);
    BOOST_TEST(waits.size() == 3u);
    BOOST_TEST(r.diag.history.back().wait.count() == 0);
}

BOOST_FIXTURE_TEST_CASE(last_failure_decides_the_code, fixture) {
    mock.script(route::login, {{.status = 503}, {.status = 429}});
    auto p = params();
    p.retry.max_attempts = 2;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::rate_limited));
    BOOST_TEST(logins() == 2u);
}

BOOST_AUTO_TEST_CASE(non_retryable_statuses_are_not_retried) {
    const std::pair<unsigned, errc> rows[] = {{400, errc::bad_request}, {401, errc::unauthorized},
                                              {403, errc::forbidden},   {500, errc::server_error},
                                              {404, errc::rejected},    {302, errc::redirect}};
    for (auto [status, expected] : rows) {
        fixture f;
        answer a{.status = status};
        if (status == 302) a.headers = {{"Location", "https://elsewhere.invalid/steal"}};
        f.mock.script(route::login, {a});
        neo::client c{f.io, f.params()};
        auto r = f.login(c);
        BOOST_TEST(r.ec == make_error_code(expected), status);
        BOOST_TEST(r.diag.http_status == status);
        BOOST_TEST(f.logins() == 1u, status);
        BOOST_TEST(f.waits.empty());
    }
}

BOOST_FIXTURE_TEST_CASE(error_inside_a_200_is_rejected, fixture) {
    mock.script(route::login,
                {{.status = 200, .body = R"({"stCode":401,"errMsg":"Invalid MPIN","status":"failure"})"}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::rejected));
    BOOST_TEST(r.diag.server_code == "401");
    BOOST_TEST(r.diag.server_message == "Invalid MPIN");
    BOOST_TEST(logins() == 1u);
}

// The `{"error":[...]}` shape in a 200 is a rejection for every step, not only the login: for the
// steps that need nothing from a 2xx (OTP generation, logout) and for the app token, treating it
// as success would go on as if the step had worked.
BOOST_FIXTURE_TEST_CASE(the_error_array_inside_a_200_fails_every_step, fixture) {
    const std::string body = R"({"error":[{"code":"10500","message":"Something went wrong"}]})";
    neo::client c{io, params()};
    neo::session view, trade;
    struct outcome {
        boost::system::error_code ec;
        neo::diagnostics d;
    };
    outcome app_token, login_step, otp, logout;
    // Named, not braced inside co_await (GCC 12 miscompiles braced temporaries with strings there).
    neo::second_factor with_otp;
    with_otp.otp = neo::mock::fixture{}.otp;
    run_coro([&]() -> asio::awaitable<void> {
        view = co_await c.async_login(good_request());
        co_await c.async_generate_otp(view);
        trade = co_await c.async_session_2fa(view, with_otp);

        mock.script(route::otp_generate, {{.status = 200, .body = body}});
        std::tie(otp.ec) = co_await c.async_generate_otp(view, otp.d, nothrow);
        mock.script(route::logout, {{.status = 200, .body = body}});
        std::tie(logout.ec) = co_await c.async_logout(trade, logout.d, nothrow);
        mock.script(route::login, {{.status = 200, .body = body}});
        std::tie(login_step.ec, std::ignore) = co_await c.async_login(good_request(), login_step.d, nothrow);

        // A fresh client has no cached app token: its first step is the app token's.
        neo::client fresh{io, params()};
        mock.script(route::app_token, {{.status = 200, .body = body}});
        std::tie(app_token.ec, std::ignore) = co_await fresh.async_login(good_request(), app_token.d, nothrow);
    });
    for (auto* o : {&otp, &logout, &login_step, &app_token}) {
        BOOST_TEST(o->ec == make_error_code(errc::rejected), o->ec.message());
        BOOST_TEST(o->d.detail == "error body inside HTTP 200");
        BOOST_TEST(o->d.server_code == "10500");
        BOOST_TEST(o->d.server_message == "Something went wrong");
        BOOST_TEST(o->d.attempts == 1);  // a rejection is not retried
    }
    BOOST_REQUIRE(!app_token.d.history.empty());
    BOOST_TEST(app_token.d.history.front().step == "app_token");
}

// A 401 on the login makes the client forget its cached app token: the next login fetches a new
// one. Without a 401 it is reused.
BOOST_FIXTURE_TEST_CASE(a_401_makes_the_next_login_fetch_a_new_app_token, fixture) {
    neo::client c{io, params()};
    boost::system::error_code rejected;
    run_coro([&]() -> asio::awaitable<void> {
        co_await c.async_login(good_request());
        co_await c.async_login(good_request());
        BOOST_TEST(app_tokens() == 1u);  // cached
        mock.script(route::login, {{.status = 401}});
        std::tie(rejected, std::ignore) = co_await c.async_login(good_request(), nothrow);
        BOOST_TEST(app_tokens() == 1u);
        co_await c.async_login(good_request());
    });
    BOOST_TEST(rejected == make_error_code(errc::unauthorized));
    BOOST_TEST(app_tokens() == 2u);
    BOOST_TEST(logins() == 4u);
}

// The built-in jitter (no client_params::random): draws that differ, each wait in [0, cap). With
// the base equal to the cap, every wait is draw * 1000 ms, so a constant generator gives six
// equal waits.
BOOST_FIXTURE_TEST_CASE(the_built_in_jitter_draws_and_stays_below_the_cap, fixture) {
    auto p = params();
    BOOST_REQUIRE(!p.random);
    p.retry.initial_backoff = 1000ms;
    p.retry.max_backoff = 1000ms;
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 2; ++i) {
            mock.script(route::login, {{.status = 503}, {.status = 503}, {.status = 503}});
            co_await c.async_login(good_request());
        }
    });
    BOOST_REQUIRE(waits.size() == 6u);
    std::set<long long> distinct;
    for (auto w : waits) {
        BOOST_TEST(w.count() >= 0);
        BOOST_TEST(w.count() < 1000);
        distinct.insert(w.count());
    }
    BOOST_TEST(distinct.size() >= 3u);
}

BOOST_AUTO_TEST_CASE(bad_bodies_are_bad_responses) {
    const std::pair<std::string, errc> rows[] = {
        {"<html>hello</html>", errc::malformed_response},
        {R"({"data":{"sid":"x"}})", errc::missing_fields},
        {R"({"data":{"token":"t","sid":"s")", errc::malformed_response},
        {std::string(2 * 1024 * 1024, ' '), errc::response_too_large},
    };
    for (const auto& [body, expected] : rows) {
        fixture f;
        f.mock.script(route::login, {{.status = 200, .body = body}});
        neo::client c{f.io, f.params()};
        auto r = f.login(c);
        BOOST_TEST(r.ec == make_error_code(expected), body.substr(0, 30));
        BOOST_TEST(f.logins() == 1u);
    }
}

BOOST_FIXTURE_TEST_CASE(oversize_header_is_refused, fixture) {
    mock.script(route::login, {{.status = 200, .headers = {{"X-Padding", std::string(20000, 'a')}}}});
    neo::client c{io, params()};  // 16 KiB header limit
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::response_too_large), r.ec.message());
    BOOST_TEST(logins() == 1u);
}

BOOST_FIXTURE_TEST_CASE(callers_tls_context_still_verifies_the_peer, fixture) {
    // A caller's context that trusts nothing and even asks for no verification: the client
    // still sets peer and host verification on every stream.
    asio::ssl::context careless(asio::ssl::context::tls_client);
    careless.set_verify_mode(asio::ssl::verify_none);
    auto p = params();
    p.tls_context = &careless;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::tls_verification_failed), r.ec.message());
    BOOST_TEST(mock.requests().empty());
}

BOOST_FIXTURE_TEST_CASE(callers_tls_context_with_the_ca_works, fixture) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(mock.ca_pem()));
    auto p = params();
    p.ca_pem.clear();
    p.tls_context = &ctx;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message() << " " << r.diag.detail);
}

BOOST_FIXTURE_TEST_CASE(retry_after_seconds_is_honoured, fixture) {
    mock.script(route::login, {{.status = 429, .headers = {{"Retry-After", "2"}}}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE(waits.size() == 1u);
    BOOST_TEST(waits[0].count() == 2000);
    BOOST_REQUIRE(r.diag.retry_after);
    BOOST_TEST(r.diag.retry_after->count() == 2);
}

BOOST_FIXTURE_TEST_CASE(retry_after_http_date_is_honoured, fixture) {
    const std::time_t when = std::time(nullptr) + 5;
    char buf[64];
    std::tm tm{};
    gmtime_r(&when, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    mock.script(route::login, {{.status = 503, .headers = {{"Retry-After", buf}}}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE(waits.size() == 1u);
    BOOST_TEST((waits[0] >= 3000ms && waits[0] <= 5000ms), waits[0].count());
}

BOOST_FIXTURE_TEST_CASE(retry_after_longer_than_the_time_left_fails_fast, fixture) {
    mock.script(route::login, {{.status = 429, .headers = {{"Retry-After", "45"}}}});
    neo::client c{io, params()};  // 30 s deadline
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::rate_limited));
    BOOST_TEST(waits.empty());
    BOOST_TEST(logins() == 1u);
    BOOST_REQUIRE(r.diag.retry_after);
    BOOST_TEST(r.diag.retry_after->count() == 45);
    BOOST_TEST((r.elapsed < 5000ms));
}

BOOST_FIXTURE_TEST_CASE(hostile_retry_after_falls_back_to_backoff, fixture) {
    mock.script(route::login, {{.status = 503, .headers = {{"Retry-After", "-99999999999999999999"}}}});
    auto p = params();
    p.random = [] { return 0.5; };
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE(waits.size() == 1u);
    BOOST_TEST(waits[0].count() == 125);
    BOOST_TEST(!r.diag.retry_after);
}

BOOST_FIXTURE_TEST_CASE(backoff_values_follow_the_draw, fixture) {
    mock.script(route::login, {{.status = 503}, {.status = 503}, {.status = 429}});
    auto p = params();
    p.random = [] { return 0.5; };
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE(waits.size() == 3u);
    BOOST_TEST(waits[0].count() == 125);   // 0.5 * 250
    BOOST_TEST(waits[1].count() == 250);   // 0.5 * 500
    BOOST_TEST(waits[2].count() == 2000);  // 0.5 * 1000 * 4, after a 429
}

BOOST_FIXTURE_TEST_CASE(connection_faults_are_retried, fixture) {
    // OAuth2 connection closed before TLS, login closed mid-answer then without an answer.
    mock.script_connections({fault::close_before_tls});
    mock.script(route::login, {{.action = fault::close_mid_answer}, {.action = fault::close_without_answer}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_REQUIRE(r.diag.history.size() == 5u);
    BOOST_TEST(r.diag.history[0].result == make_error_code(errc::connection_failed));
    BOOST_TEST(r.diag.history[0].failed_phase == neo::phase::handshake);
    BOOST_TEST(r.diag.history[2].result == make_error_code(errc::truncated_response));
    BOOST_TEST(r.diag.history[3].result == make_error_code(errc::connection_failed));
    BOOST_TEST(logins() == 3u);
    // The OAuth2 step's connection (kept open) carried the first login attempt.
    BOOST_TEST(mock.connections() == 4u);
}

BOOST_FIXTURE_TEST_CASE(answer_delimited_by_the_close_is_accepted, fixture) {
    // No Content-Length, the body ends with a close without close_notify (HTTP/1.0 style).
    mock.script(route::app_token, {{.action = fault::close_delimited_answer}});
    mock.script(route::login, {{.action = fault::close_delimited_answer}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message() << " " << r.diag.detail);
    BOOST_TEST(r.diag.attempts == 2);
    BOOST_TEST(r.session.ucc == "TESTYA24");
}

BOOST_FIXTURE_TEST_CASE(ambiguous_failures_not_retried_when_switched_off, fixture) {
    mock.script(route::login, {{.action = fault::close_mid_answer}});
    auto p = params();
    p.retry.retry_ambiguous = false;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::truncated_response));
    BOOST_TEST(logins() == 1u);
}

BOOST_FIXTURE_TEST_CASE(refused_connection_retries_then_fails, fixture) {
    // A port with nobody listening.
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    auto p = params();
    p.gateway = neo::gateway::from_origin("https://127.0.0.1:" + std::to_string(port));
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::connection_failed));
    BOOST_TEST(r.diag.attempts == 4);
    BOOST_TEST(r.diag.failed_phase == neo::phase::connect);
}

BOOST_FIXTURE_TEST_CASE(handshake_timeout, fixture) {
    mock.script_connections({fault::stall_before_tls});
    auto p = params();
    p.timeouts.handshake = 200ms;
    p.retry.max_attempts = 1;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::timeout));
    BOOST_TEST(r.diag.failed_phase == neo::phase::handshake);
    BOOST_TEST((r.elapsed >= 200ms && r.elapsed < 2000ms));
}

BOOST_FIXTURE_TEST_CASE(answer_timeout_then_retry_succeeds, fixture) {
    mock.script(route::login, {{.action = fault::stall}});
    auto p = params();
    p.timeouts.exchange = 200ms;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.diag.history.at(1).result == make_error_code(errc::timeout));
    BOOST_TEST(r.diag.history.at(1).failed_phase == neo::phase::exchange);
    BOOST_TEST(logins() == 2u);
}

BOOST_FIXTURE_TEST_CASE(slow_answer_inside_its_bound_is_fine, fixture) {
    mock.script(route::login, {{.delay = 150ms}});
    auto p = params();
    p.timeouts.exchange = 2000ms;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec);
    BOOST_TEST(logins() == 1u);
}

BOOST_FIXTURE_TEST_CASE(deadline_bounds_the_whole_call, fixture) {
    mock.script(route::login, {{.action = fault::stall}, {.action = fault::stall}});
    auto p = params();
    p.retry.deadline = 300ms;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::deadline_exceeded));
    BOOST_TEST((r.elapsed >= 250ms && r.elapsed < 2000ms), r.elapsed.count());
}

BOOST_FIXTURE_TEST_CASE(untrusted_certificate_is_rejected_before_any_byte, fixture) {
    auto p = params();
    p.ca_pem = neo::mock::certificate_authority("some other CA").certificate();
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::tls_verification_failed));
    BOOST_TEST(r.diag.detail.find("certificate verify failed") != std::string::npos, r.diag.detail);
    BOOST_TEST(mock.requests().empty());
    BOOST_TEST(mock.connections() == 1u);  // not retried
}

namespace {
neo::mock::gateway_params with_certificate(const neo::mock::certificate_authority& ca,
                                           neo::mock::certificate_options o) {
    auto issued = ca.issue(o);
    neo::mock::gateway_params gp;
    gp.certificate_chain_pem = issued.certificate;
    gp.private_key_pem = issued.private_key;
    return gp;
}
}  // namespace

BOOST_AUTO_TEST_CASE(wrong_host_and_expired_certificates_are_rejected) {
    neo::mock::certificate_authority ca;
    const neo::mock::certificate_options wrong_host{.dns_names = {"wrong.example"}, .ip_addresses = {"127.0.0.2"}};
    const neo::mock::certificate_options expired{.not_before = -7200s, .not_after = -3600s};
    for (const auto& o : {wrong_host, expired}) {
        fixture f(with_certificate(ca, o));
        auto p = f.params();
        p.ca_pem = ca.certificate();
        neo::client c{f.io, p};
        auto r = f.login(c);
        BOOST_TEST(r.ec == make_error_code(errc::tls_verification_failed), r.diag.detail);
        BOOST_TEST(f.mock.requests().empty());
        BOOST_TEST(f.mock.connections() == 1u);
    }
    // The same CA with the right host name passes: the failures above are the host and the date.
    fixture ok(with_certificate(ca, {}));
    auto p = ok.params();
    p.ca_pem = ca.certificate();
    neo::client c{ok.io, p};
    BOOST_TEST(!ok.login(c).ec);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures_connect)

BOOST_FIXTURE_TEST_CASE(connect_timeout, fixture) {
    black_hole hole(io);
    auto p = params();
    p.gateway = neo::gateway::from_origin(hole.origin());
    p.timeouts.connect = 200ms;
    p.retry.max_attempts = 2;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::timeout), r.ec.message());
    BOOST_TEST(r.diag.failed_phase == neo::phase::connect);
    BOOST_TEST(r.diag.attempts == 2);
    BOOST_TEST((r.elapsed >= 400ms && r.elapsed < 3000ms), r.elapsed.count());
}

BOOST_AUTO_TEST_SUITE_END()
