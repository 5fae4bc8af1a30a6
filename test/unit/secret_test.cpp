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

#include <neo/detail/redact.hpp>

BOOST_AUTO_TEST_SUITE(redaction)

BOOST_AUTO_TEST_CASE(every_occurrence_of_every_secret_is_masked) {
    std::string text = "bad password hunter2 (hunter2) for app s3cr3t; token abc.def";
    neo::detail::redact(text, {neo::secret{"hunter2"}, neo::secret{}, neo::secret{"s3cr3t"}, neo::secret{"abc.def"}});
    BOOST_TEST(text == "bad password *** (***) for app ***; token ***");
    std::string untouched = "nothing to hide";
    neo::detail::redact(untouched, {neo::secret{}});
    BOOST_TEST(untouched == "nothing to hide");
    std::string overlapping = "aaaa";
    neo::detail::redact(overlapping, {neo::secret{"aa"}});
    BOOST_TEST(overlapping == "******");
}

BOOST_AUTO_TEST_SUITE_END()
