// Through an HTTP CONNECT proxy (the mock proxy, on its own thread) to the mock gateway, over real
// TLS inside the tunnel: every completion token, every step of both generations, the session
// manager, keep-alive and resumption through the tunnel, each proxy failure with its code, the
// bounds and cancellation in the CONNECT phase; and the source address.
#include "fixture.hpp"

#include <neo/detail/request.hpp>
#include <neo/mock/proxy.hpp>
#include <neo/totp.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

using namespace neo_test;
using neo::errc;
using neo::mock::proxy_action;
using neo::mock::route;

namespace {


// The gateway fixture plus a proxy on its own thread; the client goes through the proxy.
struct proxied : fixture {
    neo::mock::proxy proxy;
    explicit proxied(neo::mock::proxy_params pp = {}) : proxy(std::move(pp)) {}
    neo::client_params params() {
        auto p = fixture::params();
        p.proxy.origin = proxy.origin();
        return p;
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(mock.port()); }
};

struct proxied_with_credentials : proxied {
    proxied_with_credentials() : proxied({.user = "desk", .password = "proxy-pass-7731"}) {}
};

neo::second_factor otp(const char* code) {
    neo::second_factor f;
    f.otp = code;
    return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy)

BOOST_FIXTURE_TEST_CASE(logs_in_through_the_tunnel_with_every_completion_token, proxied) {
    neo::client c{io, params()};
    // A callback, with diagnostics.
    neo::diagnostics d;
    std::string ucc;
    c.async_login(good_request(), d, [&](boost::system::error_code ec, neo::session s) {
        BOOST_TEST(!ec, ec.message());
        ucc = s.ucc;
        io.stop();
    });
    io.run_for(20s);
    io.restart();
    BOOST_TEST(ucc == "TESTYA24");
    BOOST_TEST(d.attempts == 2);  // the app token, then the login: one tunnel, kept alive
    BOOST_TEST(proxy.tunnels() == 1u);
    // Awaitable (bare and as_tuple), then deferred: over the same kept tunnel.
    run_coro([&]() -> asio::awaitable<void> {
        auto s = co_await c.async_login(good_request());
        BOOST_TEST(s.ucc == "TESTYA24");
        auto [ec, s2] = co_await c.async_login(good_request(), nothrow);
        BOOST_TEST(!ec);
        auto [ec3, s3] = co_await c.async_login(good_request(), asio::deferred)(nothrow);
        BOOST_TEST(!ec3);
        BOOST_TEST(s3.sid != s2.sid);
    });
    BOOST_TEST(proxy.tunnels() == 1u);
    BOOST_TEST(mock.handshakes() == 1u);
    const auto reqs = proxy.requests();
    BOOST_REQUIRE(reqs.size() == 1u);
    BOOST_TEST(reqs[0].target == target());
    BOOST_TEST(reqs[0].status == 200u);
    BOOST_TEST(!reqs[0].had_credentials);
    BOOST_TEST(logins() == 4u);
}

BOOST_AUTO_TEST_CASE(use_future_through_the_proxy_on_other_threads) {
    neo::mock::gateway mock;  // own thread
    neo::mock::proxy proxy;   // own thread
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread t([&] { io.run(); });
    auto p = mock.client_params();
    p.proxy.origin = proxy.origin();
    neo::client c{io, p};
    auto f = c.async_login(good_request(), asio::use_future);
    BOOST_REQUIRE(f.wait_for(20s) == std::future_status::ready);
    BOOST_TEST(f.get().ucc == "TESTYA24");
    work.reset();
    t.join();
    BOOST_TEST(proxy.tunnels() == 1u);
}

BOOST_FIXTURE_TEST_CASE(every_step_of_both_generations, proxied) {
    neo::client c{io, params()};
    neo::session view, trade, view2, trade2;
    run_coro([&]() -> asio::awaitable<void> {
        view = co_await c.async_login(good_request());
        co_await c.async_generate_otp(view);
        trade = co_await c.async_session_2fa(view, otp("4321"));
        co_await c.async_logout(trade);
        neo::totp_login_request r;
        r.mobilenumber = "9999999908";
        r.ucc = "TESTYA24";
        r.totp = neo::totp(neo::mock::fixture{}.totp_secret).code(std::chrono::system_clock::now());
        view2 = co_await c.async_totp_login(std::move(r));
        trade2 = co_await c.async_totp_validate(view2, "123456");
    });
    BOOST_REQUIRE(trade.claims);
    BOOST_TEST(trade.claims->scope.at(0) == "Trade");
    BOOST_TEST(trade2.k_type == "Trade");
    for (auto r : {route::app_token, route::login, route::otp_generate, route::second_factor, route::logout,
                   route::totp_login, route::totp_validate})
        BOOST_TEST(count(r) == 1u, neo::mock::to_string(r));
    BOOST_TEST(proxy.tunnels() >= 1u);
    BOOST_TEST(proxy.tunnels() == mock.connections());  // nothing reached the gateway but through it
}

BOOST_FIXTURE_TEST_CASE(session_manager_through_the_proxy, proxied) {
    neo::mock::fixture fx;
    neo::session_manager m{
        neo::client{io, params()},
        neo::totp_recipe{
            .mobilenumber = "9999999908", .ucc = "TESTYA24", .totp_seed = fx.totp_secret, .mpin = "123456"}};
    neo::session a, b;
    run_coro([&]() -> asio::awaitable<void> {
        a = co_await m.async_session();
        b = co_await m.async_session();  // the same, from memory
    });
    BOOST_TEST(a.k_type == "Trade");
    BOOST_TEST(b.sid == a.sid);
    BOOST_TEST(count(route::totp_login) == 1u);
    BOOST_TEST(proxy.tunnels() == 1u);
}

BOOST_FIXTURE_TEST_CASE(tls_resumption_inside_the_tunnel, proxied) {
    auto p = params();
    p.keep_alive = false;  // a new tunnel and handshake per exchange
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        co_await c.async_login(good_request());
        co_await c.async_login(good_request());
    });
    BOOST_TEST(proxy.tunnels() == 3u);  // app token, login, login
    BOOST_TEST(mock.handshakes() == 3u);
    BOOST_TEST(mock.resumed_handshakes() >= 1u);
}

BOOST_FIXTURE_TEST_CASE(the_certificate_checked_is_the_gateways, proxied) {
    auto p = params();
    p.ca_pem = neo::mock::certificate_authority().certificate();  // another CA: the gateway is not trusted
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::tls_verification_failed), r.ec.message());
    BOOST_TEST(proxy.tunnels() == 1u);  // the tunnel opened; TLS inside it was refused
    BOOST_TEST(logins() == 0u);
}

BOOST_FIXTURE_TEST_CASE(credentials_go_to_the_proxy_and_never_to_a_log, proxied_with_credentials) {
    // None: 407, not retried.
    {
        neo::client c{io, params()};
        auto r = login(c);
        BOOST_TEST(r.ec == make_error_code(errc::proxy_auth_required), r.ec.message());
        BOOST_TEST((r.ec == neo::condition::rejected));
        BOOST_TEST(r.diag.attempts == 1);
        BOOST_TEST(r.diag.failed_phase == neo::phase::proxy);
        BOOST_TEST(r.diag.detail.find("407") != std::string::npos, r.diag.detail);
    }
    // Wrong ones: 407 again.
    io.restart();
    {
        auto p = params();
        p.proxy.user = "desk";
        p.proxy.password = "not-the-password";
        neo::client c{io, p};
        auto r = login(c);
        BOOST_TEST(r.ec == make_error_code(errc::proxy_auth_required), r.ec.message());
    }
    BOOST_TEST(proxy.tunnels() == 0u);
    BOOST_TEST(logins() == 0u);
}

BOOST_FIXTURE_TEST_CASE(right_credentials_open_the_tunnel, proxied_with_credentials) {
    auto p = params();
    p.proxy.user = "desk";
    p.proxy.password = "proxy-pass-7731";
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    const auto reqs = proxy.requests();
    BOOST_REQUIRE(reqs.size() == 1u);
    BOOST_TEST(reqs[0].authenticated);
    BOOST_TEST(log_free_of("proxy-pass-7731"));
    BOOST_TEST(log_free_of(neo::detail::basic_authorization("desk", "proxy-pass-7731").substr(6)));
}

BOOST_FIXTURE_TEST_CASE(each_proxy_failure_has_its_code_and_retry_class, proxied) {
    struct row {
        std::vector<proxy_action> script;
        errc expected;  // the final outcome; none: success
        int attempts;
        neo::condition cond;
    };
    const row rows[] = {
        {{proxy_action::refuse}, errc::proxy_refused, 1, neo::condition::rejected},
        {{proxy_action::garbage}, errc::proxy_protocol_error, 1, neo::condition::bad_response},
        // Retryable: nothing reached the gateway. Four times, then the last one's code.
        {{proxy_action::unavailable, proxy_action::unavailable, proxy_action::unavailable, proxy_action::unavailable},
         errc::proxy_unavailable,
         4,
         neo::condition::unavailable},
        {{proxy_action::close, proxy_action::close, proxy_action::close, proxy_action::close},
         errc::proxy_closed,
         4,
         neo::condition::unavailable},
    };
    for (const auto& row : rows) {
        proxy.reset();
        proxy.script(row.script);
        auto p = params();
        p.access_token = "a-ready-app-token";  // no OAuth2 step: one exchange per attempt
        neo::client c{io, p};
        neo::diagnostics d;
        boost::system::error_code ec;
        c.async_login(good_request(), d, [&](boost::system::error_code e, neo::session) {
            ec = e;
            io.stop();
        });
        io.restart();
        io.run_for(20s);
        BOOST_TEST(ec == make_error_code(row.expected), ec.message());
        BOOST_TEST((ec == row.cond));
        BOOST_TEST(d.attempts == row.attempts);
        BOOST_TEST(d.failed_phase == neo::phase::proxy);
        capture_outcome(ec, d);
    }
    // A retryable failure, then the tunnel: logged in on the second attempt.
    proxy.reset();
    proxy.script({proxy_action::unavailable});
    neo::client c{io, params()};
    io.restart();
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.diag.attempts == 3);  // the app token twice, then the login
    BOOST_TEST(r.diag.history.at(0).result == make_error_code(errc::proxy_unavailable));
    BOOST_TEST(logins() == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_unreachable_proxy_is_retryable_and_typed, fixture) {
    // A port nobody listens on: bound, then closed.
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    auto p = params();
    p.proxy.origin = "http://127.0.0.1:" + std::to_string(port);
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::proxy_unavailable), r.ec.message());
    BOOST_TEST(r.diag.attempts == 4);
    BOOST_TEST(r.diag.failed_phase == neo::phase::connect);
    BOOST_TEST(mock.connections() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_stalling_proxy_is_bounded_and_cancellable, proxied) {
    // The phase bound.
    proxy.script({proxy_action::stall});
    {
        auto p = params();
        p.timeouts.proxy = 300ms;
        p.retry.max_attempts = 1;
        neo::client c{io, p};
        neo::diagnostics d;
        boost::system::error_code ec;
        const auto t0 = steady::now();
        c.async_login(good_request(), d, [&](boost::system::error_code e, neo::session) {
            ec = e;
            io.stop();
        });
        io.run_for(20s);
        BOOST_TEST(ec == make_error_code(errc::timeout), ec.message());
        BOOST_TEST(d.failed_phase == neo::phase::proxy);
        BOOST_TEST((steady::now() - t0 < 5s));
    }
    // A terminal cancel while the proxy stalls the CONNECT.
    proxy.script({proxy_action::stall});
    io.restart();
    neo::client c{io, params()};
    asio::cancellation_signal sig;
    boost::system::error_code ec;
    std::chrono::milliseconds took{};
    run_coro([&]() -> asio::awaitable<void> {
        asio::steady_timer t(io, 200ms);
        t.async_wait([&](auto) { sig.emit(asio::cancellation_type::terminal); });
        const auto t0 = steady::now();
        std::tie(ec, std::ignore) =
            co_await c.async_login(good_request(), asio::bind_cancellation_slot(sig.slot(), nothrow));
        took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
    });
    BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
    BOOST_TEST(took.count() < 2000);
    BOOST_TEST(proxy.tunnels() == 0u);
}

BOOST_FIXTURE_TEST_CASE(no_proxy_hosts_go_direct, proxied) {
    auto p = params();
    p.proxy.no_proxy = "example.com, 127.0.0.1";
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(proxy.connections() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_bad_proxy_origin_is_refused_before_anything_is_sent, fixture) {
    for (const char* origin : {"https://127.0.0.1:3128", "127.0.0.1:3128", "http://", "http://host:0",
                               "http://host:3128/path", "http://user:pw@host:3128", "http://ho st:1"}) {
        auto p = params();
        p.proxy.origin = origin;
        neo::client c{io, p};
        io.restart();
        auto r = login(c);
        BOOST_TEST(r.ec == make_error_code(errc::invalid_proxy), origin);
    }
    BOOST_TEST(mock.connections() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(source_address)

BOOST_FIXTURE_TEST_CASE(connections_leave_from_the_chosen_address, fixture) {
    neo::mock::proxy proxy;  // it reports the address each connection came from
    auto p = params();
    p.proxy.origin = proxy.origin();
    p.local_address = "127.0.0.2";  // on loopback, every 127/8 address is this host's
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    const auto reqs = proxy.requests();
    BOOST_REQUIRE(!reqs.empty());
    for (const auto& q : reqs) BOOST_TEST(q.peer == "127.0.0.2");
}

BOOST_FIXTURE_TEST_CASE(direct_connections_bind_too, fixture) {
    auto p = params();
    p.local_address = "127.0.0.3";
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
}

BOOST_FIXTURE_TEST_CASE(a_bad_or_foreign_address_is_typed_and_sends_nothing, fixture) {
    struct row {
        const char* address;
        neo::phase phase;
    };
    // Not a literal: refused before the operation starts. 192.0.2.1 (TEST-NET-1) is no address
    // of this host; ::1 cannot reach the IPv4 gateway.
    for (const row& w : {row{"gateway.local", neo::phase::none}, row{"192.0.2.1", neo::phase::connect},
                         row{"::1", neo::phase::connect}}) {
        auto p = params();
        p.local_address = w.address;
        neo::client c{io, p};
        io.restart();
        auto r = login(c);
        BOOST_TEST(r.ec == make_error_code(errc::invalid_local_address), w.address << ": " << r.ec.message());
        BOOST_TEST(r.diag.attempts <= 1);
        BOOST_TEST(r.diag.failed_phase == w.phase, w.address);
    }
    BOOST_TEST(mock.connections() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
