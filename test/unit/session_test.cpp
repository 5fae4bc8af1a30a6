#include <neo/session.hpp>

#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
