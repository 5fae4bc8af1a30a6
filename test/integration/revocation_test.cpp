// After the login: the headers a post-login call needs (checked by the mock's protected route as
// the SDKs send them), the gateway revoking a session, and engines recovering from it with
// invalidate(const session&): any number of callers, one new login.
#include "api_call.hpp"
#include "fixture.hpp"

#include <boost/asio/detached.hpp>

#include <atomic>
#include <set>

using namespace neo_test;
using neo::api_verdict;
using neo::mock::route;

namespace {

// The SDKs' paths: generation 2 after the session's baseUrl, generation 1 on the gateway's host
// (prod paths, as the mock's client params use) with the server id.
std::string limits_path(int generation, const neo::session& s) {
    return generation == 2 ? "/quick/user/limits" : "/Orders/2.0/quick/user/limits?sId=" + s.hs_server_id;
}

// A manager of the generation asked for, on the fixture's mock.
neo::session_manager manager_of(int generation, fixture& f) {
    return generation == 2 ? neo::session_manager{neo::client{f.io, f.params()}, totp_recipe()}
                           : neo::session_manager{neo::client{f.io, f.params()}, mpin_recipe()};
}

struct engine_outcome {
    std::atomic<int> first_rejected{0}, retried_ok{0}, failed{0}, done{0};
    std::mutex mu;
    std::set<std::string> second_tokens;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(revocation)

BOOST_AUTO_TEST_CASE(the_headers_are_the_sdks_and_the_mock_accepts_them_in_both_generations) {
    for (int generation : {1, 2}) {
        fixture f;
        auto m = manager_of(generation, f);
        neo::session s;
        neo::api_headers h;
        api_answer a;
        f.run_coro([&]() -> asio::awaitable<void> {
            s = co_await m.async_session();
            h = m.headers_for(s);
            a = co_await call_api(h, limits_path(generation, s), f.mock.ca_pem());
        });
        BOOST_TEST_CONTEXT("generation " << generation) {
            BOOST_TEST(a.status == 200u);
            BOOST_TEST(a.body.find(R"("stat":"Ok")") != std::string::npos, a.body);
            BOOST_TEST((neo::judge_api_answer(a.status, a.body) == api_verdict::session_stands));
            BOOST_REQUIRE(h.find("Sid") && h.find("Auth"));
            BOOST_TEST(*h.find("sid") == s.sid);  // case-insensitive
            BOOST_TEST(*h.find("Auth") == s.token);
            const auto* authz = h.find("Authorization");
            BOOST_REQUIRE(authz);
            if (generation == 2) {
                BOOST_TEST(h.fields.size() == 3u);
                BOOST_TEST(*authz == f.mock.client_params().consumer_key);
                BOOST_TEST(h.base_url == s.base_url);
                BOOST_TEST(!h.find("neo-fin-key"));
            } else {
                BOOST_TEST(h.fields.size() == 4u);
                BOOST_TEST(authz->rfind("Bearer ", 0) == 0u);
                const auto tokens = f.mock.issued_tokens();  // the app token the login used
                BOOST_TEST((std::find(tokens.begin(), tokens.end(), authz->substr(7)) != tokens.end()));
                BOOST_TEST(*h.find("neo-fin-key") == "neotradeapi");
                BOOST_TEST(h.base_url == f.mock.origin());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_revoked_session_is_rejected_in_the_gateways_shapes) {
    for (int generation : {1, 2}) {
        fixture f;
        auto m = manager_of(generation, f);
        api_answer a;
        std::size_t revoked = 0;
        f.run_coro([&]() -> asio::awaitable<void> {
            auto s = co_await m.async_session();
            revoked = f.mock.revoke_sessions();
            a = co_await call_api(m.headers_for(s), limits_path(generation, s), f.mock.ca_pem());
        });
        BOOST_TEST_CONTEXT("generation " << generation) {
            BOOST_TEST(revoked >= 1u);
            BOOST_TEST((neo::judge_api_answer(a.status, a.body) == api_verdict::session_gone), a.body);
            if (generation == 2) {
                BOOST_TEST(a.status == 200u);  // a 200 that is not a success: the body says it
                BOOST_TEST(a.body.find("100022") != std::string::npos, a.body);
            } else {
                BOOST_TEST(a.status == 401u);
                BOOST_TEST(a.body.find("900901") != std::string::npos, a.body);
            }
        }
    }
}

// Example 09's flow with 100 coroutines: each calls with the session, sees the rejection,
// invalidates that session, awaits the new one and retries once.
BOOST_AUTO_TEST_CASE(a_hundred_engines_that_see_the_rejection_cause_one_new_login) {
    for (int generation : {1, 2}) {
        fixture f;
        auto m = manager_of(generation, f);
        engine_outcome out;
        constexpr int n = 100;
        auto engine = [&]() -> asio::awaitable<void> {
            auto s = co_await m.async_session();
            auto a = co_await call_api(m.headers_for(s), limits_path(generation, s), f.mock.ca_pem());
            if (neo::judge_api_answer(a.status, a.body) == api_verdict::session_gone) {
                ++out.first_rejected;
                m.invalidate(s);
                s = co_await m.async_session();
                a = co_await call_api(m.headers_for(s), limits_path(generation, s), f.mock.ca_pem());
                {
                    std::lock_guard lock(out.mu);
                    out.second_tokens.insert(s.token);
                }
            }
            (neo::judge_api_answer(a.status, a.body) == api_verdict::session_stands && a.status == 200 ? out.retried_ok
                                                                                                       : out.failed)++;
        };
        f.run_coro(
            [&]() -> asio::awaitable<void> {
                co_await m.async_session();
                f.mock.revoke_sessions();
                auto ex = co_await asio::this_coro::executor;
                for (int i = 0; i < n; ++i)
                    asio::co_spawn(ex, engine, [&](std::exception_ptr e) {
                        if (e) ++out.failed;
                        ++out.done;
                    });
                asio::steady_timer t(ex);
                for (int i = 0; i < 3000 && out.done < n; ++i) {  // bounded: 30 s
                    t.expires_after(10ms);
                    co_await t.async_wait(asio::use_awaitable);
                }
            },
            60s);
        BOOST_TEST_CONTEXT("generation " << generation) {
            BOOST_TEST(out.done == n);
            BOOST_TEST(out.first_rejected == n);
            BOOST_TEST(out.retried_ok == n);
            BOOST_TEST(out.failed == 0);
            BOOST_TEST(out.second_tokens.size() == 1u);
            BOOST_TEST(m.logins_started() == 2u);  // the first and exactly one new login
            const auto logins = f.mock.request_count(generation == 2 ? route::totp_login : route::login);
            BOOST_TEST(logins == 2u);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(a_late_report_of_a_replaced_session_keeps_the_new_one, fixture) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe()};
    neo::session first, second, third;
    run_coro([&]() -> asio::awaitable<void> {
        first = co_await m.async_session();
        m.invalidate(first);
        second = co_await m.async_session();
        m.invalidate(first);  // a caller that saw the old session's rejection late
        third = co_await m.async_session();
    });
    BOOST_TEST(first.token != second.token);
    BOOST_TEST(third.token == second.token);
    BOOST_TEST(m.logins_started() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
