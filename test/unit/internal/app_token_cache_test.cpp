// The client's private defaults that only its own code exercises: the app token cache (lifetime,
// early margin, forgetting) with a given clock, and the built-in jitter generator.
#include "core/app_token_cache.hpp"
#include "core/jitter.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace std::chrono;
using neo::detail::app_token_cache;

BOOST_AUTO_TEST_SUITE(app_token_cache_suite)

BOOST_AUTO_TEST_CASE(nothing_is_cached_at_first) {
    app_token_cache c;
    BOOST_TEST(c.get(steady_clock::now()).empty());
}

BOOST_AUTO_TEST_CASE(kept_until_a_minute_before_a_long_expiry) {
    app_token_cache c;
    const auto t0 = steady_clock::time_point{} + hours(1000);
    c.put(neo::secret{"app-token-1"}, 3600, t0);  // a tenth is 360 s; the margin is capped at 60 s
    BOOST_TEST(c.get(t0).reveal() == "app-token-1");
    BOOST_TEST(c.get(t0 + seconds(3539)).reveal() == "app-token-1");
    BOOST_TEST(c.get(t0 + seconds(3540)).empty());
    BOOST_TEST(c.get(t0 + seconds(3600)).empty());
    BOOST_TEST(c.get(t0 + hours(24)).empty());
}

BOOST_AUTO_TEST_CASE(a_short_life_loses_a_tenth) {
    app_token_cache c;
    const auto t0 = steady_clock::time_point{} + hours(1000);
    c.put(neo::secret{"app-token-2"}, 100, t0);  // margin 10 s
    BOOST_TEST(c.get(t0 + seconds(89)).reveal() == "app-token-2");
    BOOST_TEST(c.get(t0 + seconds(90)).empty());
}

BOOST_AUTO_TEST_CASE(forgotten_at_once_and_replaced_by_the_next) {
    app_token_cache c;
    const auto t0 = steady_clock::time_point{} + hours(1000);
    c.put(neo::secret{"app-token-3"}, 3600, t0);
    c.forget();
    BOOST_TEST(c.get(t0).empty());
    c.put(neo::secret{"app-token-4"}, 3600, t0 + seconds(1));
    BOOST_TEST(c.get(t0 + seconds(2)).reveal() == "app-token-4");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jitter)

BOOST_AUTO_TEST_CASE(the_built_in_generator_draws_in_zero_to_one_and_varies) {
    neo::detail::jitter j{nullptr};
    std::set<double> seen;
    for (int i = 0; i < 200; ++i) {
        const double d = j();
        BOOST_TEST(d >= 0.0);
        BOOST_TEST(d < 1.0);
        seen.insert(d);
    }
    BOOST_TEST(seen.size() > 190u);
    // Two generators are seeded apart: they do not repeat each other.
    neo::detail::jitter a{nullptr}, b{nullptr};
    int same = 0;
    for (int i = 0; i < 20; ++i) same += a() == b();
    BOOST_TEST(same < 20);
}

BOOST_AUTO_TEST_CASE(the_callers_generator_is_used_when_given) {
    neo::detail::jitter j{[] { return 0.25; }};
    BOOST_TEST(j() == 0.25);
    BOOST_TEST(j() == 0.25);
}

BOOST_AUTO_TEST_SUITE_END()
