// neo::judge_api_answer: which answers of a post-login call mean the session is gone, which mean
// the IP is not whitelisted (a new login cannot cure it), and which say nothing of the session.
#include <neo/api_call.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using neo::api_verdict;

BOOST_AUTO_TEST_SUITE(api_call)

BOOST_AUTO_TEST_CASE(answers_are_judged_by_status_and_shape) {
    struct row {
        unsigned status;
        std::string body;
        api_verdict want;
    };
    const row rows[] = {
        // gone
        {401, "", api_verdict::session_gone},
        {401, "<html>Unauthorized</html>", api_verdict::session_gone},
        {401, R"({"code":"900901","message":"Invalid Credentials","description":"..."})", api_verdict::session_gone},
        {403, R"({"code":"900901","message":"Invalid Credentials"})", api_verdict::session_gone},
        {200, R"({"code":900901,"message":"Invalid Credentials"})", api_verdict::session_gone},
        {200, R"({"stCode":100022,"errMsg":"invalid session token","status":"failure"})", api_verdict::session_gone},
        {400, R"({"stCode":"100022","errMsg":"invalid session token"})", api_verdict::session_gone},
        // not whitelisted: its own answer, even under 401's neighbours
        {200, R"({"stCode":100008,"errMsg":"IP not whitelisted","status":"failure"})", api_verdict::ip_not_whitelisted},
        {403, R"({"stCode":"100008"})", api_verdict::ip_not_whitelisted},
        // the session stands
        {200, R"({"stat":"Ok","stCode":200,"Net":"1.00"})", api_verdict::session_stands},
        {200, "", api_verdict::session_stands},
        {200, "not json", api_verdict::session_stands},
        {200, "[1,2]", api_verdict::session_stands},
        {400, R"({"stCode":1021,"errMsg":"order is completed"})", api_verdict::session_stands},
        {429, R"({"code":429,"error":"Rate limit exceeded"})", api_verdict::session_stands},
        {500, R"({"code":"900900","message":"Unclassified"})", api_verdict::session_stands},
        {503, "<html>503</html>", api_verdict::session_stands},
        {200, R"({"stCode":1000220})", api_verdict::session_stands},
        {200, R"({"stCode":"100022x"})", api_verdict::session_stands},
        {200, R"({"data":{"stCode":100022}})", api_verdict::session_stands},  // only the top level speaks
    };
    for (const auto& r : rows)
        BOOST_TEST(neo::to_string(neo::judge_api_answer(r.status, r.body)) == neo::to_string(r.want),
                   r.status << " " << r.body);
}

BOOST_AUTO_TEST_CASE(a_huge_body_is_read_only_in_part) {
    std::string body = R"({"stCode":100022,"pad":")" + std::string(200 * 1024, 'x') + "\"}";
    // The first 64 KiB are no JSON document on their own: nothing is concluded from it.
    BOOST_TEST(neo::to_string(neo::judge_api_answer(200, body)) == std::string("session_stands"));
}

BOOST_AUTO_TEST_CASE(headers_are_found_by_any_case) {
    neo::api_headers h{.base_url = "https://x", .fields = {{"Sid", "s"}, {"neo-fin-key", "k"}}};
    BOOST_REQUIRE(h.find("SID"));
    BOOST_TEST(*h.find("SID") == "s");
    BOOST_TEST(*h.find("Neo-Fin-Key") == "k");
    BOOST_TEST(!h.find("Auth"));
    BOOST_TEST(!h.find("Si"));
}

BOOST_AUTO_TEST_SUITE_END()
