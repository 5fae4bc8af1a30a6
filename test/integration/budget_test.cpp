// The per-client retry budget: during an outage a client's logins fail fast instead of
// multiplying the load; successes refill it.
#include "fixture.hpp"

using namespace neo_test;
using neo::errc;
using neo::mock::route;

namespace {

// Logs in once (fills the app token cache), then scripts `n_503` answers of 503 and starts `n`
// concurrent logins; returns the login requests the mock saw for them and checks the handlers.
std::size_t outage(fixture& f, neo::client& c, int n, int n_503) {
    auto warm = [&] {
        bool done = false;
        c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
            BOOST_TEST(!ec);
            done = true;
        });
        for (int i = 0; i < 2000 && !done; ++i) f.io.run_one_for(10ms);
        BOOST_REQUIRE(done);
    };
    warm();
    const auto before = f.logins();
    f.mock.script(route::login, std::vector<neo::mock::answer>(static_cast<std::size_t>(n_503), {.status = 503}));
    int calls = 0, unavailable = 0;
    for (int i = 0; i < n; ++i)
        c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
            ++calls;
            unavailable += ec == errc::service_unavailable;
            if (calls == n) f.mock.stop();
        });
    f.run();
    BOOST_TEST(calls == n);
    BOOST_TEST(unavailable == n);
    return f.logins() - before;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_budget)

BOOST_FIXTURE_TEST_CASE(an_outage_costs_one_attempt_per_login_plus_the_budget, fixture) {
    neo::client c{io, params()};
    const auto sent = outage(*this, c, 30, 1000);
    BOOST_TEST(sent == 30u + 10u);  // 30 first attempts, 10 retries paid by the full bucket
    int exhausted = 0;
    for (const auto& l : log_lines) exhausted += l.find("retry budget exhausted") != std::string::npos;
    BOOST_TEST(exhausted >= 30 - 10);  // at least 20 logins had a retry refused
}

BOOST_FIXTURE_TEST_CASE(without_the_budget_every_login_retries, fixture) {
    auto p = params();
    p.retry.budget.enabled = false;
    neo::client c{io, p};
    BOOST_TEST(outage(*this, c, 30, 1000) == 120u);
}

BOOST_FIXTURE_TEST_CASE(successes_refill_the_bucket, fixture) {
    auto p = params();
    p.retry.budget.capacity = 2;
    neo::client c{io, p};
    // The answers scripted before each of four logins in a row.
    const std::vector<std::vector<neo::mock::answer>> scripts = {
        {{.status = 503}, {.status = 503}, {.status = 503}},  // spends both tokens, third attempt final
        {},                                                   // a success refills one token
        {{.status = 503}},                                    // that token pays this retry
        {{.status = 503}, {.status = 503}},                   // empty again after one retry
    };
    std::vector<neo::diagnostics> d(4);
    std::vector<boost::system::error_code> ec(4);
    std::size_t step = 0;
    std::function<void()> next = [&] {
        if (step == scripts.size()) {
            mock.stop();
            return;
        }
        const auto i = step++;
        mock.script(route::login, scripts[i]);
        c.async_login(good_request(), d[i], [&, i](boost::system::error_code e, neo::session) {
            ec[i] = e;
            next();
        });
    };
    next();
    run();
    BOOST_TEST(ec[0] == errc::service_unavailable);
    BOOST_TEST(d[0].attempts == 4);  // the app token, then three login attempts
    BOOST_TEST(d[0].detail.find("retry budget exhausted") != std::string::npos);
    BOOST_TEST(!ec[1]);
    BOOST_TEST(d[1].attempts == 1);
    BOOST_TEST(!ec[2]);
    BOOST_TEST(d[2].attempts == 2);
    BOOST_TEST(ec[3] == errc::service_unavailable);
    BOOST_TEST(d[3].attempts == 2);
    BOOST_TEST(d[3].detail.find("retry budget exhausted") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
