// The gateway's clock: its Date header on every answer gives diagnostics::clock_offset, a warning
// beyond 15 s, and the session manager's TOTP follows it (a mock whose clock is shifted).
#include "fixture.hpp"

#include <neo/totp.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

using namespace neo_test;
using neo::errc;
using neo::mock::route;

namespace {


struct shifted : fixture {
    explicit shifted(std::chrono::seconds by) : fixture(neo::mock::gateway_params{.clock_offset = by}) {}
};
struct ahead_two_minutes : shifted {
    ahead_two_minutes() : shifted(std::chrono::seconds(120)) {}
};
struct behind_an_hour : shifted {
    behind_an_hour() : shifted(std::chrono::seconds(-3600)) {}
};

neo::totp_recipe recipe() {
    return {.mobilenumber = "9999999908",
            .ucc = "TESTYA24",
            .totp_seed = neo::mock::fixture{}.totp_secret,
            .mpin = "123456"};
}

bool logged(const std::vector<std::string>& lines, std::string_view what) {
    for (const auto& l : lines)
        if (l.find(what) != std::string::npos) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gateway_clock)

BOOST_FIXTURE_TEST_CASE(a_correct_clock_reads_zero_and_warns_nothing, fixture) {
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_REQUIRE(r.diag.clock_offset);
    BOOST_TEST(r.diag.clock_offset->count() >= -1);
    BOOST_TEST(r.diag.clock_offset->count() <= 0);
    BOOST_TEST(!logged(log_lines, "clock"));
}

BOOST_FIXTURE_TEST_CASE(an_offset_clock_is_measured_and_logged, behind_an_hour) {
    neo::client c{io, params()};
    auto r = login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_REQUIRE(r.diag.clock_offset);
    BOOST_TEST(r.diag.clock_offset->count() >= -3601);
    BOOST_TEST(r.diag.clock_offset->count() <= -3599);
    BOOST_TEST(logged(log_lines, "the gateway's clock is 3600 s behind ours"));
}

BOOST_FIXTURE_TEST_CASE(a_totp_from_our_clock_is_refused_and_its_offset_shown, ahead_two_minutes) {
    neo::client c{io, params()};
    neo::diagnostics d;
    boost::system::error_code ec;
    run_coro([&]() -> asio::awaitable<void> {
        neo::totp_login_request req;
        req.mobilenumber = "9999999908";
        req.ucc = "TESTYA24";
        req.totp = neo::totp(neo::mock::fixture{}.totp_secret).code();
        std::tie(ec, std::ignore) = co_await c.async_totp_login(std::move(req), d, nothrow);
        BOOST_TEST((ec == neo::condition::rejected), ec.message());
        BOOST_REQUIRE(d.clock_offset);
        // With the measured offset, the code is the gateway's.
        req.totp = neo::totp(neo::mock::fixture{}.totp_secret).code(*d.clock_offset);
        req.mobilenumber = "9999999908";
        req.ucc = "TESTYA24";
        std::tie(ec, std::ignore) = co_await c.async_totp_login(std::move(req), d, nothrow);
    });
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(d.clock_offset->count() >= 119);
    BOOST_TEST(d.clock_offset->count() <= 120);
    BOOST_TEST(logged(log_lines, "the gateway's clock is 1"));
}

BOOST_FIXTURE_TEST_CASE(the_session_manager_follows_the_gateways_clock, ahead_two_minutes) {
    neo::session_manager m{neo::client{io, params()}, recipe()};
    neo::session s;
    boost::system::error_code ec;
    run_coro([&]() -> asio::awaitable<void> { std::tie(ec, s) = co_await m.async_session(nothrow); });
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(s.k_type == "Trade");
    // The code of our clock was refused, the code of the gateway's accepted, in one call.
    BOOST_TEST(count(route::totp_login) == 2u);
    const auto reqs = mock.requests();
    BOOST_TEST(reqs.at(0).status == 401u);
    BOOST_TEST(reqs.at(1).status == 200u);
    BOOST_TEST(logged(log_lines, "once more with the code of its clock"));
}

BOOST_AUTO_TEST_SUITE_END()
