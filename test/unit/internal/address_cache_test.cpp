// The client's cache of resolved addresses, with a given clock: kept for its time-to-live, never
// when off or empty, forgotten on demand, names caseless, at most max_hosts names.
#include "net/address_cache.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace std::chrono;
using neo::detail::address_cache;
namespace ip = boost::asio::ip;

namespace {

address_cache::addresses one(const char* ip, unsigned short port = 443) {
    return {ip::tcp::endpoint(ip::make_address(ip), port)};
}
const auto t0 = steady_clock::time_point{} + hours(1000);

}  // namespace

BOOST_AUTO_TEST_SUITE(address_cache_suite)

BOOST_AUTO_TEST_CASE(kept_until_its_time_to_live_ends) {
    address_cache c(milliseconds(60000));
    BOOST_TEST(c.find("gw.example", "443", t0).empty());
    c.keep("gw.example", "443", one("192.0.2.7"), t0);
    BOOST_TEST(c.find("gw.example", "443", t0 + seconds(59)) == one("192.0.2.7"));
    BOOST_TEST(c.find("GW.Example", "443", t0 + seconds(59)) == one("192.0.2.7"));  // names are caseless
    BOOST_TEST(c.find("gw.example", "8443", t0).empty());                           // per port
    BOOST_TEST(c.find("gw.example", "443", t0 + seconds(60)).empty());
    BOOST_TEST(c.find("gw.example", "443", t0).empty());  // an expired entry is gone
}

BOOST_AUTO_TEST_CASE(forgotten_when_dropped_and_replaced_by_the_next_answer) {
    address_cache c(milliseconds(60000));
    c.keep("gw.example", "443", one("192.0.2.7"), t0);
    c.drop("gw.example", "443");
    BOOST_TEST(c.find("gw.example", "443", t0).empty());
    c.keep("gw.example", "443", one("192.0.2.8"), t0);
    c.keep("gw.example", "443", one("192.0.2.9"), t0 + seconds(1));
    BOOST_TEST(c.find("gw.example", "443", t0 + seconds(60)) == one("192.0.2.9"));
}

BOOST_AUTO_TEST_CASE(nothing_is_kept_when_off_or_empty) {
    address_cache off(milliseconds(0));
    off.keep("gw.example", "443", one("192.0.2.7"), t0);
    BOOST_TEST(off.find("gw.example", "443", t0).empty());
    address_cache c(milliseconds(60000));
    c.keep("gw.example", "443", {}, t0);
    BOOST_TEST(c.find("gw.example", "443", t0).empty());
}

BOOST_AUTO_TEST_CASE(at_most_max_hosts_names_the_first_to_expire_makes_room) {
    address_cache c(milliseconds(60000));
    for (std::size_t i = 0; i < address_cache::max_hosts + 1; ++i) {
        std::string name = std::to_string(i);  // not "h" + ...: GCC 12's false -Wrestrict
        name.insert(0, 1, 'h');
        c.keep(name, "443", one("192.0.2.1"), t0 + seconds(static_cast<long>(i % 30)));
    }
    BOOST_TEST(c.find("h0", "443", t0).empty());  // the first to expire
    BOOST_TEST(!c.find("h1", "443", t0).empty());
    BOOST_TEST(!c.find("h64", "443", t0).empty());
}

BOOST_AUTO_TEST_SUITE_END()
