// The mock's contract as a function, without TLS: each endpoint of both generations, the session
// state it keeps, and the error shapes of protocol.md.
#include "contract/contract.hpp"
#include "contract/tokens.hpp"
#include "contract/totp_check.hpp"

#include <neo/totp.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

namespace http = boost::beast::http;
namespace json = boost::json;
using neo::mock::route;
using namespace neo::mock::contract;

namespace {

struct parties {
    neo::mock::gateway_params params;
    backend b{params};

    request_t post(std::string target, std::string auth, json::object body) const {
        request_t req{http::verb::post, target, 11};
        req.set(http::field::authorization, auth);
        req.set(http::field::content_type, "application/json");
        req.body() = json::serialize(body);
        req.prepare_payload();
        return req;
    }
    std::string app_token() {
        const auto& fx = params.fixture;
        auto res = answer(post("/oauth2/token", basic_credentials(fx.consumer_key, fx.consumer_secret),
                               {{"grant_type", "client_credentials"}}),
                          route::app_token, b);
        BOOST_REQUIRE_EQUAL(res.result_int(), 200u);
        return std::string(json::parse(res.body()).at("access_token").as_string());
    }
    static json::object data(const response_t& res) { return json::parse(res.body()).at("data").as_object(); }
    static std::string first_code(const response_t& res) {
        return std::string(json::parse(res.body()).at("error").at(0).at("code").as_string());
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_contract)

BOOST_AUTO_TEST_CASE(routes_by_path_and_by_what_the_second_factor_carries) {
    parties p;
    BOOST_TEST((route_of(p.post("/oauth2/token", "", {})) == route::app_token));
    BOOST_TEST((route_of(p.post("/login/1.0/login/v2/validate", "", {{"password", "x"}})) == route::login));
    BOOST_TEST((route_of(p.post("/login/1.0/login/v2/validate", "", {{"otp", "1234"}})) == route::second_factor));
    BOOST_TEST((route_of(p.post("/api/1.0/logout", "", {})) == route::logout));
    BOOST_TEST((route_of(p.post("/login/1.0/tradeApiValidate", "", {})) == route::totp_validate));
    BOOST_TEST((route_of(p.post("/nowhere", "", {})) == route::unknown));
}

BOOST_AUTO_TEST_CASE(generation_1_from_app_token_to_logout) {
    parties p;
    const auto& fx = p.params.fixture;
    const std::string bearer = "Bearer " + p.app_token();
    auto bad = answer(
        p.post("/login/1.0/login/v2/validate", bearer, {{"mobileNumber", fx.mobile_number}, {"password", "wrong"}}),
        route::login, p.b);
    BOOST_TEST(bad.result_int() == 401u);
    BOOST_TEST(parties::first_code(bad) == "10200");
    auto view = answer(
        p.post("/login/1.0/login/v2/validate", bearer, {{"mobileNumber", fx.mobile_number}, {"password", fx.password}}),
        route::login, p.b);
    BOOST_REQUIRE_EQUAL(view.result_int(), 200u);
    const auto vd = parties::data(view);
    BOOST_TEST(p.b.live_sessions() == 1u);

    auto gen = answer(p.post("/login/1.0/login/otp/generate", bearer, {{"userId", fx.sub}}), route::otp_generate, p.b);
    BOOST_TEST(gen.result_int() == 200u);
    auto factor = p.post("/login/1.0/login/v2/validate", bearer, {{"userId", fx.sub}, {"otp", fx.otp}});
    auto unpaired = answer(factor, route::second_factor, p.b);
    BOOST_TEST(unpaired.result_int() == 400u);  // no sid/Auth
    BOOST_TEST(parties::first_code(unpaired) == "10512");
    factor.set("sid", std::string(vd.at("sid").as_string()));
    factor.set("Auth", std::string(vd.at("token").as_string()));
    auto trade = answer(factor, route::second_factor, p.b);
    BOOST_REQUIRE_EQUAL(trade.result_int(), 200u);
    BOOST_TEST(answer(factor, route::second_factor, p.b).result_int() == 401u);  // an OTP is used once
    const auto td = parties::data(trade);
    BOOST_TEST(p.b.live_sessions() == 2u);

    auto out = p.post("/login/1.0/logout", bearer, {});
    out.set(http::field::content_type, "application/x-www-form-urlencoded");
    out.set("Sid", std::string(td.at("sid").as_string()));
    out.set("Auth", std::string(td.at("token").as_string()));
    BOOST_TEST(answer(out, route::logout, p.b).result_int() == 200u);
    BOOST_TEST(p.b.live_sessions() == 1u);
    BOOST_TEST(answer(out, route::logout, p.b).result_int() == 401u);  // gone
    BOOST_TEST(p.b.issued_tokens().size() == 3u);                      // app, view, trade
}

// An OTP belongs to the view session it was sent for (the newest one issued under the Bearer of
// the generation request), under that same Bearer, once.
BOOST_AUTO_TEST_CASE(an_otp_is_good_only_with_the_view_session_and_bearer_it_was_sent_for) {
    parties p;
    const auto& fx = p.params.fixture;
    const std::string bearer = "Bearer " + p.app_token(), other_bearer = "Bearer " + p.app_token();
    auto login = [&](const std::string& b) {
        auto res = answer(p.post("/login/1.0/login/v2/validate", b,
                                 {{"mobileNumber", fx.mobile_number}, {"password", fx.password}}),
                          route::login, p.b);
        BOOST_REQUIRE_EQUAL(res.result_int(), 200u);
        return parties::data(res);
    };
    const auto older = login(bearer), newer = login(bearer), elsewhere = login(other_bearer);
    auto gen = answer(p.post("/login/1.0/login/otp/generate", bearer, {{"userId", fx.sub}}), route::otp_generate, p.b);
    BOOST_REQUIRE_EQUAL(gen.result_int(), 200u);
    auto factor = [&](const json::object& view, const std::string& b) {
        auto req = p.post("/login/1.0/login/v2/validate", b, {{"userId", fx.sub}, {"otp", fx.otp}});
        req.set("sid", view.at("sid").as_string());
        req.set("Auth", view.at("token").as_string());
        return answer(req, route::second_factor, p.b);
    };
    BOOST_TEST(factor(older, bearer).result_int() == 401u);            // another view session's sid
    BOOST_TEST(factor(elsewhere, other_bearer).result_int() == 401u);  // its Bearer asked for none
    BOOST_TEST(factor(newer, other_bearer).result_int() == 401u);      // the right session, another Bearer
    BOOST_TEST(factor(newer, bearer).result_int() == 200u);            // the session it was sent for
    BOOST_TEST(factor(newer, bearer).result_int() == 401u);            // once
    auto refused = factor(older, bearer);
    BOOST_TEST(parties::first_code(refused) == "10200");
}

BOOST_AUTO_TEST_CASE(generation_2_totp_and_mpin) {
    parties p;
    const auto& fx = p.params.fixture;
    auto login = [&](std::string code) {
        auto req = p.post("/login/1.0/tradeApiLogin", fx.consumer_key,
                          {{"mobileNumber", fx.mobile_number}, {"ucc", fx.ucc}, {"totp", code}});
        req.set("neo-fin-key", fx.neo_fin_key);
        return answer(req, route::totp_login, p.b);
    };
    BOOST_TEST(login("000000").result_int() == 401u);
    auto gen = neo::totp::from_base32(neo::secret(fx.totp_secret));
    BOOST_REQUIRE(gen);
    auto view = login(std::string(gen->code(p.b.clock_now()).reveal()));
    BOOST_REQUIRE_EQUAL(view.result_int(), 200u);
    const auto vd = parties::data(view);
    BOOST_TEST(vd.at("kType").as_string() == "View");
    auto validate = p.post("/login/1.0/tradeApiValidate", fx.consumer_key, {{"mpin", "654321"}});
    validate.set("neo-fin-key", fx.neo_fin_key);
    validate.set("sid", std::string(vd.at("sid").as_string()));
    validate.set("Auth", std::string(vd.at("token").as_string()));
    auto wrong = answer(validate, route::totp_validate, p.b);
    BOOST_TEST(wrong.result_int() == 200u);  // the failure inside a 200
    BOOST_TEST(json::parse(wrong.body()).at("stCode").as_int64() == 401);
    validate.body() = json::serialize(json::object{{"mpin", fx.mpin}});
    validate.prepare_payload();
    auto trade = answer(validate, route::totp_validate, p.b);
    BOOST_REQUIRE_EQUAL(trade.result_int(), 200u);
    BOOST_TEST(parties::data(trade).at("baseUrl").as_string().starts_with("https://127.0.0.1:"));
}

BOOST_AUTO_TEST_CASE(bad_input_and_rate_limits) {
    parties p;
    p.params.rate_limit = 2;
    p.params.rate_limit_retry_after = std::chrono::seconds(7);
    backend limited(p.params);
    p.b.reset();
    const auto& fx = p.params.fixture;
    BOOST_TEST(answer(p.post("/login/1.0/login/v2/validate", "Bearer nope", {}), route::login, p.b).result_int() ==
               401u);
    auto token = answer(p.post("/oauth2/token", basic_credentials(fx.consumer_key, fx.consumer_secret),
                               {{"grant_type", "client_credentials"}}),
                        route::app_token, limited);
    const std::string bearer = "Bearer " + std::string(json::parse(token.body()).at("access_token").as_string());
    auto login = p.post("/login/1.0/login/v2/validate", bearer, {{"pan", "avrft7865t"}, {"password", fx.password}});
    auto res = answer(login, route::login, limited);
    BOOST_TEST(res.result_int() == 400u);  // lower-case PAN
    BOOST_TEST(parties::first_code(res) == "10300");
    BOOST_TEST(answer(login, route::login, limited).result_int() == 400u);
    res = answer(login, route::login, limited);  // the third in the window
    BOOST_TEST(res.result_int() == 429u);
    BOOST_TEST(res[http::field::retry_after] == "7");
    login.body() = "not json";
    login.prepare_payload();
    limited.reset_rate_windows();
    BOOST_TEST(answer(login, route::login, limited).result_int() == 400u);
    BOOST_TEST(answer(p.post("/unknown", bearer, {}), route::unknown, limited).result_int() == 401u);
}

// The mock's own TOTP, which checks the client's codes, against RFC 6238's SHA-1 vectors (seed
// "12345678901234567890"), 8 digits as the RFC prints them and the 6 the gateway uses. (The
// RFC's last vector, in the year 2603, is past what system_clock's nanoseconds hold.)
BOOST_AUTO_TEST_CASE(the_mocks_own_totp_gives_the_rfc_6238_vectors) {
    const std::string seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    struct vector {
        std::int64_t t;
        const char* code8;
    };
    for (const auto& v : {vector{59, "94287082"}, vector{1111111109, "07081804"}, vector{1111111111, "14050471"},
                          vector{1234567890, "89005924"}, vector{2000000000, "69279037"}}) {
        const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(v.t));
        BOOST_TEST(totp_code(seed, at, 8).value_or("") == v.code8, "t=" << v.t);
        BOOST_TEST(totp_code(seed, at).value_or("") == std::string(v.code8).substr(2), "t=" << v.t);
        BOOST_TEST(totp_code("gezdgnbvgy3tqojqgezdgnbvgy3tqojq==", at, 8).value_or("") == v.code8);
    }
    BOOST_TEST(!totp_code("not base32!", std::chrono::system_clock::now()));
}

BOOST_AUTO_TEST_SUITE_END()
