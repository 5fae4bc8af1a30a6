#include <neo/error.hpp>
#include <neo/totp.hpp>

#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace std::chrono;

BOOST_AUTO_TEST_SUITE(totp)

namespace {
// RFC 6238 appendix B's SHA-1 key "12345678901234567890", in base32.
const neo::secret rfc_seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
system_clock::time_point at(std::int64_t s) {
    return system_clock::time_point(seconds(s));
}
}  // namespace

BOOST_AUTO_TEST_CASE(rfc6238_test_vectors_eight_digits) {
    const neo::totp t(rfc_seed, 8);
    BOOST_TEST(t.code(at(59)).reveal() == "94287082");
    BOOST_TEST(t.code(at(1111111109)).reveal() == "07081804");
    BOOST_TEST(t.code(at(1111111111)).reveal() == "14050471");
    BOOST_TEST(t.code(at(1234567890)).reveal() == "89005924");
    BOOST_TEST(t.code(at(2000000000)).reveal() == "69279037");
    // 20000000000 s is past what a nanosecond system_clock holds (year 2262): use the counter.
    BOOST_TEST(t.code_at(20000000000 / 30).reveal() == "65353130");
}

BOOST_AUTO_TEST_CASE(six_digits_are_the_low_six_of_the_same_value) {
    const neo::totp t(rfc_seed);
    BOOST_TEST(t.digits() == 6u);
    BOOST_TEST(t.step().count() == 30);
    BOOST_TEST(t.code(at(59)).reveal() == "287082");
    BOOST_TEST(t.code(at(1111111109)).reveal() == "081804");
    BOOST_TEST(t.code(at(2000000000)).reveal() == "279037");
    BOOST_TEST(t.counter(at(59)) == 1u);
    BOOST_TEST(t.code(at(30)).reveal() == t.code(at(59)).reveal());  // the same step
}

BOOST_AUTO_TEST_CASE(rfc4226_hotp_vectors) {
    const neo::totp t(rfc_seed);
    const char* want[] = {"755224", "287082", "359152", "969429", "338314",
                          "254676", "287922", "162583", "399871", "520489"};
    for (std::uint64_t i = 0; i < 10; ++i) BOOST_TEST(t.code_at(i).reveal() == want[i]);
}

BOOST_AUTO_TEST_CASE(base32_is_lenient_about_case_spaces_and_padding) {
    const neo::totp a(neo::secret("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"));
    const neo::totp b(neo::secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ===="));
    BOOST_TEST(a.code(at(59)).reveal() == "287082");
    BOOST_TEST(b.code(at(59)).reveal() == "287082");
}

BOOST_AUTO_TEST_CASE(invalid_seeds_and_parameters_are_refused_without_echoing) {
    BOOST_TEST(!neo::totp::from_base32(neo::secret("")));
    BOOST_TEST(!neo::totp::from_base32(neo::secret("ABC1")));  // '1' is not base32
    BOOST_TEST(!neo::totp::from_base32(rfc_seed, 5));
    BOOST_TEST(!neo::totp::from_base32(rfc_seed, 9));
    BOOST_TEST(!neo::totp::from_base32(rfc_seed, 6, seconds(0)));
    try {
        neo::totp t(neo::secret("SECRETSEED!"));
        BOOST_FAIL("no exception");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == neo::errc::invalid_totp_secret));
        BOOST_TEST(std::string(e.what()).find("SECRETSEED") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(codes_print_as_stars) {
    std::ostringstream os;
    os << neo::totp(rfc_seed).code(at(59));
    BOOST_TEST(os.str() == "***");
}

BOOST_AUTO_TEST_SUITE_END()
