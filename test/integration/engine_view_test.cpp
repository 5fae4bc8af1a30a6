// The engine's view (issue 23): the session manager hands each caller the diagnostics of the login
// it waited for; errors name their endpoint; diagnostics render to words; a subscription tells of
// every new session, invalidation and failed login, and a snapshot gives the session without
// suspending; hooks see every attempt and operation; log records carry their fields; a session
// prints redacted.
#include "fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>

using namespace neo_test;
using neo::mock::route;

namespace {

// A port where nothing listens: connections are refused at once.
std::uint16_t closed_port(asio::io_context& io) {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manager_diagnostics)

BOOST_FIXTURE_TEST_CASE(with_diagnostics_throws_the_login_s_diagnostics_and_names_the_endpoint, fixture) {
    auto p = params();
    const auto port = closed_port(io);
    p.gateway = neo::gateway::from_origin("https://127.0.0.1:" + std::to_string(port));
    p.retry.max_attempts = 2;
    neo::session_manager m{neo::client{io, p}, totp_recipe()};
    run_coro([&]() -> asio::awaitable<void> {
        bool caught = false;
        try {
            co_await m.async_session(neo::with_diagnostics(asio::use_awaitable));
        } catch (const neo::error_with_diagnostics& e) {
            caught = true;
            const auto& d = e.get_diagnostics();
            BOOST_TEST(e.code() == neo::errc::connection_failed);
            BOOST_TEST(d.attempts == 2);
            BOOST_REQUIRE(d.history.size() == 2u);
            BOOST_TEST(d.history[0].host == "127.0.0.1");
            BOOST_TEST(d.history[0].port == std::to_string(port));
            BOOST_TEST(d.history[0].path == p.gateway.totp_login.target);
            const std::string what = e.what();
            BOOST_TEST(what.find(':') != 0u, what);
            BOOST_TEST(what.find(' ') != 0u, what);
            BOOST_TEST(what.find("last to https://127.0.0.1:" + std::to_string(port) + p.gateway.totp_login.target) !=
                           std::string::npos,
                       what);
            BOOST_TEST(what.find("phase connect") != std::string::npos, what);
        }
        BOOST_TEST(caught);
    });
}

BOOST_FIXTURE_TEST_CASE(each_caller_gets_every_attempt_of_the_login_it_waited_for, fixture) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe()};
    neo::diagnostics a, b, cached;
    int done = 0;
    auto one = [&](neo::diagnostics& d) {
        m.async_session(d, [&](boost::system::error_code ec, neo::session) {
            BOOST_TEST(!ec);
            ++done;
        });
    };
    one(a);
    one(b);
    run_coro([&]() -> asio::awaitable<void> {
        asio::steady_timer t(io);
        for (int i = 0; i < 500 && done < 2; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        co_await m.async_session(cached);  // held: handed out at once, no login waited for
    });
    for (const auto* d : {&a, &b}) {
        BOOST_REQUIRE(d->history.size() == 2u);  // the TOTP login and the validation
        BOOST_TEST(d->attempts == 2);
        BOOST_TEST(d->history[0].step == "totp_login");
        BOOST_TEST(d->history[0].number == 1);
        BOOST_TEST(d->history[1].step == "totp_validate");
        BOOST_TEST(d->history[1].number == 2);
        BOOST_TEST(d->history[1].verdict == std::string("succeeded"));
    }
    BOOST_TEST(cached.attempts == 0);
    BOOST_TEST(cached.history.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render)

BOOST_FIXTURE_TEST_CASE(one_line_or_every_attempt_never_a_query_string, fixture) {
    auto p = params();
    p.gateway.login.target += "?debug=hidden-value";  // the mock answers 404 to it
    p.retry.max_attempts = 1;
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics d;
        auto [ec, s] = co_await c.async_login(good_request(), d, asio::as_tuple(asio::use_awaitable));
        BOOST_TEST(!!ec);
        const auto line = neo::render(d);
        const auto all = neo::render(d, neo::render_style::every_attempt);
        BOOST_TEST(line.find('\n') == std::string::npos, line);
        BOOST_TEST(all.rfind(line, 0) == 0u, all);  // the same summary first
        BOOST_TEST(std::count(all.begin(), all.end(), '\n') == static_cast<long>(d.history.size()), all);
        BOOST_TEST(all.find("\n  #1 app_token https://127.0.0.1:") != std::string::npos, all);
        BOOST_TEST(all.find("\n  #2 login https://127.0.0.1:") != std::string::npos, all);
        BOOST_TEST(all.find("hidden-value") == std::string::npos, all);
        BOOST_TEST(d.history.back().path == "/login/1.0/login/v2/validate");
        std::ostringstream os;
        os << d;
        BOOST_TEST(os.str() == line);
        // The error's text is the same words.
        const neo::error_with_diagnostics e(ec, d);
        BOOST_TEST(std::string(e.what()).rfind(line, 0) == 0u, e.what());
    });
}

BOOST_AUTO_TEST_CASE(empty_diagnostics_render_nothing_and_what_is_the_code_s_words) {
    BOOST_TEST(neo::render(neo::diagnostics{}).empty());
    const neo::error_with_diagnostics e(neo::errc::connection_failed, {});
    const std::string what = e.what();
    BOOST_TEST(what.find(':') != 0u, what);
    BOOST_TEST(what.find("connection failed") == 0u, what);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(session_events)

// The manager on a 2-thread io_context (the mock on its own thread): a subscriber sees the first
// session, the invalidation, the next session and a failed login, in order; the snapshot follows.
BOOST_AUTO_TEST_CASE(new_sessions_invalidations_and_failed_logins_in_order_on_two_threads) {
    neo::mock::gateway mock;
    asio::io_context io(2);
    auto work = asio::make_work_guard(io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) threads.emplace_back([&] { io.run_for(60s); });

    std::mutex mu;
    std::vector<neo::session_event> events;
    auto p = mock.client_params();
    p.retry.max_attempts = 1;
    std::optional<neo::session_manager> m;
    m.emplace(neo::client{io, p}, totp_recipe());
    auto sub = m->subscribe([&](const neo::session_event& e) {
        std::lock_guard lock(mu);
        events.push_back(e);
    });
    auto wait_events = [&](std::size_t n) {
        for (int i = 0; i < 1000; ++i) {
            {
                std::lock_guard lock(mu);
                if (events.size() >= n) return true;
            }
            std::this_thread::sleep_for(10ms);
        }
        return false;
    };
    auto session_now = [&](neo::diagnostics* d = nullptr) {
        auto f = d ? m->async_session(*d, asio::use_future) : m->async_session(asio::use_future);
        return f.get();
    };

    BOOST_TEST(!m->current());
    const auto first = session_now();
    BOOST_REQUIRE(wait_events(1));
    auto snap = m->current();
    BOOST_REQUIRE(snap);
    BOOST_TEST(snap->token == first.token);
    m->invalidate(first);
    BOOST_REQUIRE(wait_events(2));
    BOOST_TEST(!m->current());
    BOOST_TEST(snap->token == first.token);  // a snapshot held stays whole
    const auto second = session_now();
    BOOST_REQUIRE(wait_events(3));
    m->invalidate(second);
    BOOST_REQUIRE(wait_events(4));
    mock.script(route::totp_login, {{.status = 400}});
    neo::diagnostics failed;
    BOOST_CHECK_THROW(session_now(&failed), boost::system::system_error);
    BOOST_REQUIRE(wait_events(5));
    {
        std::lock_guard lock(mu);
        using k = neo::session_event::kind;
        BOOST_TEST((events[0].what == k::new_session));
        BOOST_TEST(events[0].current->token == first.token);
        BOOST_TEST(events[0].diag->attempts == 2);
        BOOST_TEST((events[1].what == k::invalidated));
        BOOST_TEST(!events[1].current);
        BOOST_TEST((events[2].what == k::new_session));
        BOOST_TEST(events[2].current->token == second.token);
        BOOST_TEST((events[3].what == k::invalidated));
        BOOST_TEST((events[4].what == k::login_failed));
        BOOST_TEST((events[4].error == neo::errc::bad_request));
        BOOST_TEST(events[4].diag->http_status == 400u);
        BOOST_TEST(failed.http_status == 400u);  // the caller's own diagnostics say the same
        BOOST_TEST(std::string(neo::to_string(events[4].what)) == "login_failed");
    }
    // Ended: nothing more arrives.
    sub.reset();
    session_now();
    std::this_thread::sleep_for(100ms);
    {
        std::lock_guard lock(mu);
        BOOST_TEST(events.size() == 5u);
    }
    m.reset();
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
}

BOOST_FIXTURE_TEST_CASE(a_scheduled_renewal_is_reported, fixture_short_tokens) {
    std::optional<neo::session_manager> m;
    m.emplace(neo::client{io, params()}, totp_recipe(),
              neo::session_manager_options{
                  .renew_margin = 18s, .proactive_renewal = true, .warm_up_lead = 0s, .min_validity = 1s});
    std::vector<neo::session_event::kind> seen;
    auto sub = m->subscribe([&](const neo::session_event& e) { seen.push_back(e.what); });
    run_coro([&]() -> asio::awaitable<void> {
        co_await m->async_session();
        asio::steady_timer t(io);
        for (int i = 0; i < 600 && seen.size() < 2u; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        m.reset();
    });
    BOOST_REQUIRE(seen.size() >= 2u);
    BOOST_TEST((seen[1] == neo::session_event::kind::new_session));  // the renewal, nobody calling
}

BOOST_AUTO_TEST_SUITE_END()

// ---- hooks and structured records ----------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(hooks)

BOOST_FIXTURE_TEST_CASE(once_per_attempt_and_once_per_operation, fixture) {
    auto p = params();
    std::vector<neo::attempt_record> attempts;
    std::vector<std::string> operations;
    std::vector<int> operation_attempts;
    p.on_attempt = [&](const neo::attempt_record& a) { attempts.push_back(a); };
    p.on_operation = [&](const neo::operation_report& r) {
        operations.emplace_back(r.operation);
        operation_attempts.push_back(r.diag.attempts);
        BOOST_TEST(r.elapsed.count() >= 0);
    };
    mock.script(route::login, {{.status = 503}});  // one retry
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        neo::diagnostics d;
        auto view = co_await c.async_login(good_request(), d);
        BOOST_TEST(attempts.size() == 3u);  // app token, login 503, login
        BOOST_TEST(static_cast<int>(attempts.size()) == d.attempts);
        BOOST_TEST(attempts[1].http_status == 503u);
        BOOST_TEST(attempts[1].verdict == std::string("retrying"));
        BOOST_TEST(attempts[1].path == "/login/1.0/login/v2/validate");
        BOOST_TEST(attempts[2].verdict == std::string("succeeded"));
        neo::second_factor f;
        f.mpin = "123456";
        f.mobilenumber = "9999999908";
        co_await c.async_session_2fa(view, f);
        co_await c.async_warm_up(neo::generation::two);
    });
    BOOST_TEST(attempts.size() == 4u);  // the warm-up found the kept connection: nothing opened
    BOOST_REQUIRE(operations.size() == 3u);
    BOOST_TEST(operations[0] == "login");
    BOOST_TEST(operation_attempts[0] == 3);
    BOOST_TEST(operations[1] == "second_factor");
    BOOST_TEST(operations[2] == "warm_up");
}

// A login over a kept connection allocates the same with the hooks set (to do-nothing
// functions) as without: calling them copies nothing; and unset, nothing is made for them.
BOOST_FIXTURE_TEST_CASE(the_hooks_allocate_nothing, fixture) {
    auto plain = mock.client_params();
    auto hooked = plain;
    hooked.on_attempt = [](const neo::attempt_record&) {};
    hooked.on_operation = [](const neo::operation_report&) {};
    neo::client without_hooks{io, plain}, with_hooks{io, hooked};
    std::size_t without = 0, with = 0;
    run_coro([&]() -> asio::awaitable<void> {
        for (auto* c : {&without_hooks, &with_hooks}) {
            co_await c->async_login(good_request());  // the app token, a kept connection
            co_await c->async_login(good_request());
            auto& count = allocations();
            count.n = 0;
            count.on = true;
            co_await c->async_login(good_request());
            count.on = false;
            (c == &without_hooks ? without : with) = count.n;
        }
    });
    BOOST_TEST(without > 0u);
    BOOST_TEST(with == without);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(structured_logs)

BOOST_FIXTURE_TEST_CASE(records_carry_operation_step_attempt_phase_and_a_masked_account, fixture) {
    auto p = params();
    std::vector<std::tuple<std::string, std::uint64_t, std::string, int, std::string, std::string, std::string>> recs;
    p.logger.level = neo::log_level::debug;
    p.logger.record_sink = [&](const neo::log_record& r) {
        recs.emplace_back(std::string(r.component), r.operation, std::string(r.step), r.attempt, std::string(r.phase),
                          std::string(r.account), std::string(r.message));
    };
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        co_await c.async_login(good_request());
        neo::session_manager m{c, totp_recipe()};
        co_await m.async_session();
    });
    bool login_attempt = false, manager_line = false, totp_line = false;
    std::uint64_t first_op = 0;
    for (const auto& [component, op, step, attempt, phase, account, message] : recs) {
        BOOST_TEST(message.find("mock-password") == std::string::npos);
        BOOST_TEST(account.find("9999999908") == std::string::npos, account);  // masked, never whole
        if (component == "client" && message.rfind("attempt 1/4 login", 0) == 0) {
            login_attempt = true;
            first_op = op;
            BOOST_TEST(step == "login");
            BOOST_TEST(attempt == 2);  // the app token was the first
            BOOST_TEST(phase == "none");
            BOOST_TEST(account == "mobile ******9908");
        }
        if (component == "client" && step == "totp_login") {
            totp_line = true;
            BOOST_TEST(op > first_op);
            BOOST_TEST(account == "TESTYA24");
        }
        if (component == "session_manager") {
            manager_line = true;
            BOOST_TEST(account == "TESTYA24");
            BOOST_TEST(message.rfind("session manager: ", 0) == 0u);
        }
    }
    BOOST_TEST(login_attempt);
    BOOST_TEST(totp_line);
    BOOST_TEST(manager_line);
    // The string sink still gets the same lines (the fixture's capture): both sinks are fed.
    BOOST_TEST(!log_lines.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(printing)

BOOST_FIXTURE_TEST_CASE(a_session_prints_redacted, fixture) {
    neo::client c{io, params()};
    run_coro([&]() -> asio::awaitable<void> {
        auto s = co_await c.async_totp_login(neo::totp_login_request{
            .mobilenumber = "9999999908", .ucc = "TESTYA24", .totp = neo::totp(mock.fixture().totp_secret).code()});
        std::ostringstream os;
        os << s;
        const auto text = os.str();
        BOOST_TEST(text == neo::to_string(s));
        BOOST_TEST(text.find("ucc=TESTYA24") != std::string::npos, text);
        BOOST_TEST(text.find("token=***") != std::string::npos, text);
        BOOST_TEST(text.find("sid=***") != std::string::npos, text);
        BOOST_TEST(text.find("expires=20") != std::string::npos, text);
        BOOST_TEST(text.find(s.token) == std::string::npos);
        BOOST_TEST(text.find(s.sid) == std::string::npos);
    });
}

BOOST_AUTO_TEST_CASE(a_condition_prints_its_name) {
    std::ostringstream os;
    os << neo::condition::timed_out;
    BOOST_TEST(os.str() == "timed_out");
    BOOST_TEST(std::string(neo::to_string(neo::condition::unavailable)) == "unavailable");
    const boost::system::error_code ec = neo::errc::connection_failed;
    BOOST_TEST((ec == neo::condition::unavailable));
}

BOOST_AUTO_TEST_CASE(the_mock_says_which_fixture_it_uses) {
    neo::mock::gateway_params gp;
    gp.fixture.totp_secret = "JBSWY3DPEHPK3PXP";
    neo::mock::gateway mock(gp);
    BOOST_TEST(mock.fixture().totp_secret == "JBSWY3DPEHPK3PXP");
    BOOST_TEST(mock.fixture().ucc == neo::mock::fixture{}.ucc);
}

BOOST_AUTO_TEST_SUITE_END()
