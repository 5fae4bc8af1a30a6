// Phase bounds under the deadline, without timers.
#include "core/deadline.hpp"

#include <neo/error.hpp>

#include <boost/test/unit_test.hpp>

using namespace std::chrono;
using neo::detail::bound_for;
using neo::detail::steady;

BOOST_AUTO_TEST_SUITE(deadline)

BOOST_AUTO_TEST_CASE(the_shorter_of_the_phase_bound_and_the_time_left) {
    const auto now = steady::now();
    auto b = bound_for(now + 10s, now, 2s);
    BOOST_TEST((b.d == 2s));
    BOOST_TEST(!b.by_deadline);
    BOOST_TEST(neo::detail::timed_out(b) == neo::errc::timeout);
    b = bound_for(now + 1s, now, 2s);
    BOOST_TEST((b.d == 1s));
    BOOST_TEST(b.by_deadline);
    BOOST_TEST(neo::detail::timed_out(b) == neo::errc::deadline_exceeded);
    b = bound_for(now + 1s, now, 0ms);  // no phase bound: the deadline's
    BOOST_TEST((b.d == 1s));
    BOOST_TEST(b.by_deadline);
}

BOOST_AUTO_TEST_CASE(no_deadline_and_no_bound_is_unbounded) {
    const auto now = steady::now();
    auto b = bound_for(steady::time_point::max(), now, 0ms);
    BOOST_TEST(b.unbounded);
    BOOST_TEST(!b.expired);
    b = bound_for(steady::time_point::max(), now, 3s);
    BOOST_TEST(!b.unbounded);
    BOOST_TEST((b.d == 3s));
    BOOST_TEST((neo::detail::time_left(steady::time_point::max(), now) == steady::duration::max()));
}

BOOST_AUTO_TEST_CASE(a_passed_deadline_has_expired) {
    const auto now = steady::now();
    for (auto dl : {now, now - 1ms}) {
        const auto b = bound_for(dl, now, 2s);
        BOOST_TEST(b.expired);
        BOOST_TEST(b.by_deadline);
        BOOST_TEST(neo::detail::timed_out(b) == neo::errc::deadline_exceeded);
    }
}

BOOST_AUTO_TEST_SUITE_END()
