#include <neo/session.hpp>

#include <boost/test/unit_test.hpp>

#include <limits>

BOOST_AUTO_TEST_SUITE(claims)

BOOST_AUTO_TEST_CASE(decodes_the_payload_without_verifying) {
    // {"sub":"U1","scope":"Trade","exp":2000000000}
    auto c = neo::decode_claims("e30.eyJzdWIiOiJVMSIsInNjb3BlIjoiVHJhZGUiLCJleHAiOjIwMDAwMDAwMDB9.sig");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->sub == "U1");
    BOOST_TEST(c->scope.size() == 1u);
    BOOST_TEST(c->scope.at(0) == "Trade");
    BOOST_TEST(c->exp == 2000000000);
    BOOST_TEST(c->iat == 0);
    BOOST_TEST(c->all.contains("sub"));
}

BOOST_AUTO_TEST_CASE(rejects_what_is_not_a_jwt) {
    for (const char* t : {"", "abc", "a.b", "a.b.c.d", "e30.!!!.sig", "e30..sig", "e30.WzFd.sig" /* [1] */,
                          "e30.eyJzdWIiOi.sig" /* truncated JSON */}) {
        BOOST_TEST(!neo::decode_claims(t), t);
    }
}

BOOST_AUTO_TEST_CASE(session_without_exp_has_no_expiry) {
    boost::json::object data{{"token", "opaque"}, {"sid", "s"}};
    auto s = neo::session_from_data(data);
    BOOST_REQUIRE(s);
    BOOST_TEST(!s->claims);
    BOOST_TEST(!s->expires_at());
}

// Found by the jwt_claims fuzzer: an exp past what system_clock can hold overflowed (UB).
BOOST_AUTO_TEST_CASE(fuzz_regression_huge_exp_does_not_overflow) {
    // payload {"scope":["View"],"exp":9655802728,"iss":"login-seESTYA24"}
    boost::json::object data{
        {"token", "ey9.eyJzY29wZSI6WyJWaWV3Il0sImV4cCI6OTY1NTgwMjcyOCwiaXNzIjoibG9naW4tc2VFU1RZQTI0In0.c2ln"},
        {"sid", "s"}};
    auto s = neo::session_from_data(data);
    BOOST_REQUIRE(s);
    BOOST_REQUIRE(s->claims);
    BOOST_TEST(s->claims->exp == 9655802728LL);
    BOOST_REQUIRE(s->expires_at());
    BOOST_TEST((*s->expires_at() == std::chrono::system_clock::time_point::max()));
    s->claims->exp = std::numeric_limits<std::int64_t>::max();
    BOOST_TEST((*s->expires_at() == std::chrono::system_clock::time_point::max()));
}

BOOST_AUTO_TEST_SUITE_END()
