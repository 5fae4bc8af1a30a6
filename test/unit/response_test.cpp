#include <neo/detail/response.hpp>
#include <neo/error.hpp>
#include <neo/session.hpp>

#include <boost/test/unit_test.hpp>

using namespace neo;
using namespace neo::detail;

namespace {
// The documented sample of the seed page (token shortened to a valid JWT of the same claims).
const char* sample_token =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzY29wZSI6WyJWaWV3Il0sImV4cCI6MTY1NTgwNjMyOCwianRpIjoiNjFjMmE4MTUtMzQ0ZS00YWMwLThiZmEtZTVjYmFiNzAyNmEzIiwiaWF0Ij"
    "oxNjU1ODAyNzI4LCJpc3MiOiJsb2dpbi1zZXJ2aWNlIiwic3ViIjoiVEVTVFlBMjQiLCJmZXRjaGNhY2hpbmdydWxlIjowLCJjYXRlZ29yaXNhdGlv"
    "biI6IiJ9."
    "bgui3u2Rw75RfIgCVH2dBV7YJ6xq0Y";

std::string sample_body(const std::string& extra = "") {
    return std::string(R"({"data":{"token":")") + sample_token +
           R"(","sid":"ebd3c21a-5174-4db1-9454-d9afd94d7340","rid":"23835a76-9b50-4842-a343-0dbabeb20a8f","hsServerId":"server1","caches":{"lastUpdatedTS":"1654684389","multiplewatchlists":"1654684389","watchlist":"1638271224"},"ucc":"TESTYA24","greetingName":"string")" +
           extra + "}}";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(response)

BOOST_AUTO_TEST_CASE(documented_sample_parses) {
    auto c = classify_response(step_kind::login, 200, "application/json", sample_body());
    BOOST_TEST(!c.ec);
    auto s = session_from_data(c.result);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->token == sample_token);
    BOOST_TEST(s->sid == "ebd3c21a-5174-4db1-9454-d9afd94d7340");
    BOOST_TEST(s->rid == "23835a76-9b50-4842-a343-0dbabeb20a8f");
    BOOST_TEST(s->hs_server_id == "server1");
    BOOST_TEST(s->ucc == "TESTYA24");
    BOOST_TEST(s->greeting_name == "string");
    BOOST_TEST(s->caches.last_updated_ts == "1654684389");
    BOOST_TEST(s->caches.multiplewatchlists == "1654684389");
    BOOST_TEST(s->caches.watchlist == "1638271224");
    BOOST_REQUIRE(s->claims);
    BOOST_TEST(s->claims->sub == "TESTYA24");
    BOOST_TEST(s->claims->exp == 1655806328);
    BOOST_TEST(s->claims->iat == 1655802728);
    BOOST_TEST(s->claims->scope.size() == 1u);
    BOOST_TEST(s->claims->scope.at(0) == "View");
    BOOST_TEST(s->claims->iss == "login-service");
    BOOST_REQUIRE(s->expires_at());
    BOOST_TEST(std::chrono::system_clock::to_time_t(*s->expires_at()) == 1655806328);
}

BOOST_AUTO_TEST_CASE(newer_and_unknown_fields_are_kept) {
    auto c = classify_response(
        step_kind::login, 200, "application/json",
        sample_body(
            R"(,"isUserPwdExpired":true,"isTrialAccount":false,"dataCenter":"gdc","searchAPIKey":"k","brandNew":{"x":[1,2]})"));
    BOOST_REQUIRE(!c.ec);
    auto s = session_from_data(c.result);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->is_user_pwd_expired.value_or(false));
    BOOST_TEST(s->data_center == "gdc");
    BOOST_TEST(s->data.contains("brandNew"));
    BOOST_TEST(s->data.at("searchAPIKey").as_string() == "k");
}

BOOST_AUTO_TEST_CASE(success_needs_token_and_sid) {
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({"data":{"sid":"s"}})").ec ==
               make_error_code(errc::missing_fields));
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({"data":{"token":"t"}})").ec ==
               make_error_code(errc::missing_fields));
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({"data":{"token":"","sid":"s"}})").ec ==
               make_error_code(errc::missing_fields));
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({"data":{"token":1,"sid":"s"}})").ec ==
               make_error_code(errc::missing_fields));
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({})").ec == make_error_code(errc::missing_fields));
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({"data":"x"})").ec ==
               make_error_code(errc::missing_fields));
    BOOST_TEST(classify_response(step_kind::login, 200, "", "[1]").ec == make_error_code(errc::malformed_response));
    BOOST_TEST(classify_response(step_kind::login, 200, "text/html", "<html>").ec ==
               make_error_code(errc::malformed_response));
    BOOST_TEST(classify_response(step_kind::login, 200, "", "").ec == make_error_code(errc::malformed_response));
    BOOST_TEST(classify_response(step_kind::login, 200, "", R"({"data":{"token":"t","sid":"s")").ec ==
               make_error_code(errc::malformed_response));
    BOOST_TEST(classify_response(step_kind::login, 200, "", "{\"data\":{\"token\":\"\xff\",\"sid\":\"s\"}}").ec ==
               make_error_code(errc::malformed_response));
    BOOST_TEST(classify_response(step_kind::login, 200, "", std::string(100, '[') + std::string(100, ']')).ec ==
               make_error_code(errc::malformed_response));
}

BOOST_AUTO_TEST_CASE(statuses_map_to_codes) {
    BOOST_TEST(status_error(400) == make_error_code(errc::bad_request));
    BOOST_TEST(status_error(401) == make_error_code(errc::unauthorized));
    BOOST_TEST(status_error(403) == make_error_code(errc::forbidden));
    BOOST_TEST(status_error(404) == make_error_code(errc::rejected));
    BOOST_TEST(status_error(429) == make_error_code(errc::rate_limited));
    BOOST_TEST(status_error(500) == make_error_code(errc::server_error));
    BOOST_TEST(status_error(501) == make_error_code(errc::rejected));
    for (unsigned s : {502u, 503u, 504u}) BOOST_TEST(status_error(s) == make_error_code(errc::service_unavailable));
    for (unsigned s : {301u, 302u, 307u, 308u}) BOOST_TEST(status_error(s) == make_error_code(errc::redirect));
    BOOST_TEST(!status_error(200));
}

struct shape {
    unsigned status;
    const char* body;
    const char* code;
    const char* message;
    errc expected;
};

BOOST_AUTO_TEST_CASE(every_error_shape_keeps_code_and_message) {
    const shape shapes[] = {
        {400, R"({"error":[{"code":"10300","message":"Invalid input"}]})", "10300", "Invalid input", errc::bad_request},
        {400, R"({"error":[{"code":"10512","message":"Required header not found."}]})", "10512",
         "Required header not found.", errc::bad_request},
        {401, R"({"code":"900901","message":"Invalid Credentials","description":"Access failure"})", "900901",
         "Invalid Credentials", errc::unauthorized},
        {401, R"({"error_description":"invalid_client","error":"invalid_client"})", "invalid_client", "invalid_client",
         errc::unauthorized},
        {401, R"({"status":"error","message":"Invalid credentials or TOTP.","errorCode":"401"})", "401",
         "Invalid credentials or TOTP.", errc::unauthorized},
        {200, R"({"stCode":401,"errMsg":"Invalid MPIN","status":"failure"})", "401", "Invalid MPIN", errc::rejected},
        {200, R"({"stCode":429,"errMsg":"Invalid UCC","status":"failure"})", "429", "Invalid UCC", errc::rejected},
        {429, R"({"code":429,"error":"Rate limit exceeded","message":"too many request received"})", "429",
         "too many request received", errc::rate_limited},
        {200, R"({"error":[{"code":"10300","message":"x"}]})", "10300", "x", errc::rejected},
    };
    for (const auto& s : shapes) {
        auto c = classify_response(step_kind::login, s.status, "application/json", s.body);
        BOOST_TEST(c.ec == make_error_code(s.expected), s.body);
        BOOST_TEST(c.server_code == s.code, s.body);
        BOOST_TEST(c.server_message == s.message, s.body);
    }
}

BOOST_AUTO_TEST_CASE(non_json_error_bodies_are_typed_errors) {
    auto c = classify_response(step_kind::login, 503, "text/html", "<html>503</html>");
    BOOST_TEST(c.ec == make_error_code(errc::service_unavailable));
    BOOST_TEST(c.server_message.empty());
    BOOST_TEST(c.detail.find("non-JSON") != std::string::npos);
    BOOST_TEST(classify_response(step_kind::login, 502, "", "").ec == make_error_code(errc::service_unavailable));
}

BOOST_AUTO_TEST_CASE(app_token_answers) {
    auto ok = classify_response(step_kind::app_token, 200, "application/json",
                                R"({"access_token":"abc","scope":"default","token_type":"Bearer","expires_in":3600})");
    BOOST_TEST(!ok.ec);
    BOOST_TEST(ok.result.at("access_token").as_string() == "abc");
    BOOST_TEST(classify_response(step_kind::app_token, 200, "", R"({"token_type":"Bearer"})").ec ==
               make_error_code(errc::missing_fields));
    auto bad = classify_response(step_kind::app_token, 401, "",
                                 R"({"error_description":"invalid_client","error":"invalid_client"})");
    BOOST_TEST(bad.ec == make_error_code(errc::unauthorized));
    BOOST_TEST(bad.server_code == "invalid_client");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(family_responses)

using neo::detail::classify_response;
using neo::detail::step_kind;

BOOST_AUTO_TEST_CASE(otp_generation_and_logout_need_only_a_2xx_without_an_error) {
    for (auto k : {step_kind::otp_generate, step_kind::logout}) {
        BOOST_TEST(!classify_response(k, 200, "application/json", "").ec);
        BOOST_TEST(!classify_response(k, 200, "application/json", R"({"data":{"ok":true}})").ec);
        BOOST_TEST(!classify_response(k, 200, "text/plain", "OK").ec);
        BOOST_TEST(
            (classify_response(k, 200, "application/json", R"({"stCode":401,"errMsg":"x","status":"failure"})").ec ==
             neo::errc::rejected));
        BOOST_TEST((classify_response(k, 401, "application/json", R"({"error":[{"code":"10401","message":"m"}]})").ec ==
                    neo::errc::unauthorized));
        BOOST_TEST((classify_response(k, 503, "text/html", "<html/>").ec == neo::errc::service_unavailable));
    }
}

BOOST_AUTO_TEST_CASE(generation2_answers) {
    auto ok = classify_response(
        step_kind::totp_validate, 200, "application/json",
        R"({"data":{"token":"a.b.c","sid":"s","rid":"r","hsServerId":"h","dataCenter":"E21","baseUrl":"https://e21.example","kType":"Trade","status":"success"}})");
    BOOST_TEST(!ok.ec);
    auto s = neo::session_from_data(ok.result);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->base_url == "https://e21.example");
    BOOST_TEST(s->data_center == "E21");
    BOOST_TEST(s->k_type == "Trade");
    auto bad = classify_response(step_kind::totp_login, 200, "application/json",
                                 R"({"stCode":429,"errMsg":"Invalid UCC","status":"failure"})");
    BOOST_TEST((bad.ec == neo::errc::rejected));
    BOOST_TEST(bad.server_code == "429");
    BOOST_TEST(bad.server_message == "Invalid UCC");
    auto rest = classify_response(step_kind::totp_login, 401, "application/json",
                                  R"({"status":"error","message":"Invalid credentials or TOTP.","errorCode":"401"})");
    BOOST_TEST((rest.ec == neo::errc::unauthorized));
    BOOST_TEST(rest.server_message == "Invalid credentials or TOTP.");
    auto empty = classify_response(step_kind::second_factor, 200, "application/json", "{}");
    BOOST_TEST((empty.ec == neo::errc::missing_fields));
}

BOOST_AUTO_TEST_SUITE_END()
