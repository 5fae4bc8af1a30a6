// The request of one attempt: headers, the bytes on the wire, and the wiping of its tokens.
#include "core/http_request.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace {

neo::endpoint at(std::string host, std::string port) {
    neo::endpoint ep;
    ep.host = std::move(host);
    ep.port = std::move(port);
    ep.target = "/login/1.0/login/v2/validate";
    return ep;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_request)

BOOST_AUTO_TEST_CASE(the_host_header_brackets_v6_and_names_a_port_other_than_443) {
    BOOST_TEST(neo::detail::host_header(at("gw.example", "443")) == "gw.example");
    BOOST_TEST(neo::detail::host_header(at("127.0.0.1", "8443")) == "127.0.0.1:8443");
    BOOST_TEST(neo::detail::host_header(at("::1", "443")) == "[::1]");
    BOOST_TEST(neo::detail::host_header(at("::1", "9")) == "[::1]:9");
}

BOOST_AUTO_TEST_CASE(one_buffer_with_every_header_and_the_body) {
    neo::client_params p;
    p.user_agent = "ua/1";
    const std::string body = R"({"mobileNumber":"+911234567890"})";
    auto req = neo::detail::make_request(p, at("gw.example", "443"), "Bearer tok", body);
    req.set("Auth", "view-token");
    const std::string wire = neo::detail::serialize(req);
    BOOST_TEST(wire.rfind("POST /login/1.0/login/v2/validate HTTP/1.1\r\n", 0) == 0u);
    for (const char* h : {"Host: gw.example\r\n", "User-Agent: ua/1\r\n", "Content-Type: application/json\r\n",
                          "Accept: application/json\r\n", "Authorization: Bearer tok\r\n", "Auth: view-token\r\n"})
        BOOST_TEST(wire.find(h) != std::string::npos, h);
    BOOST_TEST(wire.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
    BOOST_TEST(wire.substr(wire.size() - body.size()) == body);
    p.keep_alive = false;
    auto closing = neo::detail::make_request(p, at("gw.example", "443"), "x", "", "application/x-www-form-urlencoded");
    const std::string w2 = neo::detail::serialize(closing);
    BOOST_TEST(w2.find("Connection: close\r\n") != std::string::npos);
    BOOST_TEST(w2.find("Content-Type: application/x-www-form-urlencoded\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wiping_overwrites_the_body_and_the_token_headers_only) {
    neo::client_params p;
    auto req =
        neo::detail::make_request(p, at("gw.example", "443"), "Bearer secret-app-token", "{\"mpin\":\"123456\"}");
    req.set("Auth", "secret-view-token");
    req.set("sid", "session-id");
    neo::detail::wipe_request(req);
    const std::string wire = neo::detail::serialize(req);
    for (const char* s : {"secret-app-token", "secret-view-token", "123456"})
        BOOST_TEST(wire.find(s) == std::string::npos, s);
    BOOST_TEST(wire.find("sid: session-id") != std::string::npos);  // not a token
    // The token headers keep their length, every byte overwritten (not merely dropped).
    for (const auto name : {"Authorization", "Auth"}) {
        const auto v = req[name];
        BOOST_TEST(!v.empty(), name);
        BOOST_TEST(std::all_of(v.begin(), v.end(), [](char c) { return c == '\0'; }), name);
    }
    BOOST_TEST(req.body().empty());
}

BOOST_AUTO_TEST_SUITE_END()
