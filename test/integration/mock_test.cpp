// The mock gateway's own contract, driven with raw HTTPS requests (it is a product part).
#include <neo/detail/request.hpp>
#include <neo/mock/gateway.hpp>
#include <neo/mock/scenario.hpp>
#include <neo/session.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

struct raw_answer {
    unsigned status = 0;
    std::string retry_after;
    json::value body;
};

// One blocking HTTPS exchange with the mock (on its own thread), bounded by 10 s.
raw_answer send(const neo::mock::gateway& mock, std::string_view target, std::string authorization, std::string body,
                std::string content_type = "application/json",
                const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(mock.ca_pem()));
    ctx.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<boost::beast::tcp_stream> s(io, ctx);
    boost::beast::get_lowest_layer(s).expires_after(std::chrono::seconds(10));
    boost::beast::get_lowest_layer(s).connect({asio::ip::make_address("127.0.0.1"), mock.port()});
    s.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : extra) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(s, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    raw_answer a;
    a.status = res.result_int();
    a.retry_after = std::string(res[http::field::retry_after]);
    boost::system::error_code ec;
    a.body = json::parse(res.body(), ec);
    return a;
}

std::string basic() {
    return neo::detail::basic_authorization("mock-consumer-key", "mock-consumer-secret");
}

std::string bearer(const neo::mock::gateway& mock) {
    auto a = send(mock, "/oauth2/token", basic(), R"({"grant_type":"client_credentials"})");
    BOOST_REQUIRE(a.status == 200u);
    return "Bearer " + std::string(a.body.at("access_token").as_string());
}

const char* login_path = "/login/1.0/login/v2/validate";

// A user-id login's view session as the second factor's sid and Auth headers.
std::vector<std::pair<std::string, std::string>> view_pair(const neo::mock::gateway& mock, const std::string& b) {
    auto view = send(mock, login_path, b, R"({"userid":"testuser","password":"mock-password"})");
    BOOST_REQUIRE(view.status == 200u);
    const auto& d = view.body.at("data");
    return {{"sid", std::string(d.at("sid").as_string())}, {"Auth", std::string(d.at("token").as_string())}};
}

std::string error_code_of(const raw_answer& a) {
    const auto& o = a.body.as_object();
    if (auto* e = o.if_contains("error"); e && e->is_array())
        return std::string(e->as_array().at(0).at("code").as_string());
    if (auto* c = o.if_contains("code"); c && c->is_string()) return std::string(c->as_string());
    if (auto* e = o.if_contains("error"); e && e->is_string()) return std::string(e->as_string());
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_gateway)

BOOST_AUTO_TEST_CASE(checks_in_the_contract_order) {
    neo::mock::gateway mock;
    BOOST_TEST(send(mock, "/nowhere", basic(), "{}").status == 401u);
    auto oauth_bad = send(mock, "/oauth2/token", "Basic bm9wZTpub3Bl", R"({"grant_type":"client_credentials"})");
    BOOST_TEST(oauth_bad.status == 401u);
    BOOST_TEST(error_code_of(oauth_bad) == "invalid_client");
    auto bad_bearer = send(mock, login_path, "Bearer forged", R"({"userid":"testuser","password":"mock-password"})");
    BOOST_TEST(bad_bearer.status == 401u);
    BOOST_TEST(error_code_of(bad_bearer) == "900901");
    const auto b = bearer(mock);
    BOOST_TEST(send(mock, login_path, b, R"({"userid":"testuser","password":"mock-password"})", "text/plain").status ==
               400u);
    BOOST_TEST(send(mock, login_path, b, "not json").status == 400u);
    BOOST_TEST(send(mock, login_path, b, "[1,2]").status == 400u);
    for (const char* body :
         {R"({"userid":"testuser","pan":"AVRFT7865T","password":"mock-password"})", R"({"password":"mock-password"})",
          R"({"mobileNumber":"9999999908","password":"mock-password"})",
          R"({"pan":"avrft7865t","password":"mock-password"})",
          R"({"userid":"testuser","password":"mock-password","mpin":"123456"})",
          R"({"userid":"testuser","mpin":"12345"})"}) {
        auto a = send(mock, login_path, b, body);
        BOOST_TEST(a.status == 400u, body);
        BOOST_TEST(error_code_of(a) == "10300", body);
    }
    auto wrong = send(mock, login_path, b, R"({"userid":"testuser","password":"nope"})");
    BOOST_TEST(wrong.status == 401u);
    BOOST_TEST(error_code_of(wrong) == "10200");
    auto ok = send(mock, login_path, b, R"({"mobileNumber":"+919999999908","mpin":"123456"})");
    BOOST_REQUIRE(ok.status == 200u);
    auto s = neo::session_from_data(ok.body.at("data").as_object());
    BOOST_REQUIRE(s);
    BOOST_REQUIRE(s->claims);
    BOOST_TEST(s->claims->sub == neo::mock::fixture{}.sub);  // not the UCC
    BOOST_TEST(s->claims->sub != s->ucc);
    BOOST_TEST(s->claims->iss == "login-service");
    BOOST_TEST(s->claims->exp - s->claims->iat == 3600);
    BOOST_TEST(mock.requests().size() == 15u);
    BOOST_TEST(mock.requests().back().status == 200u);
}

BOOST_AUTO_TEST_CASE(second_factor_accepts_exactly_the_sdks_shapes) {
    neo::mock::gateway mock;
    const auto b = bearer(mock);
    const auto pair = view_pair(mock, b);
    const std::string sub = neo::mock::fixture{}.sub;
    auto two_fa = [&](const std::string& body) { return send(mock, login_path, b, body, "application/json", pair); };
    BOOST_TEST(two_fa(R"({"userid":"testuser","mpin":"123456"})").status == 400u);  // no SDK sends it
    BOOST_TEST(two_fa(R"({"userId":"TESTYA24","otp":"123456"})").status == 401u);   // the UCC is not the sub
    BOOST_TEST(two_fa(R"({"userId":")" + sub + R"(","otp":"123457"})").status == 401u);
    BOOST_TEST(two_fa(R"({"userId":")" + sub + R"(","otp":"4321"})").status == 401u);  // no OTP generated
    BOOST_TEST(two_fa(R"({"userId":")" + sub + R"(","otp":"123456","x":1})").status == 400u);
    BOOST_TEST(two_fa(R"({"pan":"AVRFT7865T","mpin":"123456"})").status == 200u);
    BOOST_TEST(two_fa(R"({"userId":")" + sub + R"(","otp":"123456"})").status == 200u);
}

BOOST_AUTO_TEST_CASE(records_are_a_bounded_ring_and_counts_stay_whole) {
    neo::mock::gateway mock({.max_records = 3});
    const auto b = bearer(mock);
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(send(mock, login_path, b, R"({"userid":"testuser","password":"mock-password"})").status == 200u);
    const auto reqs = mock.requests();
    BOOST_TEST(reqs.size() == 3u);  // the newest three
    for (const auto& r : reqs) BOOST_TEST((r.route == neo::mock::route::login && r.status == 200u));
    BOOST_TEST(mock.request_count(neo::mock::route::login) == 5u);
    BOOST_TEST(mock.request_count(neo::mock::route::app_token) == 1u);
}

BOOST_AUTO_TEST_CASE(reset_forgets_sessions_tokens_and_otps) {
    neo::mock::gateway mock;
    const auto b = bearer(mock);
    const auto pair = view_pair(mock, b);
    const std::string sub = neo::mock::fixture{}.sub;
    BOOST_TEST(send(mock, "/login/1.0/login/otp/generate", b, R"({"userId":")" + sub + R"("})").status == 200u);
    BOOST_TEST(mock.live_sessions() == 1u);
    mock.reset();
    BOOST_TEST(mock.live_sessions() == 0u);
    BOOST_TEST(mock.issued_tokens().empty());
    BOOST_TEST(mock.requests().empty());
    // The old app token is refused; with a new one the old view session and OTP are gone too.
    BOOST_TEST(send(mock, login_path, b, R"({"userid":"testuser","password":"mock-password"})").status == 401u);
    const auto b2 = bearer(mock);
    BOOST_TEST(send(mock, login_path, b2, R"({"userId":")" + sub + R"(","otp":"4321"})", "application/json", pair)
                   .status == 401u);
    BOOST_TEST(mock.request_count(neo::mock::route::login) == 1u);
    BOOST_TEST(mock.request_count(neo::mock::route::second_factor) == 1u);
}

BOOST_AUTO_TEST_CASE(the_ca_file_is_created_exclusively) {
    neo::mock::gateway mock;
    char tmpl[] = "/tmp/neo-ca-test-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    mock.write_ca_file(dir + "/ca.pem");
    std::ifstream in(dir + "/ca.pem");
    BOOST_TEST(std::string(std::istreambuf_iterator<char>(in), {}) == mock.ca_pem());
    // An existing file is never overwritten, a planted link never followed.
    BOOST_CHECK_THROW(mock.write_ca_file(dir + "/ca.pem"), std::runtime_error);
    BOOST_REQUIRE(::symlink((dir + "/victim").c_str(), (dir + "/link.pem").c_str()) == 0);
    BOOST_CHECK_THROW(mock.write_ca_file(dir + "/link.pem"), std::runtime_error);
    struct stat st {};
    BOOST_TEST(::stat((dir + "/victim").c_str(), &st) != 0);  // not created through the link
    std::system(("rm -rf " + dir).c_str());
}

BOOST_AUTO_TEST_CASE(rate_limit_per_token_with_retry_after) {
    neo::mock::gateway_params p;
    p.rate_limit = 2;
    p.rate_window = std::chrono::seconds(60);
    p.rate_limit_retry_after = std::chrono::seconds(3);
    neo::mock::gateway mock(p);
    const auto b = bearer(mock);
    const std::string body = R"({"userid":"testuser","password":"mock-password"})";
    BOOST_TEST(send(mock, login_path, b, body).status == 200u);
    BOOST_TEST(send(mock, login_path, b, body).status == 200u);
    auto limited = send(mock, login_path, b, body);
    BOOST_TEST(limited.status == 429u);
    BOOST_TEST(limited.retry_after == "3");
    BOOST_TEST(send(mock, login_path, bearer(mock), body).status == 200u);  // another token
}

BOOST_AUTO_TEST_CASE(scenarios_from_json_and_lists) {
    auto s = neo::mock::parse_scenario(
        R"({"login":[{"status":429,"retry_after":"2"},{"action":"stall"},{"status":200,"body":"x","delay_ms":5,"headers":{"X-A":"b"}}],"connections":["close_before_tls"]})");
    BOOST_REQUIRE(s.login.size() == 3u);
    BOOST_TEST(s.login[0].status == 429u);
    BOOST_TEST(s.login[0].headers.at(0).second == "2");
    BOOST_TEST((s.login[1].action == neo::mock::fault::stall));
    BOOST_TEST(*s.login[2].body == "x");
    BOOST_TEST(s.login[2].delay.count() == 5);
    BOOST_TEST(s.connections.size() == 1u);
    auto l = neo::mock::parse_answer_list("429:1,503,close_mid_answer,200");
    BOOST_REQUIRE(l.size() == 4u);
    BOOST_TEST(l[0].headers.at(0).second == "1");
    BOOST_TEST((l[2].action == neo::mock::fault::close_mid_answer));
    for (const char* bad :
         {"{", "[]", R"({"login":[{"status":"x"}]})", R"({"bogus":1})", R"({"connections":["nope"]})"})
        BOOST_CHECK_THROW(neo::mock::parse_scenario(bad), std::invalid_argument);
    BOOST_CHECK_THROW(neo::mock::parse_answer_list("42"), std::invalid_argument);
    BOOST_CHECK_THROW(neo::mock::parse_answer_list("200,wat"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(scenarios_script_every_route) {
    auto s = neo::mock::parse_scenario(R"({"totp_login":[{"status":503}],"second_factor":[{"status":429}]})");
    BOOST_REQUIRE(s.more.size() == 2u);
    BOOST_TEST((s.more[0].first == neo::mock::route::totp_login));
    BOOST_TEST(s.more[0].second.at(0).status == 503u);
    BOOST_TEST((s.more[1].first == neo::mock::route::second_factor));
    BOOST_TEST((neo::mock::route_from_name("logout") == neo::mock::route::logout));
    BOOST_CHECK_THROW(neo::mock::route_from_name("unknown"), std::invalid_argument);
    BOOST_CHECK_THROW(neo::mock::parse_scenario(R"({"totp_login":[{"status":"x"}]})"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
