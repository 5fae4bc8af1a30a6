#define BOOST_TEST_MODULE neo_integration_tests
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <boost/test/unit_test_parameters.hpp>

// The whole-suite secret check: after every test ran with trace logging, no captured log line or
// error text holds a fixture secret or any token a mock issued.
struct secret_check {
    void setup() {}
    void teardown() {
        auto& s = neo_test::suite();
        std::lock_guard lock(s.mu);
        const neo::mock::fixture fx;
        std::vector<std::string> secrets = {fx.password, fx.consumer_secret, fx.mpin, fx.totp_secret};
        secrets.insert(secrets.end(), s.tokens.begin(), s.tokens.end());
        std::size_t leaks = 0;
        for (const auto& t : s.texts)
            for (const auto& secret : secrets)
                if (!secret.empty() && t.find(secret) != std::string::npos) {
                    ++leaks;
                    BOOST_ERROR("a secret reached a log line or an error text: " << t.substr(0, 40) << "...");
                }
        BOOST_TEST_MESSAGE("secret check: " << s.texts.size() << " texts, " << secrets.size() << " secrets, " << leaks
                                            << " leaks");
        // That the capture works at all is checked on a whole run (a filtered run logs less).
        namespace rc = boost::unit_test::runtime_config;
        const bool filtered = !rc::get<std::vector<std::string>>(rc::btrt_run_filters).empty();
        if (!filtered) {
            BOOST_TEST(s.texts.size() > 1000u);  // the suite really logged
            BOOST_TEST(s.tokens.size() > 100u);
        }
        BOOST_TEST(leaks == 0u);
    }
};
BOOST_TEST_GLOBAL_FIXTURE(secret_check);
