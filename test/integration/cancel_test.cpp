// Cancellation in each phase and during a backoff wait: one completion with operation_aborted,
// promptly, nothing left running, and the same client logs in afterwards.
#include "fixture.hpp"
#include "hostile_server.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/version.hpp>
#if BOOST_VERSION >= 108600
#include <boost/asio/cancel_after.hpp>
#endif
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

using namespace neo_test;
using neo::mock::fault;
using neo::mock::route;

namespace {

void cancel_during(fixture& f, neo::client_params p, neo::phase expected, asio::cancellation_type type) {
    neo::client c{f.io, std::move(p)};
    asio::cancellation_signal signal;
    asio::steady_timer timer(f.io, 150ms);
    int calls = 0;
    boost::system::error_code got, second = neo::errc::internal_error;
    neo::diagnostics d;
    std::chrono::milliseconds elapsed{};
    const auto t0 = steady::now();
    c.async_login(good_request(), d,
                  asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, neo::session) {
                      ++calls;
                      got = ec;
                      elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
                      c.async_login(good_request(), [&](boost::system::error_code ec2, neo::session) {
                          second = ec2;
                          f.mock.stop();
                      });
                  }));
    timer.async_wait([&](boost::system::error_code) { signal.emit(type); });
    f.run();
    BOOST_TEST(calls == 1);
    BOOST_TEST(got == boost::asio::error::operation_aborted, got.message());
    BOOST_TEST((elapsed < 1000ms), elapsed.count());
    BOOST_TEST(d.failed_phase == expected, neo::to_string(d.failed_phase));
    BOOST_TEST(!second, second.message());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_FIXTURE_TEST_CASE(during_the_handshake, fixture) {
    mock.script_connections({fault::stall_before_tls});
    cancel_during(*this, params(), neo::phase::handshake, asio::cancellation_type::terminal);
}

BOOST_FIXTURE_TEST_CASE(during_the_connect, fixture) {
    black_hole hole(io);
    auto p = params();
    p.gateway = neo::gateway::from_origin(hole.origin());
    neo::client c{io, p};
    asio::cancellation_signal signal;
    asio::steady_timer timer(io, 150ms);
    int calls = 0;
    boost::system::error_code got;
    neo::diagnostics d;
    c.async_login(good_request(), d,
                  asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, neo::session) {
                      ++calls;
                      got = ec;
                      mock.stop();
                  }));
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto t0 = steady::now();
    run();
    BOOST_TEST(calls == 1);
    BOOST_TEST(got == boost::asio::error::operation_aborted);
    BOOST_TEST(d.failed_phase == neo::phase::connect);
    BOOST_TEST((steady::now() - t0 < 1000ms));
}

BOOST_FIXTURE_TEST_CASE(cancelled_right_after_initiation, fixture) {
    black_hole hole(io);  // a connect that would hang: only the cancellation can end it quickly
    auto p = params();
    p.gateway = neo::gateway::from_origin(hole.origin());
    neo::client c{io, p};
    asio::cancellation_signal signal;
    int calls = 0;
    boost::system::error_code got;
    c.async_login(good_request(),
                  asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, neo::session) {
                      ++calls;
                      got = ec;
                      mock.stop();
                  }));
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(calls == 0);
    const auto t0 = steady::now();
    run();
    BOOST_TEST(calls == 1);
    BOOST_TEST(got == boost::asio::error::operation_aborted);
    BOOST_TEST((steady::now() - t0 < 1000ms));
}

BOOST_FIXTURE_TEST_CASE(during_the_app_token_exchange, fixture) {
    mock.script(route::app_token, {{.action = fault::stall}});
    cancel_during(*this, params(), neo::phase::exchange, asio::cancellation_type::terminal);
    BOOST_TEST(logins() == 1u);  // only the second login's
}

BOOST_FIXTURE_TEST_CASE(while_waiting_for_the_answer_headers, fixture) {
    mock.script(route::login, {{.action = fault::stall}});
    cancel_during(*this, params(), neo::phase::exchange, asio::cancellation_type::terminal);
}

BOOST_FIXTURE_TEST_CASE(while_reading_a_slow_answer, fixture) {
    mock.script(route::login, {{.delay = 5000ms}});
    cancel_during(*this, params(), neo::phase::exchange, asio::cancellation_type::terminal);
}

// Partial and total cancellation, as Asio defines them, only while nothing has been sent for the
// step (no side effect on the gateway yet): before, they end the operation; after, they are
// ignored and the operation completes as usual.
BOOST_FIXTURE_TEST_CASE(partial_and_total_before_anything_is_sent_end_it, fixture) {
    for (auto type : {asio::cancellation_type::partial, asio::cancellation_type::total}) {
        black_hole hole(io);  // the connect hangs: nothing is sent
        auto p = params();
        p.gateway = neo::gateway::from_origin(hole.origin());
        neo::client c{io, p};
        asio::cancellation_signal signal;
        asio::steady_timer timer(io, 150ms);
        boost::system::error_code got;
        neo::diagnostics d;
        c.async_login(good_request(), d,
                      asio::bind_cancellation_slot(signal.slot(),
                                                   [&](boost::system::error_code ec, neo::session) { got = ec; }));
        timer.async_wait([&](boost::system::error_code) { signal.emit(type); });
        io.restart();
        io.run_for(5s);
        BOOST_TEST((got == boost::asio::error::operation_aborted), got.message());
        BOOST_TEST(d.failed_phase == neo::phase::connect);
    }
}

BOOST_FIXTURE_TEST_CASE(partial_and_total_after_the_request_was_sent_are_ignored, fixture) {
    neo::client c{io, params()};
    // A first login caches the app token: each login below is the login step alone.
    bool warm = false;
    c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) { warm = !ec; });
    for (int i = 0; i < 500 && !warm; ++i) io.run_for(10ms);
    BOOST_REQUIRE(warm);
    for (auto type : {asio::cancellation_type::partial, asio::cancellation_type::total}) {
        mock.script(route::login, {{.delay = 400ms}});  // the request is read at once, answered later
        asio::cancellation_signal signal;
        asio::steady_timer timer(io, 150ms);
        boost::system::error_code got = neo::errc::internal_error;
        neo::session s;
        int calls = 0;
        c.async_login(good_request(), asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec,
                                                                                      neo::session got_s) {
                          ++calls;
                          got = ec;
                          s = std::move(got_s);
                      }));
        timer.async_wait([&](boost::system::error_code) { signal.emit(type); });
        io.restart();
        for (int i = 0; i < 500 && calls == 0; ++i) io.run_for(10ms);
        BOOST_TEST(calls == 1);
        BOOST_TEST(!got, got.message());  // completed as usual
        BOOST_TEST(!s.token.empty());
    }
    // Terminal still ends it after the request was sent.
    mock.script(route::login, {{.delay = 2000ms}});
    asio::cancellation_signal signal;
    asio::steady_timer timer(io, 150ms);
    boost::system::error_code got;
    c.async_login(good_request(), asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec,
                                                                                  neo::session) {
                      got = ec;
                      mock.stop();
                  }));
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    run();
    BOOST_TEST((got == boost::asio::error::operation_aborted), got.message());
}

BOOST_FIXTURE_TEST_CASE(by_a_parallel_group_waiting_for_one, fixture) {
    mock.script(route::login, {{.action = fault::stall}});
    neo::client c{io, params()};
    std::size_t first = 9;
    boost::system::error_code login_ec;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer t(io, 150ms);
            auto [order, ec, s, tec] = co_await asio::experimental::make_parallel_group(
                                           c.async_login(good_request(), asio::deferred), t.async_wait(asio::deferred))
                                           .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
            first = order[0];
            login_ec = ec;
            mock.stop();
        },
        asio::detached);
    const auto t0 = steady::now();
    run();
    BOOST_TEST(first == 1u);  // the timer
    BOOST_TEST((login_ec == boost::asio::error::operation_aborted), login_ec.message());
    BOOST_TEST((steady::now() - t0 < 2s));
}

#if BOOST_VERSION >= 108600
BOOST_FIXTURE_TEST_CASE(by_cancel_after, fixture) {
    mock.script(route::login, {{.action = fault::stall}});
    neo::client c{io, params()};
    boost::system::error_code got;
    c.async_login(good_request(), asio::cancel_after(150ms, [&](boost::system::error_code ec, neo::session) {
                      got = ec;
                      mock.stop();
                  }));
    run();
    BOOST_TEST((got == boost::asio::error::operation_aborted), got.message());
}
#endif

BOOST_FIXTURE_TEST_CASE(during_a_backoff_wait, fixture) {
    mock.script(route::login, {{.status = 503}});
    auto p = params();
    p.on_backoff = [](std::chrono::milliseconds) { return std::chrono::milliseconds(10000); };
    cancel_during(*this, p, neo::phase::backoff, asio::cancellation_type::terminal);
    BOOST_TEST(logins() == 2u);
}

BOOST_FIXTURE_TEST_CASE(by_an_awaitable_operator_timeout, fixture) {
    using namespace asio::experimental::awaitable_operators;
    mock.script(route::login, {{.action = fault::stall}});
    neo::client c{io, params()};
    int index = -1;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer t(io, 150ms);
            auto r = co_await (c.async_login(good_request(), asio::use_awaitable) || t.async_wait(asio::use_awaitable));
            index = static_cast<int>(r.index());
            mock.stop();
        },
        asio::detached);
    run();
    BOOST_TEST(index == 1);
}

BOOST_FIXTURE_TEST_CASE(during_the_resolve, fixture) {
    // A host name (not an IP literal): the first suspension is the resolver's. The cancellation is
    // emitted after exactly one handler has run (the operation's start, which suspends on the
    // resolver) and before any other: it is queued on the operation's strand ahead of the
    // resolver's completion however fast that is. (A full poll() here let a fast resolver, the
    // connect and the mock's answer all run first, and the login succeeded.)
    io.poll();  // the mock's own start-up, so that the next handler is the operation's
    auto p = params();
    p.gateway = neo::gateway::from_origin("https://localhost:" + std::to_string(mock.port()));
    neo::client c{io, p};
    asio::cancellation_signal signal;
    int calls = 0;
    boost::system::error_code got, second = neo::errc::internal_error;
    neo::diagnostics d;
    c.async_login(good_request(), d,
                  asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, neo::session) {
                      ++calls;
                      got = ec;
                      c.async_login(good_request(), [&](boost::system::error_code ec2, neo::session) {
                          second = ec2;
                          mock.stop();
                      });
                  }));
    BOOST_TEST_REQUIRE(io.poll_one() == 1u);  // the operation starts and suspends on the resolver
    BOOST_TEST(calls == 0);
    signal.emit(asio::cancellation_type::terminal);
    run();
    BOOST_TEST(calls == 1);
    BOOST_TEST((got == boost::asio::error::operation_aborted), got.message());
    BOOST_TEST((d.failed_phase == neo::phase::resolve), neo::to_string(d.failed_phase));
    BOOST_TEST(app_tokens() == 1u);  // only the second login's
    BOOST_TEST(logins() == 1u);
    BOOST_TEST(!second, second.message());
}

namespace {

// The first connection misbehaves as `first` says; later ones answer a valid login. Cancels the
// first login after 150 ms, then logs in again with the same client.
void cancel_against(hostile_server::tls_script first, neo::client_params p = {}) {
    asio::io_context io;
    int n = 0;
    hostile_server srv(io, [&n, first](hostile_server& s, hostile_server::tls_stream& t) -> asio::awaitable<void> {
        if (n++ == 0) {
            co_await first(s, t);
            co_return;
        }
        if ((co_await s.read_request(t)).empty()) co_return;
        const std::string body = R"({"data":{"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJYIn0.c2ln","sid":"s"}})";
        const std::string ok =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        co_await s.write(t, ok);
    });
    p.gateway = neo::gateway::from_origin(srv.origin());
    p.ca_pem = srv.ca_pem();
    p.access_token = "cancel-test-token";
    neo::client c{io, p};
    asio::cancellation_signal signal;
    asio::steady_timer timer(io, 150ms);
    int calls = 0;
    boost::system::error_code got, second = neo::errc::internal_error;
    neo::diagnostics d;
    std::chrono::milliseconds elapsed{};
    const auto t0 = steady::now();
    c.async_login(good_request(), d,
                  asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, neo::session) {
                      ++calls;
                      got = ec;
                      elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
                      c.async_login(good_request(), [&](boost::system::error_code ec2, neo::session) {
                          second = ec2;
                          srv.stop();
                      });
                  }));
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    io.run_for(20s);
    BOOST_TEST(io.stopped(), "work was left behind");
    BOOST_TEST(calls == 1);
    BOOST_TEST((got == boost::asio::error::operation_aborted), got.message());
    BOOST_TEST((d.failed_phase == neo::phase::exchange), neo::to_string(d.failed_phase));
    BOOST_TEST((elapsed < 1000ms), elapsed.count());
    BOOST_TEST(!second, second.message());
}

}  // namespace

BOOST_AUTO_TEST_CASE(while_reading_the_body) {
    cancel_against([](hostile_server& s, hostile_server::tls_stream& t) -> asio::awaitable<void> {
        if ((co_await s.read_request(t)).empty()) co_return;
        const std::string half =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":";
        co_await s.write(t, half);
        co_await s.wait_for_close(t);
    });
}

BOOST_AUTO_TEST_SUITE_END()
