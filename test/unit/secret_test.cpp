#include <neo/secret.hpp>

#include <boost/test/unit_test.hpp>

#include <sstream>

BOOST_AUTO_TEST_SUITE(secret)

BOOST_AUTO_TEST_CASE(never_prints_its_content) {
    neo::secret s{"hunter2"};
    std::ostringstream os;
    os << s;
    BOOST_TEST(os.str() == "***");
    BOOST_TEST(s.reveal() == "hunter2");
    std::ostringstream empty;
    empty << neo::secret{};
    BOOST_TEST(empty.str() == "");
}

BOOST_AUTO_TEST_CASE(moves_and_clears) {
    neo::secret a{"a-long-secret-value-that-is-not-in-the-small-buffer"};
    neo::secret b = std::move(a);
    BOOST_TEST(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is specified as empty
    BOOST_TEST(b.reveal() == "a-long-secret-value-that-is-not-in-the-small-buffer");
    neo::secret c{"x"};
    c = b;
    BOOST_TEST((c == b));
    c.clear();
    BOOST_TEST(c.empty());
    BOOST_TEST(!(c == b));
}

BOOST_AUTO_TEST_CASE(wipe_zeroes_bytes) {
    std::string s = "password";
    const char* p = s.data();
    neo::wipe(const_cast<char*>(p), s.size());
    BOOST_TEST(s == std::string(8, '\0'));
}

BOOST_AUTO_TEST_SUITE_END()
