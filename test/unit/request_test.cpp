#include <neo/detail/request.hpp>
#include <neo/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace neo;
using namespace neo::detail;

BOOST_AUTO_TEST_SUITE(request)

BOOST_AUTO_TEST_CASE(mobile_numbers_get_plus_91) {
    BOOST_TEST(normalize_mobile("9999999908") == "+919999999908");
    BOOST_TEST(normalize_mobile("+919999999908") == "+919999999908");
    BOOST_TEST(normalize_mobile("999999990") == "");
    BOOST_TEST(normalize_mobile("99999999081") == "");
    BOOST_TEST(normalize_mobile("+91 9999999908") == "");
    BOOST_TEST(normalize_mobile("919999999908") == "");
    BOOST_TEST(normalize_mobile("abcdefghij") == "");
}

BOOST_AUTO_TEST_CASE(pan_is_upper_cased_and_checked) {
    BOOST_TEST(normalize_pan("avrft7865t") == "AVRFT7865T");
    BOOST_TEST(normalize_pan("AVRFT7865T") == "AVRFT7865T");
    BOOST_TEST(normalize_pan("AVRF17865T") == "");
    BOOST_TEST(normalize_pan("AVRFT786ST") == "");
    BOOST_TEST(normalize_pan("AVRFT78651") == "");
    BOOST_TEST(normalize_pan("AVRFT7865") == "");
}

BOOST_AUTO_TEST_CASE(validation_names_the_first_problem) {
    auto v = [](login_request r) { return validate(r); };
    BOOST_TEST(v({.password = "x"}) == make_error_code(errc::no_identity));
    BOOST_TEST(v({.mobilenumber = "9999999908", .userid = "u", .password = "x"}) ==
               make_error_code(errc::several_identities));
    BOOST_TEST(v({.mobilenumber = "12345", .password = "x"}) == make_error_code(errc::invalid_mobile_number));
    BOOST_TEST(v({.pan = "ABC", .password = "x"}) == make_error_code(errc::invalid_pan));
    BOOST_TEST(v({.userid = "a\nb", .password = "x"}) == make_error_code(errc::invalid_userid));
    BOOST_TEST(v({.userid = "u"}) == make_error_code(errc::no_secret));
    BOOST_TEST(v({.userid = "u", .password = "x", .mpin = "123456"}) == make_error_code(errc::several_secrets));
    BOOST_TEST(v({.userid = "u", .mpin = "12345"}) == make_error_code(errc::invalid_mpin));
    BOOST_TEST(v({.userid = "u", .mpin = "12345a"}) == make_error_code(errc::invalid_mpin));
    BOOST_TEST(v({.userid = "u", .password = std::string(257, 'p')}) == make_error_code(errc::invalid_password));
    BOOST_TEST(!v({.userid = "u", .mpin = "123456"}));
    BOOST_TEST(!v({.pan = "avrft7865t", .password = "x"}));
    // Every invalid request is an invalid-input condition.
    BOOST_TEST((v({}) == condition::invalid_input));
}

BOOST_AUTO_TEST_CASE(params_need_credentials_and_a_usable_gateway) {
    client_params p;
    BOOST_TEST(validate(p) == make_error_code(errc::missing_credentials));
    p.consumer_key = "k";
    BOOST_TEST(validate(p) == make_error_code(errc::missing_credentials));
    p.consumer_secret = "s";
    BOOST_TEST(!validate(p));
    client_params q;
    q.access_token = "t";
    BOOST_TEST(!validate(q));
    q.gateway.login.target = "no-slash";
    std::string why;
    BOOST_TEST(validate(q, &why) == make_error_code(errc::invalid_gateway));
    BOOST_TEST(!why.empty());
}

BOOST_AUTO_TEST_CASE(login_bodies_have_the_documented_keys) {
    BOOST_TEST(login_body({.mobilenumber = "9999999908", .password = "pw"}) ==
               R"({"mobileNumber":"+919999999908","password":"pw"})");
    BOOST_TEST(login_body({.pan = "avrft7865t", .mpin = "123456"}) == R"({"pan":"AVRFT7865T","mpin":"123456"})");
    BOOST_TEST(login_body({.userid = "TestUser", .password = "p"}) == R"({"userid":"TestUser","password":"p"})");
}

BOOST_AUTO_TEST_CASE(json_strings_are_escaped) {
    const auto body = login_body({.userid = "u", .password = "a\"b\\c\td\x01"});
    auto v = boost::json::parse(body);
    BOOST_TEST(v.at("password").as_string() == "a\"b\\c\td\x01");
}

BOOST_AUTO_TEST_CASE(app_token_request) {
    BOOST_TEST(app_token_body() == R"({"grant_type":"client_credentials"})");
    BOOST_TEST(basic_authorization("key", "secret") == "Basic a2V5OnNlY3JldA==");
}

BOOST_AUTO_TEST_CASE(base64_round_trips_in_both_alphabets) {
    for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\xfe\xfd\xfc"}) {
        std::string out;
        BOOST_TEST(base64_decode(base64_encode(s), out));
        BOOST_TEST(out == s);
    }
    std::string out;
    BOOST_TEST(base64_decode("_-8", out));
    BOOST_TEST(out == "\xff\xef");
    BOOST_TEST(!base64_decode("a$bc", out));
    BOOST_TEST(!base64_decode("a", out));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_limits)

BOOST_AUTO_TEST_CASE(overlong_fields_are_typed_errors_not_truncations) {
    login_request r{.userid = std::string(65, 'u'), .password = "x"};
    BOOST_TEST(r.userid.overflowed());
    BOOST_TEST(validate(r) == make_error_code(errc::invalid_userid));
    login_request m{.mobilenumber = std::string(100, '9'), .password = "x"};
    BOOST_TEST(validate(m) == make_error_code(errc::invalid_mobile_number));
    login_request p{.userid = "u", .password = neo::secret(std::string(neo::secret::max_size + 1, 'p'))};
    BOOST_TEST(p.password.overflowed());
    BOOST_TEST(validate(p) == make_error_code(errc::invalid_password));
    client_params c;
    c.access_token = std::string(neo::secret::max_size + 1, 't');
    BOOST_TEST(validate(c) == make_error_code(errc::missing_credentials));
    // At the limits exactly, values are kept whole.
    login_request full{.userid = std::string(64, 'u'), .password = neo::secret(std::string(256, 'p'))};
    BOOST_TEST(!validate(full));
    BOOST_TEST(full.userid.size() == 64u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(family)

BOOST_AUTO_TEST_CASE(second_factor_validation) {
    auto v = [](second_factor f) { return validate(f); };
    BOOST_TEST((v({}) == errc::no_second_factor));
    BOOST_TEST((v({.otp = "1234", .mpin = "123456"}) == errc::several_second_factors));
    BOOST_TEST((v({.otp = "123"}) == errc::invalid_otp));
    BOOST_TEST((v({.otp = "12a4"}) == errc::invalid_otp));
    BOOST_TEST(!v({.otp = "1234"}));
    BOOST_TEST((v({.mpin = "12345", .mobilenumber = "9999999908"}) == errc::invalid_mpin));
    BOOST_TEST((v({.mpin = "123456"}) == errc::no_identity));
    BOOST_TEST((v({.mpin = "123456", .pan = "bad"}) == errc::invalid_pan));
    BOOST_TEST(!v({.mpin = "123456", .pan = "avrft7865t"}));
}

BOOST_AUTO_TEST_CASE(second_factor_bodies) {
    BOOST_TEST(boost::json::parse(second_factor_body({.otp = "4321"}, "TESTYA24")) ==
               boost::json::parse(R"({"userId":"TESTYA24","otp":"4321"})"));
    BOOST_TEST(boost::json::parse(second_factor_body({.mpin = "123456", .mobilenumber = "9999999908"}, "X")) ==
               boost::json::parse(R"({"mobileNumber":"+919999999908","mpin":"123456"})"));
    BOOST_TEST(boost::json::parse(second_factor_body({.mpin = "123456", .pan = "avrft7865t"}, "X")) ==
               boost::json::parse(R"({"pan":"AVRFT7865T","mpin":"123456"})"));
    // After a user-id login the SDK sends the MPIN as "otp" for the token's sub, never "userid"+"mpin".
    BOOST_TEST(boost::json::parse(second_factor_body({.mpin = "123456", .userid = "testuser"}, "sub-9f2c")) ==
               boost::json::parse(R"({"userId":"sub-9f2c","otp":"123456"})"));
    BOOST_TEST(boost::json::parse(otp_generate_body("TES\"T")) ==
               boost::json::parse(R"({"userId":"TES\"T","sendEmail":true,"isWhitelisted":true})"));
}

BOOST_AUTO_TEST_CASE(totp_login_validation_and_bodies) {
    auto v = [](totp_login_request r) { return validate(r); };
    BOOST_TEST(!v({.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp = "123456"}));
    BOOST_TEST((v({.mobilenumber = "99", .ucc = "TESTYA24", .totp = "123456"}) == errc::invalid_mobile_number));
    BOOST_TEST((v({.mobilenumber = "9999999908", .ucc = "", .totp = "123456"}) == errc::invalid_ucc));
    BOOST_TEST((v({.mobilenumber = "9999999908", .ucc = "A\"B", .totp = "123456"}) == errc::invalid_ucc));
    BOOST_TEST((v({.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp = "1234567"}) == errc::invalid_totp));
    BOOST_TEST(
        boost::json::parse(totp_login_body({.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp = "123456"})) ==
        boost::json::parse(R"({"mobileNumber":"+919999999908","ucc":"TESTYA24","totp":"123456"})"));
    BOOST_TEST(boost::json::parse(totp_validate_body("123456")) == boost::json::parse(R"({"mpin":"123456"})"));
}

BOOST_AUTO_TEST_CASE(sessions_for_following_steps) {
    BOOST_TEST(!validate_session("a.b.c", "sid"));
    BOOST_TEST((validate_session("", "sid") == errc::invalid_session));
    BOOST_TEST((validate_session("a.b.c", "") == errc::invalid_session));
    BOOST_TEST((validate_session("a.b\r\nX: y", "sid") == errc::invalid_session));
    BOOST_TEST((validate_session(std::string(5000, 'a'), "sid") == errc::invalid_session));
}

BOOST_AUTO_TEST_CASE(generation2_needs_only_the_consumer_key) {
    client_params p;
    p.gateway = gateway::from_origin("https://127.0.0.1:1");
    BOOST_TEST((validate(p, p.gateway.totp_login, credentials::consumer_key) == errc::missing_credentials));
    p.consumer_key = "k";
    BOOST_TEST(!validate(p, p.gateway.totp_login, credentials::consumer_key));
    BOOST_TEST((validate(p, p.gateway.login, credentials::oauth2) == errc::missing_credentials));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(oversize_or_control_character_params_are_refused) {
    neo::client_params p;
    p.gateway = neo::gateway::from_origin("https://127.0.0.1:1");
    p.access_token = "t";
    BOOST_TEST(!neo::detail::validate(p));
    p.user_agent = std::string(2000, 'a');
    BOOST_TEST((neo::detail::validate(p) == neo::errc::invalid_params));
    p.user_agent = "ua\r\nX-Injected: 1";
    BOOST_TEST((neo::detail::validate(p) == neo::errc::invalid_params));
}
