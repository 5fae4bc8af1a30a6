// client_params::max_in_flight: operations past the bound wait, in order, without touching the
// network; they stay cancellable and bounded by their deadline, and bad input still fails at once.
// Also: logins in parallel resume TLS sessions (a server's several tickets are all kept).
#include "fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

using namespace neo_test;
using neo::mock::route;

namespace {

struct parallel_result {
    int done = 0, ok = 0;
    std::vector<neo::diagnostics> diags;
};

// One login (the app token and a TLS session are then cached), then the mock's counters and
// scripts are reset (tokens stay valid), `script` runs, and `n` logins start at once; runs them all to completion.
template <class Script>
parallel_result parallel_logins(fixture& f, neo::client& c, int n, Script script) {
    parallel_result r;
    r.diags.resize(static_cast<std::size_t>(n));
    c.async_login(good_request(), [&](boost::system::error_code warm_ec, neo::session) {
        BOOST_TEST(!warm_ec);
        f.mock.reset_counters();
        script();
        for (auto& d : r.diags) {
            c.async_login(good_request(), d, [&](boost::system::error_code ec, neo::session) {
                r.ok += !ec;
                capture_outcome(ec, d);
                if (++r.done == n) f.mock.stop();
            });
        }
    });
    f.run();
    return r;
}

std::vector<neo::mock::answer> delayed(int n, std::chrono::milliseconds d) {
    return std::vector<neo::mock::answer>(static_cast<std::size_t>(n), neo::mock::answer{.delay = d});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(max_in_flight)

BOOST_FIXTURE_TEST_CASE(the_gateway_never_sees_more_than_the_bound, fixture) {
    auto p = params();
    p.max_in_flight = 2;
    neo::client c{io, p};
    steady::time_point t0;
    auto r = parallel_logins(*this, c, 6, [&] {
        mock.script(route::login, delayed(6, 100ms));
        t0 = steady::now();
    });
    BOOST_TEST(r.ok == 6);
    BOOST_TEST(mock.peak_concurrent_requests() == 2u);
    BOOST_TEST(mock.request_count(route::login) == 6u);
    // Three rounds of two, each held 100 ms by the server.
    BOOST_TEST((steady::now() - t0 >= 300ms));
    int waited = 0;
    for (const auto& d : r.diags) waited += d.queued >= 50ms;
    BOOST_TEST(waited >= 3);  // at least the last two rounds waited for a slot
}

BOOST_FIXTURE_TEST_CASE(zero_means_no_bound, fixture) {
    auto p = params();
    p.max_in_flight = 0;
    neo::client c{io, p};
    auto r = parallel_logins(*this, c, 6, [&] { mock.script(route::login, delayed(6, 200ms)); });
    BOOST_TEST(r.ok == 6);
    BOOST_TEST(mock.peak_concurrent_requests() == 6u);
    for (const auto& d : r.diags) BOOST_TEST(d.queued.count() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_queued_login_ends_at_its_deadline_without_sending, fixture) {
    auto p = params();
    p.max_in_flight = 1;
    p.retry.deadline = 400ms;
    neo::client c{io, p};
    mock.script(route::login, {{.action = neo::mock::fault::stall}});
    boost::system::error_code first_ec, second_ec;
    neo::diagnostics first, second;
    int done = 0;
    auto finish = [&] {
        if (++done == 2) mock.stop();
    };
    c.async_login(good_request(), first, [&](boost::system::error_code ec, neo::session) {
        first_ec = ec;
        finish();
    });
    c.async_login(good_request(), second, [&](boost::system::error_code ec, neo::session) {
        second_ec = ec;
        finish();
    });
    run();
    BOOST_TEST(done == 2);
    BOOST_TEST(first_ec == neo::errc::deadline_exceeded);
    BOOST_TEST(second_ec == neo::errc::deadline_exceeded);
    BOOST_TEST(second.failed_phase == neo::phase::queue);
    BOOST_TEST(second.attempts == 0);
    BOOST_TEST(second.queued >= 300ms);
    BOOST_TEST(second.detail.find("max_in_flight") != std::string::npos);
    BOOST_TEST(mock.request_count(route::login) == 1u);  // only the first was sent
    capture_outcome(second_ec, second);
}

BOOST_FIXTURE_TEST_CASE(a_queued_login_is_cancelled_at_once, fixture) {
    auto p = params();
    p.max_in_flight = 1;
    neo::client c{io, p};
    mock.script(route::login, {{.action = neo::mock::fault::stall}});
    asio::cancellation_signal stop_first, stop_second;
    boost::system::error_code first_ec, second_ec;
    neo::diagnostics second;
    std::chrono::milliseconds second_took{0};
    int done = 0;
    const auto t0 = steady::now();
    c.async_login(good_request(),
                  asio::bind_cancellation_slot(stop_first.slot(), [&](boost::system::error_code ec, neo::session) {
                      first_ec = ec;
                      if (++done == 2) mock.stop();
                  }));
    c.async_login(good_request(), second,
                  asio::bind_cancellation_slot(stop_second.slot(), [&](boost::system::error_code ec, neo::session) {
                      second_ec = ec;
                      second_took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
                      // Only now the first, still stalled, is let go.
                      stop_first.emit(asio::cancellation_type::terminal);
                      if (++done == 2) mock.stop();
                  }));
    asio::steady_timer later(io, 100ms);
    later.async_wait([&](boost::system::error_code) { stop_second.emit(asio::cancellation_type::terminal); });
    run();
    BOOST_TEST(done == 2);
    BOOST_TEST(second_ec == asio::error::operation_aborted);
    BOOST_TEST(second.failed_phase == neo::phase::queue);
    BOOST_TEST((second_took < 2s));
    BOOST_TEST(first_ec == asio::error::operation_aborted);
    BOOST_TEST(mock.request_count(route::login) == 1u);
}

BOOST_FIXTURE_TEST_CASE(bad_input_fails_at_once_while_the_client_is_full, fixture) {
    auto p = params();
    p.max_in_flight = 1;
    neo::client c{io, p};
    mock.script(route::login, {{.delay = 1500ms}});
    boost::system::error_code bad_ec;
    bool first_done = false, bad_done_first = false;
    c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
        BOOST_TEST(!ec);
        first_done = true;
        mock.stop();
    });
    auto bad = good_request();
    bad.password = neo::secret();
    c.async_login(bad, [&](boost::system::error_code ec, neo::session) {
        bad_ec = ec;
        bad_done_first = !first_done;
    });
    run();
    BOOST_TEST(bad_ec == neo::errc::no_secret);
    BOOST_TEST(bad_done_first);
}

BOOST_FIXTURE_TEST_CASE(a_failing_operation_hands_its_slot_on, fixture) {
    auto p = params();
    p.max_in_flight = 1;
    neo::client c{io, p};
    auto r = parallel_logins(*this, c, 3, [&] { mock.script(route::login, {{.status = 401}}); });
    BOOST_TEST(r.done == 3);
    BOOST_TEST(r.ok == 2);
    BOOST_TEST(mock.request_count(route::login) == 3u);
}

BOOST_FIXTURE_TEST_CASE(a_login_whose_turn_comes_takes_the_connection_the_last_one_left_open, fixture) {
    // Five logins at once, one at a time: the four that wait start as another ends, each over the
    // connection that one left open (the warm-up's too): one connection, one handshake in all.
    auto p = params();
    p.max_in_flight = 1;
    neo::client c{io, p};
    auto r = parallel_logins(*this, c, 5, [] {});
    BOOST_TEST(r.ok == 5);
    BOOST_TEST(mock.connections() == 0u);  // reset after the warm-up, whose connection all five use
    BOOST_TEST(mock.handshakes() == 0u);
    BOOST_TEST(mock.request_count(route::login) == 5u);
    int reused = 0;
    for (const auto& d : r.diags) reused += d.history.size() == 1 && d.history.back().connection_reused;
    BOOST_TEST(reused == 5);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tls_resumption_in_parallel)

// A TLS 1.3 server sends two tickets per connection; both are kept, so two logins started
// together after a first one both resume.
BOOST_FIXTURE_TEST_CASE(parallel_logins_each_resume, fixture) {
    auto p = params();
    p.keep_alive = false;  // every exchange on a connection of its own
    neo::client c{io, p};
    auto r = parallel_logins(*this, c, 2, [] {});
    BOOST_TEST(r.ok == 2);
    BOOST_TEST(mock.handshakes() == 2u);
    BOOST_TEST(mock.resumed_handshakes() == 2u);
    for (const auto& d : r.diags) {
        BOOST_REQUIRE(d.history.size() == 1u);
        BOOST_TEST(d.history[0].tls_resumed);
    }
}

BOOST_AUTO_TEST_SUITE_END()
