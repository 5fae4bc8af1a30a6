// TLS session resumption: the OAuth2 step, the login, a retry and the next login resume the
// session of the first handshake; switched off, every handshake is a full one. Keep-alive is off
// here, so that every exchange needs a connection (keep-alive has its own tests below).
#include "fixture.hpp"

#include <thread>
#include <vector>

using namespace neo_test;
using neo::mock::route;

BOOST_AUTO_TEST_SUITE(tls_resumption)

BOOST_FIXTURE_TEST_CASE(every_connection_after_the_first_resumes, fixture) {
    auto p = params();
    p.keep_alive = false;
    neo::client c{io, p};
    mock.script(route::login, {{.status = 503}});  // one retry
    neo::diagnostics first, second;
    bool done = false;
    c.async_login(good_request(), first, [&](boost::system::error_code ec, neo::session) {
        BOOST_TEST(!ec);
        c.async_login(good_request(), second, [&](boost::system::error_code ec2, neo::session) {
            BOOST_TEST(!ec2);
            done = true;
            mock.stop();
        });
    });
    run();
    BOOST_TEST(done);
    // app token (full), login 503 (resumed), login retry (resumed), second login (resumed)
    BOOST_TEST(mock.handshakes() == 4u);
    BOOST_TEST(mock.resumed_handshakes() == 3u);
    BOOST_REQUIRE(first.history.size() == 3u);
    BOOST_TEST(!first.history[0].tls_resumed);
    BOOST_TEST(first.history[1].tls_resumed);
    BOOST_TEST(first.history[2].tls_resumed);
    BOOST_REQUIRE(second.history.size() == 1u);
    BOOST_TEST(second.history[0].tls_resumed);
}

BOOST_FIXTURE_TEST_CASE(switched_off_every_handshake_is_full, fixture) {
    auto p = params();
    p.tls_session_resumption = false;
    p.keep_alive = false;
    neo::client c{io, p};
    BOOST_TEST(logins_in_turn(c, 2) == 2);
    BOOST_TEST(mock.handshakes() == 3u);
    BOOST_TEST(mock.resumed_handshakes() == 0u);
}

BOOST_FIXTURE_TEST_CASE(the_second_factor_resumes_the_login_session, fixture) {
    auto p = params();
    p.keep_alive_idle = 0ms;  // the app token and the login share a connection, closed at the end
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        neo::second_factor f;
        f.mpin = "123456";
        f.mobilenumber = "9999999908";
        neo::diagnostics d;
        co_await c.async_session_2fa(view, f, d);
        BOOST_TEST(d.history.at(0).tls_resumed);
    });
    BOOST_TEST(mock.handshakes() == 2u);          // app token + login, then the second factor
    BOOST_TEST(mock.resumed_handshakes() == 1u);  // the second factor's
}

BOOST_AUTO_TEST_CASE(concurrent_logins_on_four_threads_share_the_cache) {
    neo::mock::gateway mock;
    asio::io_context io(4);
    auto p = mock.client_params();
    p.keep_alive = false;
    neo::client c{io, p};
    std::atomic<int> ok{0};
    for (int i = 0; i < 200; ++i)
        c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) { ok += !ec; });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run_for(60s); });
    for (auto& t : threads) t.join();
    BOOST_TEST(ok.load() == 200);
    BOOST_TEST(mock.resumed_handshakes() > 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(keep_alive)

BOOST_FIXTURE_TEST_CASE(oauth2_then_login_over_one_connection, fixture) {
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(mock.connections() == 1u);
    BOOST_TEST(mock.handshakes() == 1u);
    BOOST_REQUIRE(r.diag.history.size() == 2u);
    BOOST_TEST(!r.diag.history[0].connection_reused);
    BOOST_TEST(r.diag.history[1].connection_reused);
}

BOOST_FIXTURE_TEST_CASE(a_retry_after_503_goes_over_the_same_connection, fixture) {
    mock.script(route::login, {{.status = 503}, {.status = 429}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.diag.attempts == 4);
    BOOST_TEST(mock.connections() == 1u);  // app token, 503, 429 and the success: one connection
}

BOOST_FIXTURE_TEST_CASE(a_connection_the_server_closes_is_not_reused, fixture) {
    mock.script(route::login, {{.status = 503, .headers = {{"Connection", "close"}}}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(mock.connections() == 2u);  // the 503 said close: the retry opened a new one
    BOOST_REQUIRE(r.diag.history.size() == 3u);
    BOOST_TEST(r.diag.history[1].connection_reused);
    BOOST_TEST(!r.diag.history[2].connection_reused);
}

BOOST_FIXTURE_TEST_CASE(a_failed_connection_is_not_reused, fixture) {
    mock.script(route::login, {{.action = neo::mock::fault::close_mid_answer}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(mock.connections() == 2u);
    BOOST_TEST(r.diag.history.at(1).result == neo::errc::truncated_response);
}

// Across operations: the connection the login leaves open carries the second factor.
BOOST_FIXTURE_TEST_CASE(the_second_factor_goes_over_the_login_connection, fixture) {
    neo::client c{io, params()};
    neo::diagnostics d;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        neo::second_factor f;
        f.mpin = "123456";
        f.mobilenumber = "9999999908";
        auto trade = co_await c.async_session_2fa(view, f, d);
        BOOST_TEST(!trade.token.empty());
    });
    BOOST_TEST(mock.connections() == 1u);
    BOOST_TEST(mock.handshakes() == 1u);
    BOOST_REQUIRE(d.history.size() == 1u);
    BOOST_TEST(d.history[0].connection_reused);
    BOOST_TEST(mock.request_count(route::second_factor) == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_connection_kept_past_keep_alive_idle_is_not_reused, fixture) {
    auto p = params();
    p.keep_alive_idle = 100ms;
    neo::client c{io, p};
    neo::diagnostics d;
    run_coro([&]() -> asio::awaitable<void> {
        co_await c.async_login(good_request());
        asio::steady_timer pause(io, 300ms);
        co_await pause.async_wait(asio::use_awaitable);
        co_await c.async_login(good_request(), d);
    });
    BOOST_TEST(mock.connections() == 2u);
    BOOST_REQUIRE(d.history.size() == 1u);
    BOOST_TEST(!d.history[0].connection_reused);
    BOOST_TEST(d.history[0].tls_resumed);  // a new connection, but a resumed session
}

BOOST_FIXTURE_TEST_CASE(a_kept_connection_the_server_closed_meanwhile_is_not_reused, fixture) {
    // The mock closes a connection idle for 150 ms.
    mock.stop();
    neo::mock::gateway_params mp;
    mp.io_timeout = 150ms;
    neo::mock::gateway closing(io.get_executor(), mp);
    auto p = closing.client_params();
    capture_log(p);
    neo::client c{io, p};
    neo::diagnostics d;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await c.async_login(good_request());
            asio::steady_timer pause(io, 500ms);
            co_await pause.async_wait(asio::use_awaitable);
            co_await c.async_login(good_request(), d);
        },
        [&](std::exception_ptr e) {
            BOOST_TEST(!e);
            done = true;
            closing.stop();
        });
    run();
    BOOST_TEST(done);
    BOOST_TEST(closing.connections() == 2u);
    BOOST_REQUIRE(d.history.size() == 1u);
    BOOST_TEST(!d.history[0].connection_reused);
    BOOST_TEST(d.attempts == 1);  // found closed before use: no failed attempt
    suite().issued(closing.issued_tokens());
}

BOOST_FIXTURE_TEST_CASE(a_kept_connection_ends_with_close_notify_when_the_client_goes, fixture) {
    std::optional<neo::client> c(std::in_place, io, params());
    bool done = false;
    c->async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
        BOOST_TEST(!ec);
        done = true;
    });
    const auto until = steady::now() + 10s;
    while (!done && steady::now() < until) io.run_one_for(100ms);
    BOOST_REQUIRE(done);
    BOOST_TEST(mock.clean_closes() == 0u);  // kept open for the next operation
    c.reset();
    while (mock.clean_closes() == 0 && steady::now() < until) io.run_one_for(100ms);
    BOOST_TEST(mock.clean_closes() == 1u);
    BOOST_TEST(mock.connections() == 1u);
    mock.stop();
    run();
}

BOOST_FIXTURE_TEST_CASE(keep_alive_idle_zero_keeps_nothing_past_an_operation, fixture) {
    auto p = params();
    p.keep_alive_idle = 0ms;
    neo::client c{io, p};
    BOOST_TEST(logins_in_turn(c, 2) == 2);
    BOOST_TEST(mock.connections() == 2u);
}

BOOST_FIXTURE_TEST_CASE(switched_off_every_exchange_has_its_connection, fixture) {
    auto p = params();
    p.keep_alive = false;
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(mock.connections() == 2u);
    for (const auto& rec : mock.requests()) BOOST_TEST(rec.header("Connection") == "close");
}

BOOST_FIXTURE_TEST_CASE(the_kept_connection_is_closed_when_the_operation_ends, fixture) {
    neo::client c{io, params()};
    auto r = login(c);  // run() asserts the io_context ran out of work: nothing left open
    BOOST_TEST(!r.ec);
}

BOOST_AUTO_TEST_SUITE_END()
