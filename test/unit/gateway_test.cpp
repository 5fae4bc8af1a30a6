#include <neo/error.hpp>
#include <neo/gateway.hpp>

#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(gateway)

BOOST_AUTO_TEST_CASE(documented_hosts_and_paths) {
    const auto uat = neo::gateway::uat();
    BOOST_TEST(uat.login.host == "nsbxapi-gw.kotaksecurities.com");
    BOOST_TEST(uat.login.target == "/api/1.0/login/v2/validate");
    BOOST_TEST(uat.app_token.host == "nsbxapi.kotaksecurities.com");
    BOOST_TEST(uat.app_token.target == "/oauth2/token");
    const auto prod = neo::gateway::prod();
    BOOST_TEST(prod.login.host == "gw-napi.kotaksecurities.com");
    BOOST_TEST(prod.login.target == "/login/1.0/login/v2/validate");
    BOOST_TEST(prod.app_token.host == "napi.kotaksecurities.com");
    BOOST_TEST(prod.login.port == "443");
    BOOST_TEST(neo::gateway::live().login.host == prod.login.host);
    BOOST_TEST(neo::gateway::of(neo::environment::live).login.host == prod.login.host);
}

BOOST_AUTO_TEST_CASE(from_origin_keeps_the_paths) {
    auto g = neo::gateway::from_origin("https://127.0.0.1:8443");
    BOOST_TEST(g.login.host == "127.0.0.1");
    BOOST_TEST(g.login.port == "8443");
    BOOST_TEST(g.login.target == "/login/1.0/login/v2/validate");
    BOOST_TEST(g.app_token.host == "127.0.0.1");
    g = neo::gateway::from_origin("https://localhost/", neo::environment::uat);
    BOOST_TEST(g.login.port == "443");
    BOOST_TEST(g.login.target == "/api/1.0/login/v2/validate");
    g = neo::gateway::from_origin("https://[::1]:9000");
    BOOST_TEST(g.login.host == "::1");
    BOOST_TEST(g.login.port == "9000");
}

BOOST_AUTO_TEST_CASE(bad_origins_are_clear_errors) {
    for (const char* bad : {"http://127.0.0.1:80", "127.0.0.1:443", "https://", "https://host:0", "https://host:70000",
                            "https://host:12ab", "https://host/path", "https://user@host", "https://ho st",
                            "https://[::1", "https://host:"}) {
        try {
            neo::gateway::from_origin(bad);
            BOOST_ERROR("accepted " << bad);
        } catch (const boost::system::system_error& e) {
            BOOST_TEST(e.code() == neo::make_error_code(neo::errc::invalid_gateway));
            BOOST_TEST(std::string(e.what()).find("invalid gateway origin") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gateway_family)

BOOST_AUTO_TEST_CASE(every_endpoint_of_both_generations) {
    const auto uat = neo::gateway::uat();
    BOOST_TEST(uat.otp_generate.target == "/api/1.0/login/otp/generate");
    BOOST_TEST(uat.logout.target == "/api/1.0/logout");
    BOOST_TEST(uat.logout.host == "nsbxapi-gw.kotaksecurities.com");
    const auto prod = neo::gateway::prod();
    BOOST_TEST(prod.otp_generate.target == "/login/1.0/login/otp/generate");
    BOOST_TEST(prod.logout.target == "/login/1.0/logout");
    BOOST_TEST(prod.totp_login.host == "mis.kotaksecurities.com");
    BOOST_TEST(prod.totp_login.target == "/login/1.0/tradeApiLogin");
    BOOST_TEST(prod.totp_validate.target == "/login/1.0/tradeApiValidate");
    BOOST_TEST(prod.totp_validate.host == "mis.kotaksecurities.com");
    // UAT's generation 2 must never reach production: the SDK's dev host.
    BOOST_TEST(uat.totp_login.host == "d-mis.kotaksecurities.com");
    BOOST_TEST(uat.totp_validate.host == "d-mis.kotaksecurities.com");
    BOOST_TEST(uat.totp_validate.target == "/login/1.0/tradeApiValidate");
}

BOOST_AUTO_TEST_CASE(from_origin_moves_every_endpoint) {
    const auto g = neo::gateway::from_origin("https://127.0.0.1:9443", neo::environment::uat);
    for (const auto* ep : {&g.app_token, &g.login, &g.otp_generate, &g.logout, &g.totp_login, &g.totp_validate}) {
        BOOST_TEST(ep->host == "127.0.0.1");
        BOOST_TEST(ep->port == "9443");
    }
    BOOST_TEST(g.totp_login.target == "/login/1.0/tradeApiLogin");
    BOOST_TEST(g.logout.target == "/api/1.0/logout");
}

BOOST_AUTO_TEST_SUITE_END()
