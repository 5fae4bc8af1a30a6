// Redaction, step by step: for each step of both generations and each secret that step knows,
// the server echoes that secret back in its error message, in its server code, and in a header
// the library reports (the Content-Type of a non-JSON error body, which reaches `detail`). Each
// time the diagnostics show `***` where the secret was, and neither they, nor any log line (trace
// level), nor ec.message() hold the secret. One row per line of the library that registers a
// secret: dropping any one of them fails its row.
#include "fixture.hpp"

#include <neo/mock/proxy.hpp>
#include <neo/totp.hpp>

#include <functional>
#include <string>

using namespace neo_test;
using neo::mock::route;

namespace {

enum class echo_in { message, code, content_type };
const char* to_string(echo_in w) {
    switch (w) {
        case echo_in::message:
            return "message";
        case echo_in::code:
            return "code";
        case echo_in::content_type:
            return "content-type";
    }
    return "?";
}

// A 400 that carries `s` where `w` says.
neo::mock::answer echoing(echo_in w, const std::string& s) {
    neo::mock::answer a;
    a.status = 400;
    switch (w) {
        case echo_in::message:
            a.body = R"({"error":[{"code":"10400","message":"rejected )" + s + R"( for you"}]})";
            break;
        case echo_in::code:
            a.body = R"({"error":[{"code":")" + s + R"(","message":"rejected"}]})";
            break;
        case echo_in::content_type:
            a.headers = {{"Content-Type", "text/plain; note=" + s}};
            a.body = "not json";
            break;
    }
    return a;
}

// What the row's steps have before the step under test: sessions made without a script.
struct before {
    neo::session view, trade, view2;
    neo::totp_login_request totp;  // made once: the code echoed is the code sent
};

struct row {
    const char* name;
    // The secret, once the sessions before exist (some are tokens the mock issued).
    std::function<std::string(const before&, const fixture&)> secret;
    route scripted;
    // Runs the step under test (nothrow), with `d` filled.
    std::function<asio::awaitable<boost::system::error_code>(neo::client&, const before&, neo::diagnostics&)> step;
    bool needs_gen1_sessions = false;
    bool needs_gen2_view = false;
    bool through_proxy = false;
};

const neo::mock::fixture fx{};

neo::totp_login_request totp_request() {
    return {.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp = neo::totp(fx.totp_secret).code()};
}

neo::login_request mpin_login() {
    return {.mobilenumber = "9999999908", .mpin = fx.mpin};
}

// Second factors made here, never braced inside a co_await (GCC 12 miscompiles those).
neo::second_factor otp_factor() {
    neo::second_factor f;
    f.otp = fx.otp;
    return f;
}
neo::second_factor mpin_factor() {
    neo::second_factor f;
    f.mpin = fx.mpin;
    f.mobilenumber = "9999999908";
    return f;
}

// The Bearer of the newest request the mock saw.
std::string last_bearer(const fixture& f) {
    const auto reqs = f.mock.requests();
    for (auto it = reqs.rbegin(); it != reqs.rend(); ++it) {
        const auto auth = it->header("Authorization");
        if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
    }
    return {};
}

using step_result = asio::awaitable<boost::system::error_code>;

// The steps under test, each with what the row's sessions before made (nothrow, `d` filled).
step_result password_login(neo::client& c, const before&, neo::diagnostics& d) {
    auto [ec, s] = co_await c.async_login(good_request(), d, nothrow);
    co_return ec;
}
step_result mpin_login_step(neo::client& c, const before&, neo::diagnostics& d) {
    auto [ec, s] = co_await c.async_login(mpin_login(), d, nothrow);
    co_return ec;
}
step_result otp_generation(neo::client& c, const before& b, neo::diagnostics& d) {
    auto [ec] = co_await c.async_generate_otp(b.view, d, nothrow);
    co_return ec;
}
step_result otp_second_factor(neo::client& c, const before& b, neo::diagnostics& d) {
    auto [ec, s] = co_await c.async_session_2fa(b.view, otp_factor(), d, nothrow);
    co_return ec;
}
step_result mpin_second_factor(neo::client& c, const before& b, neo::diagnostics& d) {
    auto [ec, s] = co_await c.async_session_2fa(b.view2, mpin_factor(), d, nothrow);
    co_return ec;
}
step_result logout(neo::client& c, const before& b, neo::diagnostics& d) {
    auto [ec] = co_await c.async_logout(b.trade, d, nothrow);
    co_return ec;
}
step_result totp_login(neo::client& c, const before& b, neo::diagnostics& d) {
    auto [ec, s] = co_await c.async_totp_login(b.totp, d, nothrow);
    co_return ec;
}
step_result totp_validation(neo::client& c, const before& b, neo::diagnostics& d) {
    auto [ec, s] = co_await c.async_totp_validate(b.view, neo::secret{fx.mpin}, d, nothrow);
    co_return ec;
}

// A secret known before the run.
auto known(std::string s) {
    return [s](const before&, const fixture&) { return s; };
}

std::vector<row> rows() {
    const auto view_token = [](const before& b, const fixture&) { return b.view.token; };
    return {
        {"password (login)", known(fx.password), route::login, password_login},
        {"MPIN (login)", known(fx.mpin), route::login, mpin_login_step},
        {"consumer secret (app token)", known(fx.consumer_secret), route::app_token, password_login},
        {"bearer (cached app token, login)", [](const before&, const fixture& f) { return last_bearer(f); },
         route::login, password_login, true},
        {"proxy password (login)", known("proxy-pass-7731"), route::login, password_login, false, false, true},
        // The Basic credentials as sent, base64 (written out here: not computed with our code).
        {"proxy credentials in base64 (login)", known("ZGVzazpwcm94eS1wYXNzLTc3MzE="), route::login, password_login,
         false, false, true},
        {"consumer key and secret in base64 (app token)", known("bW9jay1jb25zdW1lci1rZXk6bW9jay1jb25zdW1lci1zZWNyZXQ="),
         route::app_token, password_login},
        {"view token (OTP generation)", view_token, route::otp_generate, otp_generation, true},
        {"OTP (second factor)", known(fx.otp), route::second_factor, otp_second_factor, true},
        {"view token (second factor)", view_token, route::second_factor, otp_second_factor, true},
        {"MPIN (second factor)", known(fx.mpin), route::second_factor, mpin_second_factor, true},
        {"trade token (logout)", [](const before& b, const fixture&) { return b.trade.token; }, route::logout, logout,
         true},
        {"TOTP code (TOTP login)", [](const before& b, const fixture&) { return std::string(b.totp.totp.reveal()); },
         route::totp_login, totp_login},
        {"MPIN (TOTP validation)", known(fx.mpin), route::totp_validate, totp_validation, false, true},
        {"view token (TOTP validation)", view_token, route::totp_validate, totp_validation, false, true},
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(redaction)

BOOST_AUTO_TEST_CASE(every_step_hides_every_secret_it_knows_wherever_the_server_echoes_it) {
    for (const auto& r : rows()) {
        for (auto w : {echo_in::message, echo_in::code, echo_in::content_type}) {
            BOOST_TEST_CONTEXT(r.name << ", echoed in the " << to_string(w)) {
                fixture f;
                std::optional<neo::mock::proxy> proxy;
                auto p = f.params();
                if (r.through_proxy) {
                    proxy.emplace(f.io.get_executor());
                    p.proxy.origin = proxy->origin();
                    p.proxy.user = "desk";
                    p.proxy.password = "proxy-pass-7731";
                }
                neo::client c{f.io, p};
                before b;
                std::string s;
                boost::system::error_code ec;
                neo::diagnostics d;
                f.run_coro([&]() -> asio::awaitable<void> {
                    if (r.needs_gen1_sessions) {
                        b.view = co_await c.async_login(good_request());
                        co_await c.async_generate_otp(b.view);
                        b.trade = co_await c.async_session_2fa(b.view, otp_factor());
                        b.view2 = co_await c.async_login(good_request());
                        b.view = co_await c.async_login(good_request());
                        co_await c.async_generate_otp(b.view);
                    }
                    if (r.needs_gen2_view) b.view = co_await c.async_totp_login(totp_request());
                    b.totp = totp_request();
                    s = r.secret(b, f);
                    f.mock.script(r.scripted, {echoing(w, s)});
                    ec = co_await r.step(c, b, d);
                    if (proxy) proxy->stop();
                });
                capture_outcome(ec, d);
                BOOST_REQUIRE(!s.empty());
                BOOST_TEST(ec == make_error_code(neo::errc::bad_request), ec.message());
                BOOST_TEST(f.mock.request_count(r.scripted) >= 1u);
                const std::string& shown = w == echo_in::message ? d.server_message
                                           : w == echo_in::code  ? d.server_code
                                                                 : d.detail;
                BOOST_TEST(shown.find("***") != std::string::npos, shown);
                for (const std::string* t : {&d.server_message, &d.server_code, &d.detail})
                    BOOST_TEST(!holds_secret(*t, s), *t);
                BOOST_TEST(!holds_secret(ec.message(), s));
                BOOST_TEST(!f.log_lines.empty());
                BOOST_TEST(f.log_free_of_secret(s));
            }
        }
    }
}

// A success line carries the server's words too: a UCC that holds a secret is logged as ***.
BOOST_AUTO_TEST_CASE(the_success_line_is_redacted_too) {
    neo::mock::gateway_params mp;
    mp.fixture.ucc = mp.fixture.password;  // a gateway that answers the password as the UCC
    fixture f{mp};
    neo::client c{f.io, f.params()};
    auto r = f.login(c);
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(!f.log_free_of("logged in for ***"));
    BOOST_TEST(f.log_free_of_secret(mp.fixture.password));
}

BOOST_AUTO_TEST_SUITE_END()
