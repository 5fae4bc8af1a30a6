// The rest of the login family against the stateful mock: OTP generation, the second factor,
// logout (generation 1) and the TOTP login with MPIN validation (generation 2), over real TLS.
#include "fixture.hpp"

#include <neo/totp.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

using namespace neo_test;
using neo::errc;
using neo::mock::route;
namespace json = boost::json;

namespace {


neo::second_factor otp(const char* code) {
    neo::second_factor f;
    f.otp = code;
    return f;
}

neo::totp_login_request totp_request(std::chrono::system_clock::time_point at = std::chrono::system_clock::now()) {
    neo::totp_login_request r;
    r.mobilenumber = "9999999908";
    r.ucc = "TESTYA24";
    r.totp = neo::totp(neo::mock::fixture{}.totp_secret).code(at);
    return r;
}

const neo::mock::recorded_request& last(const std::vector<neo::mock::recorded_request>& reqs, route r) {
    for (auto it = reqs.rbegin(); it != reqs.rend(); ++it)
        if (it->route == r) return *it;
    throw std::runtime_error("no such request");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(generation1)

BOOST_FIXTURE_TEST_CASE(otp_flow_gives_a_trade_session_and_logout_ends_it, fixture) {
    neo::client c{io, params()};
    neo::session view, trade;
    run_coro([&]() -> asio::awaitable<void> {
        view = co_await c.async_login(good_request());
        co_await c.async_generate_otp(view);
        trade = co_await c.async_session_2fa(view, otp("4321"));
        BOOST_TEST(mock.live_sessions() == 2u);
        co_await c.async_logout(trade);
    });
    BOOST_REQUIRE(trade.claims);
    BOOST_TEST(trade.claims->scope.at(0) == "Trade");
    BOOST_TEST(trade.sid != view.sid);
    BOOST_TEST(trade.token != view.token);
    BOOST_TEST(trade.hs_server_id == "server1");
    BOOST_TEST(mock.live_sessions() == 1u);     // the view session; the trade one is gone
    BOOST_TEST(count(route::app_token) == 1u);  // cached across the steps

    const auto reqs = mock.requests();
    const auto& gen = last(reqs, route::otp_generate);
    BOOST_TEST(gen.target == "/login/1.0/login/otp/generate");
    BOOST_TEST(gen.header("Authorization").rfind("Bearer ey", 0) == 0u);
    // userId is the token's sub, which is not the UCC.
    const std::string sub = neo::mock::fixture{}.sub;
    BOOST_TEST(sub != neo::mock::fixture{}.ucc);
    BOOST_TEST(json::parse(gen.body) == (json::object{{"userId", sub}, {"sendEmail", true}, {"isWhitelisted", true}}));
    const auto& f = last(reqs, route::second_factor);
    BOOST_TEST(f.target == "/login/1.0/login/v2/validate");
    BOOST_TEST(f.header("sid") == view.sid);
    BOOST_TEST(f.header("Auth") == view.token);
    BOOST_TEST(f.header("Authorization").rfind("Bearer ey", 0) == 0u);
    BOOST_TEST(json::parse(f.body) == (json::object{{"userId", sub}, {"otp", "4321"}}));
    const auto& out = last(reqs, route::logout);
    BOOST_TEST(out.target == "/login/1.0/logout");
    BOOST_TEST(out.header("Sid") == trade.sid);
    BOOST_TEST(out.header("Auth") == trade.token);
    BOOST_TEST(out.header("Content-Type") == "application/x-www-form-urlencoded");
    BOOST_TEST(out.body.empty());
    BOOST_TEST(out.status == 200u);
    for (const auto* s : {"4321", "mock-password", view.token.c_str(), trade.token.c_str()})
        BOOST_TEST(log_free_of(s), "a log line holds a secret");
}

BOOST_FIXTURE_TEST_CASE(uat_paths_for_every_step, fixture) {
    auto p = params();
    p.gateway = neo::gateway::from_origin(mock.origin(), neo::environment::uat);
    neo::client c{io, p};
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        co_await c.async_generate_otp(view);
        auto trade = co_await c.async_session_2fa(view, otp("4321"));
        co_await c.async_logout(trade);
    });
    const auto reqs = mock.requests();
    BOOST_TEST(last(reqs, route::otp_generate).target == "/api/1.0/login/otp/generate");
    BOOST_TEST(last(reqs, route::second_factor).target == "/api/1.0/login/v2/validate");
    BOOST_TEST(last(reqs, route::logout).target == "/api/1.0/logout");
}

// The SDK's shapes: a PAN (or mobile) login's MPIN goes with that identity; after a user-id
// login the MPIN goes as "otp" for the token's sub, never as {"userid","mpin"}.
BOOST_FIXTURE_TEST_CASE(mpin_second_factor_sends_the_sdks_shape_for_each_identity, fixture) {
    neo::client c{io, params()};
    std::vector<neo::session> trades;
    std::vector<json::value> bodies;
    run_coro([&]() -> asio::awaitable<void> {
        for (const bool by_pan : {true, false}) {
            neo::login_request r{.password = "mock-password"};
            neo::second_factor f{.mpin = "123456"};
            if (by_pan)
                r.pan = f.pan = "avrft7865t";
            else
                r.userid = f.userid = "testuser";
            auto view = co_await c.async_login(r);
            trades.push_back(co_await c.async_session_2fa(view, f));
            bodies.push_back(json::parse(last(mock.requests(), route::second_factor).body));
        }
    });
    BOOST_REQUIRE(trades.size() == 2u);
    for (const auto& t : trades) BOOST_TEST(t.claims->scope.at(0) == "Trade");
    BOOST_TEST(bodies[0] == json::parse(R"({"pan":"AVRFT7865T","mpin":"123456"})"));
    BOOST_TEST(bodies[1] == (json::object{{"userId", neo::mock::fixture{}.sub}, {"otp", "123456"}}));
    BOOST_TEST(log_free_of("123456"));
}

BOOST_FIXTURE_TEST_CASE(otp_without_generation_or_wrong_is_unauthorized_and_not_retried, fixture) {
    neo::client c{io, params()};
    neo::diagnostics d1, d2;
    boost::system::error_code e1, e2;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        std::tie(e1, std::ignore) = co_await c.async_session_2fa(view, otp("4321"), d1, nothrow);
        co_await c.async_generate_otp(view);
        std::tie(e2, std::ignore) = co_await c.async_session_2fa(view, otp("1111"), d2, nothrow);
    });
    BOOST_TEST(e1 == errc::unauthorized);
    BOOST_TEST(e2 == errc::unauthorized);
    BOOST_TEST(d1.attempts == 1);
    BOOST_TEST(d2.attempts == 1);
    BOOST_TEST(d2.server_code == "10200");
    BOOST_TEST(count(route::second_factor) == 2u);
    BOOST_TEST(log_free_of("1111"));
}

BOOST_FIXTURE_TEST_CASE(otp_is_good_for_one_use, fixture) {
    neo::client c{io, params()};
    boost::system::error_code e2;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        co_await c.async_generate_otp(view);
        co_await c.async_session_2fa(view, otp("4321"));
        std::tie(e2, std::ignore) = co_await c.async_session_2fa(view, otp("4321"), nothrow);
    });
    BOOST_TEST(e2 == errc::unauthorized);
}

BOOST_FIXTURE_TEST_CASE(forged_or_logged_out_sessions_are_refused, fixture) {
    neo::client c{io, params()};
    boost::system::error_code forged, again;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        auto fake = view;
        fake.sid = "00000000-0000-4000-8000-000000000000";
        std::tie(forged, std::ignore) = co_await c.async_session_2fa(fake, otp("4321"), nothrow);
        co_await c.async_generate_otp(view);
        auto trade = co_await c.async_session_2fa(view, otp("4321"));
        co_await c.async_logout(trade);
        std::tie(again) = co_await c.async_logout(trade, nothrow);
    });
    BOOST_TEST(forged == errc::unauthorized);
    BOOST_TEST(again == errc::unauthorized);
}

BOOST_FIXTURE_TEST_CASE(bad_input_is_refused_before_anything_is_sent, fixture) {
    neo::client c{io, params()};
    neo::session view;
    view.token = "x.y.z";
    view.sid = "sid";
    view.claims = neo::token_claims{.sub = "TESTYA24"};
    neo::session no_sid = view;
    no_sid.sid.clear();
    neo::session no_sub = view;
    no_sub.claims.reset();
    std::vector<boost::system::error_code> got;
    run_coro([&]() -> asio::awaitable<void> {
        auto add = [&](auto r) { got.push_back(std::get<0>(r)); };
        add(co_await c.async_session_2fa(view, otp("12"), nothrow));
        neo::second_factor both = otp("1234");
        both.mpin = "123456";
        add(co_await c.async_session_2fa(view, both, nothrow));
        add(co_await c.async_session_2fa(view, neo::second_factor{}, nothrow));
        neo::second_factor mpin_only;
        mpin_only.mpin = "123456";  // no identity
        add(co_await c.async_session_2fa(view, mpin_only, nothrow));
        add(co_await c.async_session_2fa(no_sid, otp("1234"), nothrow));
        add(co_await c.async_generate_otp(no_sub, nothrow));
        add(co_await c.async_logout(no_sid, nothrow));
        neo::totp_login_request t = totp_request();
        t.ucc = "TEST YA";
        add(co_await c.async_totp_login(t, nothrow));
        t = totp_request();
        t.totp = "12345";
        add(co_await c.async_totp_login(t, nothrow));
        add(co_await c.async_totp_validate(view, "12345", nothrow));
    });
    const std::vector<boost::system::error_code> want = {errc::invalid_otp,      errc::several_second_factors,
                                                         errc::no_second_factor, errc::no_identity,
                                                         errc::invalid_session,  errc::invalid_session,
                                                         errc::invalid_session,  errc::invalid_ucc,
                                                         errc::invalid_totp,     errc::invalid_mpin};
    BOOST_TEST(got == want, boost::test_tools::per_element());
    for (auto& e : got) BOOST_TEST((e == neo::condition::invalid_input));
    BOOST_TEST(mock.connections() == 0u);
}

BOOST_FIXTURE_TEST_CASE(second_factor_retries_503_and_answer_without_data_is_typed, fixture) {
    neo::client c{io, params()};
    mock.script(route::second_factor, {{.status = 503}});
    mock.script(route::otp_generate, {{.status = 502}});
    neo::diagnostics d;
    boost::system::error_code empty_answer;
    neo::session trade;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        co_await c.async_generate_otp(view);
        trade = co_await c.async_session_2fa(view, otp("4321"), d);
        mock.script(route::second_factor, {{.status = 200, .body = std::string("{}")}});
        std::tie(empty_answer, std::ignore) = co_await c.async_session_2fa(view, otp("4321"), nothrow);
    });
    BOOST_TEST(!trade.token.empty());
    BOOST_TEST(d.attempts == 2);
    BOOST_TEST(d.history.at(0).http_status == 503u);
    BOOST_TEST(d.history.at(0).step == "second_factor");
    BOOST_TEST(count(route::otp_generate) == 2u);
    BOOST_TEST(empty_answer == errc::missing_fields);
}

BOOST_FIXTURE_TEST_CASE(cancelling_a_stalled_second_factor, fixture) {
    neo::client c{io, params()};
    mock.script(route::second_factor, {{.action = neo::mock::fault::stall}});
    asio::cancellation_signal sig;
    boost::system::error_code ec;
    std::chrono::milliseconds took{};
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        asio::steady_timer t(io, 100ms);
        t.async_wait([&](auto) { sig.emit(asio::cancellation_type::terminal); });
        const auto t0 = steady::now();
        std::tie(ec, std::ignore) =
            co_await c.async_session_2fa(view, otp("4321"), asio::bind_cancellation_slot(sig.slot(), nothrow));
        took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
    });
    BOOST_TEST((ec == asio::error::operation_aborted));
    BOOST_TEST(took.count() < 2000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generation2)

BOOST_FIXTURE_TEST_CASE(totp_login_and_mpin_validate, fixture) {
    neo::client c{io, params()};
    neo::session view, trade;
    run_coro([&]() -> asio::awaitable<void> {
        view = co_await c.async_totp_login(totp_request());
        trade = co_await c.async_totp_validate(view, "123456");
    });
    BOOST_TEST(view.k_type == "View");
    BOOST_TEST(trade.k_type == "Trade");
    BOOST_TEST(trade.base_url == mock.origin());
    BOOST_TEST(trade.data_center == "mock");
    BOOST_TEST(trade.claims->scope.at(0) == "Trade");
    BOOST_TEST(count(route::app_token) == 0u);  // no OAuth2 in generation 2

    const auto reqs = mock.requests();
    const auto& l = last(reqs, route::totp_login);
    BOOST_TEST(l.target == "/login/1.0/tradeApiLogin");
    BOOST_TEST(l.header("Authorization") == "mock-consumer-key");
    BOOST_TEST(l.header("neo-fin-key") == "neotradeapi");
    BOOST_TEST(l.header("Content-Type") == "application/json");
    const auto body = json::parse(l.body).as_object();
    BOOST_TEST(body.at("mobileNumber") == "+919999999908");
    BOOST_TEST(body.at("ucc") == "TESTYA24");
    BOOST_TEST(body.at("totp").as_string().size() == 6u);
    const auto& v = last(reqs, route::totp_validate);
    BOOST_TEST(v.target == "/login/1.0/tradeApiValidate");
    BOOST_TEST(v.header("Authorization") == "mock-consumer-key");
    BOOST_TEST(v.header("neo-fin-key") == "neotradeapi");
    BOOST_TEST(v.header("sid") == view.sid);
    BOOST_TEST(v.header("Auth") == view.token);
    BOOST_TEST(json::parse(v.body) == json::parse(R"({"mpin":"123456"})"));
    BOOST_TEST(log_free_of("123456"));
    BOOST_TEST(log_free_of(std::string(body.at("totp").as_string())));
}

BOOST_FIXTURE_TEST_CASE(totp_login_with_the_three_values_apart, fixture) {
    neo::client c{io, params()};
    const auto code = neo::totp(neo::secret(neo::mock::fixture{}.totp_secret)).code();
    neo::session trade;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_totp_login("9999999908", "TESTYA24", code);
        neo::diagnostics d;
        auto [ec, bad] = co_await c.async_totp_login("9999999908", "TESTYA24", neo::secret("12"), d, nothrow);
        BOOST_TEST(ec == errc::invalid_totp);
        trade = co_await c.async_totp_validate(view, "123456");
    });
    BOOST_TEST(trade.k_type == "Trade");
}

BOOST_FIXTURE_TEST_CASE(one_step_of_clock_skew_is_allowed_two_are_not, fixture) {
    neo::client c{io, params()};
    const auto now = std::chrono::system_clock::now();
    boost::system::error_code behind, ahead, too_far;
    neo::diagnostics d;
    run_coro([&]() -> asio::awaitable<void> {
        std::tie(behind, std::ignore) = co_await c.async_totp_login(totp_request(now - 30s), nothrow);
        std::tie(ahead, std::ignore) = co_await c.async_totp_login(totp_request(now + 30s), nothrow);
        std::tie(too_far, std::ignore) = co_await c.async_totp_login(totp_request(now - 95s), d, nothrow);
    });
    BOOST_TEST(!behind);
    BOOST_TEST(!ahead);
    BOOST_TEST(too_far == errc::unauthorized);
    BOOST_TEST(d.server_message == "Invalid credentials or TOTP.");
    BOOST_TEST(d.server_code == "401");
}

BOOST_FIXTURE_TEST_CASE(errors_inside_http_200_are_typed_and_not_retried, fixture) {
    neo::client c{io, params()};
    neo::diagnostics ucc_diag, mpin_diag;
    boost::system::error_code bad_ucc, bad_mpin;
    run_coro([&]() -> asio::awaitable<void> {
        auto r = totp_request();
        r.ucc = "OTHER1";
        std::tie(bad_ucc, std::ignore) = co_await c.async_totp_login(r, ucc_diag, nothrow);
        auto view = co_await c.async_totp_login(totp_request());
        std::tie(bad_mpin, std::ignore) = co_await c.async_totp_validate(view, "654321", mpin_diag, nothrow);
    });
    BOOST_TEST(bad_ucc == errc::rejected);
    BOOST_TEST(ucc_diag.http_status == 200u);
    BOOST_TEST(ucc_diag.server_code == "429");
    BOOST_TEST(ucc_diag.server_message == "Invalid UCC");
    BOOST_TEST(ucc_diag.attempts == 1);
    BOOST_TEST(bad_mpin == errc::rejected);
    BOOST_TEST(mpin_diag.server_code == "401");
    BOOST_TEST(mpin_diag.server_message == "Invalid MPIN");
    BOOST_TEST(mpin_diag.attempts == 1);
}

BOOST_FIXTURE_TEST_CASE(wrong_consumer_key_or_fin_key_is_unauthorized, fixture) {
    auto p = params();
    p.consumer_key = "someone-else";
    neo::client wrong_key{io, p};
    p = params();
    p.neo_fin_key = "other";
    neo::client wrong_fin{io, p};
    p = params();
    p.consumer_key.clear();
    neo::client no_key{io, p};
    boost::system::error_code e1, e2, e3;
    run_coro([&]() -> asio::awaitable<void> {
        std::tie(e1, std::ignore) = co_await wrong_key.async_totp_login(totp_request(), nothrow);
        std::tie(e2, std::ignore) = co_await wrong_fin.async_totp_login(totp_request(), nothrow);
        std::tie(e3, std::ignore) = co_await no_key.async_totp_login(totp_request(), nothrow);
    });
    BOOST_TEST(e1 == errc::unauthorized);
    BOOST_TEST(e2 == errc::unauthorized);
    BOOST_TEST(e3 == errc::missing_credentials);
    BOOST_TEST(count(route::totp_login) == 2u);
}

BOOST_FIXTURE_TEST_CASE(validate_needs_a_live_view_session, fixture) {
    neo::client c{io, params()};
    boost::system::error_code forged;
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_totp_login(totp_request());
        view.token = "a.b.c";
        std::tie(forged, std::ignore) = co_await c.async_totp_validate(view, "123456", nothrow);
    });
    BOOST_TEST(forged == errc::unauthorized);
}

BOOST_FIXTURE_TEST_CASE(totp_login_retries_429_with_retry_after, fixture) {
    neo::client c{io, params()};
    mock.script(route::totp_login, {{.status = 429, .headers = {{"Retry-After", "1"}}}});
    neo::diagnostics d;
    run_coro([&]() -> asio::awaitable<void> { co_await c.async_totp_login(totp_request(), d); });
    BOOST_TEST(d.attempts == 2);
    BOOST_REQUIRE(d.retry_after);
    BOOST_TEST(d.retry_after->count() == 1);
    BOOST_TEST(waits.at(0).count() == 1000);
}

BOOST_AUTO_TEST_SUITE_END()
