// Every public aggregate can be written with designated initializers naming any one member, with
// no warning on any compiler: each member has a default initializer. This file is built with
// -Wall -Wextra (-Wmissing-field-initializers: GCC warns for a member left out that has none) and
// with warnings as errors in CI, so a member added without a default fails the build; the checks
// below pin the documented defaults.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>
#include <neo/mock/pki.hpp>
#include <neo/mock/scenario.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(aggregates)

BOOST_AUTO_TEST_CASE(requests_and_recipes) {
    neo::login_request login{.mobilenumber = "9999999908"};
    BOOST_TEST(login.userid.empty());
    BOOST_TEST(login.password.empty());
    neo::login_request by_mpin{.mpin = "123456"};
    BOOST_TEST(by_mpin.mobilenumber.empty());
    neo::second_factor otp{.otp = "4321"};
    BOOST_TEST(otp.mpin.empty());
    neo::second_factor mpin{.pan = "AVRFT7865T"};
    BOOST_TEST(mpin.otp.empty());
    neo::totp_login_request totp{.ucc = "TESTYA24"};
    BOOST_TEST(totp.totp.empty());
    neo::password_recipe pr{.mpin = "123456"};
    BOOST_TEST(pr.generate_otp);
    BOOST_TEST(!pr.otp);
    neo::totp_recipe tr{.mpin = "123456"};
    BOOST_TEST(!tr.totp_source);
    neo::session_manager_options smo{.session_file = "x"};
    BOOST_TEST(smo.renew_margin.count() == 300);
}

BOOST_AUTO_TEST_CASE(params_and_policies) {
    neo::client_params p{.consumer_key = "k"};
    BOOST_TEST(p.max_in_flight == 4u);
    BOOST_TEST(p.keep_alive);
    BOOST_TEST(!p.random);
    neo::client_params last{.on_backoff = nullptr};
    BOOST_TEST(last.consumer_key.empty());
    neo::timeouts t{.connect = std::chrono::milliseconds(5)};
    BOOST_TEST(t.resolve.count() == 10000);
    neo::response_limits l{.body_bytes = 10};
    BOOST_TEST(l.header_bytes == 16u * 1024u);
    neo::retry_policy r{.max_attempts = 2};
    BOOST_TEST(r.budget.enabled);
    neo::retry_budget b{.capacity = 3};
    BOOST_TEST(b.retry_cost == 1.0);
    neo::logger lg{.level = neo::log_level::info};
    BOOST_TEST(!lg.sink);
    neo::endpoint ep{.host = "h"};
    BOOST_TEST(ep.port == "443");
    neo::gateway g{.logout = ep};
    BOOST_TEST(g.login.host.empty());
}

BOOST_AUTO_TEST_CASE(results) {
    neo::diagnostics d{.attempts = 2};
    BOOST_TEST(d.history.empty());
    neo::attempt_record a{.step = "login"};
    BOOST_TEST(a.number == 0);
    neo::session s{.sid = "s"};
    BOOST_TEST(s.token.empty());
    BOOST_TEST(!s.claims);
    neo::session_caches c{.watchlist = "w"};
    BOOST_TEST(c.last_updated_ts.empty());
    neo::token_claims tc{.exp = 1};
    BOOST_TEST(tc.sub.empty());
}

BOOST_AUTO_TEST_CASE(mock_gateway_types) {
    neo::mock::answer an{.status = 503};
    BOOST_TEST(!an.body);
    neo::mock::fixture fx{.ucc = "X"};
    BOOST_TEST(fx.mpin == "123456");
    neo::mock::recorded_request rr{.target = "/"};
    BOOST_TEST(rr.status == 0u);
    neo::mock::gateway_params gp{.rate_limit = 1};
    BOOST_TEST(gp.address == "127.0.0.1");
    neo::mock::certificate_pem pem{.certificate = "c"};
    BOOST_TEST(pem.private_key.empty());
    neo::mock::certificate_options co{.common_name = "n"};
    BOOST_TEST(co.dns_names.size() == 1u);
    neo::mock::scenario sc{.login = {an}};
    BOOST_TEST(sc.app_token.empty());
}

BOOST_AUTO_TEST_SUITE_END()
