// Success paths, request shape, completion tokens, concurrency and secrets, over real TLS.
#include "fixture.hpp"

#include <neo/detail/request.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <thread>

using namespace neo_test;
using neo::errc;

BOOST_AUTO_TEST_SUITE(login)

BOOST_FIXTURE_TEST_CASE(logs_in_through_the_oauth2_step, fixture) {
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(r.calls == 1);
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << " " << r.diag.detail);
    BOOST_TEST(!r.session.token.empty());
    BOOST_TEST(r.session.sid.size() == 36u);
    BOOST_TEST(r.session.rid.size() == 36u);
    BOOST_TEST(r.session.hs_server_id == "server1");
    BOOST_TEST(r.session.ucc == "TESTYA24");
    BOOST_TEST(r.session.greeting_name == "Test User");
    BOOST_TEST(!r.session.caches.watchlist.empty());
    BOOST_TEST(r.session.data.contains("searchAPIKey"));
    BOOST_REQUIRE(r.session.claims);
    BOOST_TEST(r.session.claims->sub == neo::mock::fixture{}.sub);
    BOOST_TEST(r.session.claims->scope.at(0) == "View");
    BOOST_REQUIRE(r.session.expires_at());
    const auto left = *r.session.expires_at() - std::chrono::system_clock::now();
    BOOST_TEST((left > 3500s && left <= 3600s));
    BOOST_TEST(r.diag.attempts == 2);
    BOOST_TEST(r.diag.http_status == 200u);

    const auto reqs = mock.requests();
    BOOST_REQUIRE(reqs.size() == 2u);
    const auto& app = reqs[0];
    BOOST_TEST(app.target == "/oauth2/token");
    BOOST_TEST(app.method == "POST");
    BOOST_TEST(app.header("Authorization") ==
               neo::detail::basic_authorization("mock-consumer-key", "mock-consumer-secret"));
    BOOST_TEST(boost::json::parse(app.body) == boost::json::parse(R"({"grant_type":"client_credentials"})"));
    const auto& lg = reqs[1];
    BOOST_TEST(lg.target == "/login/1.0/login/v2/validate");
    BOOST_TEST(lg.header("Authorization").rfind("Bearer ey", 0) == 0u);
    BOOST_TEST(lg.header("Content-Type") == "application/json");
    BOOST_TEST(lg.header("Accept") == "application/json");
    BOOST_TEST(lg.header("User-Agent") == "neo-login/0.1");
    BOOST_TEST(boost::json::parse(lg.body) ==
               boost::json::parse(R"({"mobileNumber":"+919999999908","password":"mock-password"})"));
    BOOST_TEST(lg.status == 200u);
}

BOOST_FIXTURE_TEST_CASE(pan_userid_and_mpin_identities, fixture) {
    neo::client c{io, params()};
    std::vector<boost::system::error_code> results;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (neo::login_request req : {neo::login_request{.pan = "avrft7865t", .password = "mock-password"},
                                           neo::login_request{.userid = "testuser", .password = "mock-password"},
                                           neo::login_request{.mobilenumber = "+919999999908", .mpin = "123456"}}) {
                auto [ec, s] = co_await c.async_login(std::move(req), asio::as_tuple(asio::use_awaitable));
                results.push_back(ec);
            }
            mock.stop();
        },
        asio::detached);
    run();
    BOOST_REQUIRE(results.size() == 3u);
    for (auto& ec : results) BOOST_TEST(!ec, ec.message());
    const auto reqs = mock.requests();
    BOOST_REQUIRE(reqs.size() == 4u);  // one app token, cached for the three logins
    BOOST_TEST(boost::json::parse(reqs[1].body) ==
               boost::json::parse(R"({"pan":"AVRFT7865T","password":"mock-password"})"));
    BOOST_TEST(boost::json::parse(reqs[2].body) ==
               boost::json::parse(R"({"userid":"testuser","password":"mock-password"})"));
    BOOST_TEST(boost::json::parse(reqs[3].body) ==
               boost::json::parse(R"({"mobileNumber":"+919999999908","mpin":"123456"})"));
    BOOST_TEST(app_tokens() == 1u);
}

BOOST_FIXTURE_TEST_CASE(wrong_password_is_rejected_once, fixture) {
    neo::client c{io, params()};
    auto r = login(c, {.mobilenumber = "9999999908", .password = "wrong"});
    BOOST_TEST(r.ec == make_error_code(errc::unauthorized));
    BOOST_TEST(r.diag.server_code == "10200");
    BOOST_TEST(r.diag.server_message == "Invalid credentials");
    BOOST_TEST(logins() == 1u);
}

BOOST_FIXTURE_TEST_CASE(given_access_token_skips_oauth2, fixture) {
    auto p = params();
    p.access_token = "not-issued-by-the-mock";
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::unauthorized));
    BOOST_TEST(r.diag.server_code == "900901");
    BOOST_TEST(r.diag.server_message == "Invalid Credentials");
    BOOST_TEST(app_tokens() == 0u);
    BOOST_TEST(logins() == 1u);
    BOOST_TEST(mock.requests().at(0).header("Authorization") == "Bearer not-issued-by-the-mock");
}

BOOST_FIXTURE_TEST_CASE(dns_name_with_sni_and_host_check, fixture) {
    auto p = params();
    p.gateway = neo::gateway::from_origin("https://localhost:" + std::to_string(mock.port()), neo::environment::uat);
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message() << " " << r.diag.detail);
    BOOST_TEST(mock.requests().at(1).target == "/api/1.0/login/v2/validate");
    BOOST_TEST(mock.requests().at(1).header("Host") == "localhost:" + std::to_string(mock.port()));
}

BOOST_FIXTURE_TEST_CASE(invalid_input_completes_later_without_a_connection, fixture) {
    neo::client c{io, params()};
    int calls = 0;
    boost::system::error_code got;
    c.async_login({.mobilenumber = "12", .password = "x"}, [&](boost::system::error_code ec, neo::session) {
        ++calls;
        got = ec;
    });
    BOOST_TEST(calls == 0);  // never inline from the initiating call
    c.async_login({.password = "x"}, [&](boost::system::error_code ec, neo::session) {
        ++calls;
        BOOST_TEST(ec == make_error_code(errc::no_identity));
        mock.stop();
    });
    run();
    BOOST_TEST(calls == 2);
    BOOST_TEST(got == make_error_code(errc::invalid_mobile_number));
    BOOST_TEST(mock.connections() == 0u);
}

BOOST_FIXTURE_TEST_CASE(missing_credentials_sends_nothing, fixture) {
    auto p = params();
    p.consumer_secret = {};
    neo::client c{io, p};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::missing_credentials));
    BOOST_TEST(mock.connections() == 0u);
}

BOOST_FIXTURE_TEST_CASE(bare_co_await_with_the_default_token, fixture) {
    neo::client c{io, params()};
    std::string ucc;
    boost::system::error_code thrown;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            neo::session s = co_await c.async_login(good_request());
            ucc = s.ucc;
            try {
                co_await c.async_login({.userid = "testuser", .password = "bad"});
            } catch (const boost::system::system_error& e) {
                thrown = e.code();
            }
            mock.stop();
        },
        asio::detached);
    run();
    BOOST_TEST(ucc == "TESTYA24");
    BOOST_TEST(thrown == make_error_code(errc::unauthorized));
}

namespace {
std::string read_password() {
    return "mock-password";
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(the_readme_sample_with_braced_temporaries, fixture) {
    // Braced aggregates inside co_await: the case GCC 12 miscompiles for std::string members.
    neo::client client{io, params()};
    std::string ucc, sid;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            neo::session s =
                co_await client.async_login({.mobilenumber = "9999999908", .password = neo::secret{read_password()}});
            ucc = s.ucc;
            sid = s.sid;
            auto [ec, s2] = co_await client.async_login(
                {.pan = "avrft7865t", .mpin = neo::secret{std::string("123456")}}, asio::as_tuple(asio::use_awaitable));
            BOOST_TEST(!ec);
            BOOST_TEST(s2.sid != sid);
            mock.stop();
        },
        asio::detached);
    run();
    BOOST_TEST(ucc == "TESTYA24");
    BOOST_TEST(sid.size() == 36u);
}

BOOST_FIXTURE_TEST_CASE(free_function_on_an_io_context, fixture) {
    neo::diagnostics d;
    int calls = 0;
    neo::async_login(io, params(), good_request(), d, [&](boost::system::error_code ec, neo::session) {
        ++calls;
        BOOST_TEST(!ec);
        mock.stop();
    });
    run();
    BOOST_TEST(calls == 1);
    BOOST_TEST(d.attempts == 2);
}

BOOST_FIXTURE_TEST_CASE(deferred_and_free_function, fixture) {
    auto op = neo::async_login(io.get_executor(), params(), good_request(), asio::deferred);
    int calls = 0;
    std::move(op)([&](boost::system::error_code ec, neo::session s) {
        ++calls;
        BOOST_TEST(!ec);
        BOOST_TEST(s.ucc == "TESTYA24");
        mock.stop();
    });
    run();
    BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(use_future_with_mock_on_its_own_thread) {
    neo::mock::gateway mock;  // own thread
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread t([&] { io.run(); });
    neo::client c{io, mock.client_params()};
    auto f = c.async_login(good_request(), asio::use_future);
    BOOST_REQUIRE(f.wait_for(20s) == std::future_status::ready);
    BOOST_TEST(f.get().ucc == "TESTYA24");
    auto bad = c.async_login({.userid = "testuser", .password = "nope"}, asio::use_future);
    BOOST_REQUIRE(bad.wait_for(20s) == std::future_status::ready);
    BOOST_CHECK_THROW(bad.get(), boost::system::system_error);
    work.reset();
    t.join();
    // The app token once (cached) with the first login on its connection, then the second login
    // over the same connection, which the client kept open between the two operations.
    BOOST_TEST(mock.handshakes() == 1u);
    BOOST_TEST(mock.connections() == 1u);
    BOOST_TEST(mock.request_count(neo::mock::route::app_token) == 1u);
}

BOOST_FIXTURE_TEST_CASE(many_concurrent_logins_on_one_thread, fixture) {
    neo::client c{io, params()};
    constexpr int n = 200;
    int ok = 0, calls = 0;
    for (int i = 0; i < n; ++i) {
        c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
            ++calls;
            ok += !ec;
            if (calls == n) mock.stop();
        });
    }
    run(60s);
    BOOST_TEST(calls == n);
    BOOST_TEST(ok == n);
    BOOST_TEST(logins() == static_cast<std::size_t>(n));
}

BOOST_AUTO_TEST_CASE(concurrent_logins_on_four_threads) {
    neo::mock::gateway mock;
    asio::io_context io(4);
    neo::client c{io, mock.client_params()};
    constexpr int n = 100;
    std::atomic<int> ok{0}, calls{0};
    for (int i = 0; i < n; ++i)
        c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
            ++calls;
            ok += !ec;
        });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run_for(60s); });
    for (auto& t : threads) t.join();
    BOOST_TEST(calls.load() == n);
    BOOST_TEST(ok.load() == n);
}

BOOST_FIXTURE_TEST_CASE(no_secret_in_logs_diagnostics_or_errors, fixture) {
    // The server echoes the password in its error body.
    mock.script(
        neo::mock::route::login,
        {{.status = 400,
          .body = R"({"error":[{"code":"10300","message":"bad password mock-password for mock-consumer-secret"}]})"}});
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(r.ec == make_error_code(errc::bad_request));
    BOOST_TEST(r.diag.server_message == "bad password *** for ***");
    const auto token = mock.requests().at(1).header("Authorization").substr(7);
    BOOST_REQUIRE(!token.empty());
    std::vector<std::string> texts = log_lines;
    texts.push_back(r.diag.server_message);
    texts.push_back(r.diag.server_code);
    texts.push_back(r.diag.detail);
    texts.push_back(r.ec.message());
    BOOST_TEST(log_lines.size() >= 2u);
    for (const auto& t : texts) {
        for (const std::string& s : {std::string("mock-password"), std::string("mock-consumer-secret"), token}) {
            BOOST_TEST(t.find(s) == std::string::npos, "secret in: " << t.substr(0, 80));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mock_stats)

BOOST_FIXTURE_TEST_CASE(stats_is_one_snapshot_that_agrees_with_the_getters, fixture) {
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_REQUIRE(!r.ec);
    const auto s = mock.stats();
    BOOST_TEST(s.requests == 2u);  // the app token, the login
    BOOST_TEST(s.requests_by_route.at(neo::mock::route::app_token) == 1u);
    BOOST_TEST(s.requests_by_route.at(neo::mock::route::login) == 1u);
    BOOST_TEST(s.requests_by_route.count(neo::mock::route::logout) == 0u);
    BOOST_TEST(s.connections == mock.connections());
    BOOST_TEST(s.handshakes == mock.handshakes());
    BOOST_TEST(s.resumed_handshakes == mock.resumed_handshakes());
    BOOST_TEST(s.peak_concurrent_requests == 1u);
    BOOST_TEST(s.live_sessions == 1u);
    mock.reset_counters();
    const auto z = mock.stats();
    BOOST_TEST(z.requests == 0u);
    BOOST_TEST(z.connections == 0u);
    BOOST_TEST(z.live_sessions == 1u);  // sessions survive reset_counters(), not reset()
    mock.reset();
    BOOST_TEST(mock.stats().live_sessions == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(thrown_errors)

BOOST_FIXTURE_TEST_CASE(with_diagnostics_the_exception_says_why, fixture) {
    neo::client c{io, params()};
    const neo::login_request bad{.mobilenumber = "9999999908", .password = "wrong-password"};
    const auto throwing = neo::with_diagnostics(asio::use_awaitable);
    run_coro([&]() -> asio::awaitable<void> {
        // The adapted token throws error_with_diagnostics: the code, and why.
        bool caught = false;
        try {
            co_await c.async_login(bad, throwing);
        } catch (const neo::error_with_diagnostics& e) {
            caught = true;
            BOOST_TEST(e.code() == errc::unauthorized, e.code().message());
            BOOST_TEST(e.get_diagnostics().http_status == 401u);
            BOOST_TEST(e.get_diagnostics().server_code == "10200");
            BOOST_TEST(e.get_diagnostics().attempts == 2);  // the app token, the login
            BOOST_TEST(e.get_diagnostics().step == "login");  // the failing step's own count
            BOOST_TEST(e.get_diagnostics().step_attempts == 1);
            const std::string what = e.what();
            BOOST_TEST(what.find("login attempts 1 (2 requests in all)") != std::string::npos, what);
            BOOST_TEST(what.find("last to " + mock.origin() + "/login/1.0/login/v2/validate") != std::string::npos, what);
            BOOST_TEST(what.find(": ") != 0u, what);
            BOOST_TEST(what.find("HTTP 401") != std::string::npos, what);
            BOOST_TEST(what.find("server code 10200") != std::string::npos, what);
            BOOST_TEST(what.find("wrong-password") == std::string::npos, what);
        }
        BOOST_TEST(caught);
        // It is a boost::system::system_error, as the default token throws.
        try {
            co_await c.async_login(bad, throwing);
        } catch (const boost::system::system_error& e) {
            BOOST_TEST(e.code() == errc::unauthorized);
        }
        // The diagnostics& overload fills the caller's diagnostics and the exception's.
        neo::diagnostics d;
        try {
            co_await c.async_login(bad, d, throwing);
            BOOST_TEST(false, "no exception");
        } catch (const neo::error_with_diagnostics& e) {
            BOOST_TEST(d.http_status == 401u);
            BOOST_TEST(e.get_diagnostics().server_code == d.server_code);
        }
        // Input refused before anything is sent; a step of the family (here logout) too.
        try {
            const neo::login_request short_number{.mobilenumber = "12", .password = "x"};
            co_await c.async_login(short_number, throwing);
            BOOST_TEST(false, "no exception");
        } catch (const neo::error_with_diagnostics& e) {
            BOOST_TEST(e.code() == errc::invalid_mobile_number);
            BOOST_TEST(e.get_diagnostics().attempts == 0);
        }
        try {
            const neo::session empty;  // named: GCC 12 miscompiles a braced temporary inside co_await
            co_await c.async_logout(empty, throwing);
            BOOST_TEST(false, "no exception");
        } catch (const neo::error_with_diagnostics& e) {
            BOOST_TEST(e.code() == errc::invalid_session);
        }
        // A callback gets the exception_ptr (null on success) and the session.
        auto [ep, s] = co_await c.async_login(bad, neo::with_diagnostics(asio::as_tuple(asio::use_awaitable)));
        BOOST_REQUIRE(ep);
        BOOST_CHECK_THROW(std::rethrow_exception(ep), neo::error_with_diagnostics);
        auto ok = co_await c.async_login(good_request(), throwing);
        BOOST_TEST(!ok.token.empty());
        auto [none, s2] = co_await c.async_login(good_request(), neo::with_diagnostics(asio::as_tuple(asio::use_awaitable)));
        BOOST_TEST(!none);
        BOOST_TEST(!s2.sid.empty());
    });
}

BOOST_FIXTURE_TEST_CASE(a_future_rethrows_the_diagnostics, fixture) {
    neo::client c{io, params()};
    auto f = c.async_login({.mobilenumber = "9999999908", .password = "wrong-password"},
                           neo::with_diagnostics(asio::use_future));
    std::thread t([&] { io.run_for(20s); });
    try {
        f.get();
        BOOST_TEST(false, "no exception");
    } catch (const neo::error_with_diagnostics& e) {
        BOOST_TEST(e.get_diagnostics().http_status == 401u);
    }
    mock.stop();
    t.join();
}

BOOST_FIXTURE_TEST_CASE(the_session_manager_takes_the_adapter_too, fixture) {
    // Its operations have no diagnostics of their own: the exception carries the code.
    neo::password_recipe recipe{.login = {.mobilenumber = "9999999908", .password = "wrong-password"}};
    neo::session_manager m{neo::client{io, params()}, recipe};
    run_coro([&]() -> asio::awaitable<void> {
        try {
            co_await m.async_session(neo::with_diagnostics(asio::use_awaitable));
            BOOST_TEST(false, "no exception");
        } catch (const neo::error_with_diagnostics& e) {
            BOOST_TEST(e.code() == errc::unauthorized, e.code().message());
        }
    });
}

BOOST_AUTO_TEST_SUITE_END()
