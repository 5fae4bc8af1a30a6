// Login at the open: the addresses a host name resolved to are kept for address_cache_ttl (the
// resolver runs once for many new connections, again after a connect failure or the expiry), and
// async_warm_up opens, ahead of the login, a TLS connection to every host the login will use, so
// that the login sends only its requests: no TCP or TLS handshake of its own.
#include "fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

using namespace neo_test;
using neo::mock::route;

namespace {

int resolved(const neo::diagnostics& d) {
    int n = 0;
    for (const auto& a : d.history) n += a.resolved;
    return n;
}

neo::totp_login_request totp_now() {
    neo::totp_login_request r;
    r.mobilenumber = "9999999908";
    r.ucc = "TESTYA24";
    r.totp = neo::totp(neo::mock::fixture{}.totp_secret).code(std::chrono::system_clock::now());
    return r;
}

neo::second_factor by_mpin() {
    neo::second_factor f;
    f.mpin = "123456";
    f.mobilenumber = "9999999908";
    return f;
}

// The mock under a host name (localhost, in its certificate), keep-alive off: every exchange
// needs a new connection.
neo::client_params by_name(fixture& f) {
    auto p = f.params();
    p.gateway = neo::gateway::from_origin("https://localhost:" + std::to_string(f.mock.port()));
    p.keep_alive = false;
    return p;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(address_cache)

// A host name (localhost, in the mock's certificate) and no kept connection: every exchange
// needs a new connection, and only the first asks the resolver.
BOOST_FIXTURE_TEST_CASE(the_resolver_runs_once_for_many_new_connections, fixture) {
    auto p = by_name(*this);
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        int asked = 0, attempts = 0;
        for (int i = 0; i < 5; ++i) {
            neo::diagnostics d;
            co_await c.async_login(good_request(), d);
            asked += resolved(d);
            attempts += static_cast<int>(d.history.size());
        }
        BOOST_TEST(attempts == 6);  // the app token, then five logins
        BOOST_TEST(asked == 1);
    });
    BOOST_TEST(mock.handshakes() == 6u);
}

BOOST_FIXTURE_TEST_CASE(asked_again_once_the_time_to_live_ends, fixture) {
    auto p = by_name(*this);
    p.address_cache_ttl = 300ms;
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics first, second, third;
        co_await c.async_login(good_request(), first);
        co_await c.async_login(good_request(), second);
        co_await sleep_for(400ms);
        co_await c.async_login(good_request(), third);
        BOOST_TEST(resolved(first) == 1);
        BOOST_TEST(resolved(second) == 0);
        BOOST_TEST(resolved(third) == 1);
    });
}

BOOST_FIXTURE_TEST_CASE(off_every_new_connection_asks, fixture) {
    auto p = by_name(*this);
    p.address_cache_ttl = 0ms;
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics d;
        co_await c.async_login(good_request(), d);
        co_await c.async_login(good_request(), d);
        BOOST_TEST(resolved(d) == 1);  // the second login's one attempt
        BOOST_TEST(d.history.size() == 1u);
    });
}

// A connect failure forgets the addresses: each retry resolves again, and so does the next call.
BOOST_FIXTURE_TEST_CASE(a_connect_failure_forgets_the_addresses, fixture) {
    asio::ip::tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = closed.local_endpoint().port();
    closed.close();  // nothing listens there now: connections are refused
    auto p = params();
    p.gateway = neo::gateway::from_origin("https://localhost:" + std::to_string(port));
    p.retry.max_attempts = 3;
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics d;
        auto [ec, s] = co_await c.async_login(good_request(), d, asio::as_tuple(asio::use_awaitable));
        BOOST_TEST(ec == neo::errc::connection_failed);
        BOOST_REQUIRE(d.history.size() == 3u);
        BOOST_TEST(resolved(d) == 3);
        BOOST_TEST(d.history[0].failed_phase == neo::phase::connect);
    });
    BOOST_TEST(mock.handshakes() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(warm_up)

BOOST_FIXTURE_TEST_CASE(a_warmed_generation_2_login_sends_only_its_requests, fixture) {
    neo::client c{io, params()};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics w;
        co_await c.async_warm_up(neo::generation::two, w);
        BOOST_REQUIRE(w.history.size() == 1u);
        BOOST_TEST(w.history[0].step == "warm_up");
        BOOST_TEST(w.step == "warm_up");
        BOOST_TEST(w.history[0].http_status == 0u);
        BOOST_TEST(mock.requests().empty());  // nothing is sent
        neo::diagnostics l, v;
        auto view = co_await c.async_totp_login(totp_now(), l);
        co_await c.async_totp_validate(view, "123456", v);
        BOOST_REQUIRE(l.history.size() == 1u);
        BOOST_REQUIRE(v.history.size() == 1u);
        BOOST_TEST(l.history[0].connection_reused);
        BOOST_TEST(v.history[0].connection_reused);
    });
    BOOST_TEST(mock.handshakes() == 1u);  // the login made none of its own
    BOOST_TEST(mock.requests().size() == 2u);
}

// Generation 1 on two hosts, as in production (OAuth2 on one, the login on another): one
// connection each, both kept for the login, which then makes no connection at all.
BOOST_FIXTURE_TEST_CASE(a_warmed_generation_1_login_uses_a_connection_per_host, fixture) {
    auto p = params();
    p.gateway.app_token.host = "localhost";  // the same mock under a second name: another host
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics w;
        co_await c.async_warm_up(neo::generation::one, w);
        BOOST_TEST(w.history.size() == 2u);
        neo::diagnostics l, f;
        auto view = co_await c.async_login(good_request(), l);
        co_await c.async_session_2fa(view, by_mpin(), f);
        BOOST_REQUIRE(l.history.size() == 2u);  // app token, login
        BOOST_TEST(l.history[0].connection_reused);
        BOOST_TEST(l.history[1].connection_reused);
        BOOST_TEST(f.history.at(0).connection_reused);
        // The app token is cached now: a warm-up needs the login host only, which is kept.
        neo::diagnostics again;
        co_await c.async_warm_up(neo::generation::one, again);
        BOOST_TEST(again.history.empty());
    });
    BOOST_TEST(mock.handshakes() == 2u);
    BOOST_TEST(count(route::app_token) == 1u);
}

BOOST_FIXTURE_TEST_CASE(nothing_can_be_kept_invalid_params_before_anything_is_sent, fixture) {
    auto p = params();
    p.keep_alive_idle = 0ms;
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics d;
        auto [ec] = co_await c.async_warm_up(neo::generation::two, d, asio::as_tuple(asio::use_awaitable));
        BOOST_TEST(ec == neo::errc::invalid_params);
        BOOST_TEST((ec == neo::condition::invalid_input));
        BOOST_TEST(!d.detail.empty());
    });
    BOOST_TEST(mock.handshakes() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_failed_connection_is_a_typed_error_with_its_attempt, fixture) {
    asio::ip::tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = closed.local_endpoint().port();
    closed.close();
    auto p = params();
    p.gateway = neo::gateway::from_origin("https://127.0.0.1:" + std::to_string(port));
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics d;
        auto [ec] = co_await c.async_warm_up(neo::generation::two, d, asio::as_tuple(asio::use_awaitable));
        BOOST_TEST(ec == neo::errc::connection_failed);
        BOOST_REQUIRE(d.history.size() == 1u);
        BOOST_TEST(d.failed_phase == neo::phase::connect);
    });
}

// A server that accepts and never answers the ClientHello: the caller's cancellation ends the
// warm-up at once with operation_aborted.
BOOST_FIXTURE_TEST_CASE(cancellable_like_every_operation, fixture) {
    asio::ip::tcp::acceptor mute(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(io);
    mute.async_accept(held, [](boost::system::error_code) {});
    auto p = params();
    p.gateway = neo::gateway::from_origin("https://127.0.0.1:" + std::to_string(mute.local_endpoint().port()));
    neo::client c{io, p};
    asio::cancellation_signal cancel;
    boost::system::error_code got;
    bool done = false;
    const auto t0 = steady::now();
    c.async_warm_up(neo::generation::two,
                    asio::bind_cancellation_slot(cancel.slot(), [&](boost::system::error_code ec) {
                        got = ec;
                        done = true;
                        mock.stop();
                        mute.close();
                        held.close();
                    }));
    asio::steady_timer t(io, 200ms);
    t.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
    run();
    BOOST_TEST(done);
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST((steady::now() - t0 < 5s));
}

BOOST_AUTO_TEST_SUITE_END()
