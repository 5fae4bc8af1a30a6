#include <neo/login_request.hpp>
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
    BOOST_TEST(overlapping == "***");
}

BOOST_AUTO_TEST_CASE(a_short_secret_hides_its_whole_word_never_a_fragment) {
    std::string text = "Connection refused (us): try us later";
    neo::detail::redact(text, {neo::secret{"us"}});
    BOOST_TEST(text == "Connection *** (***): try *** later");
    std::string token = "Authorization=Bearer ab.cd.ef;";
    neo::detail::redact(token, {neo::secret{"cd"}});
    BOOST_TEST(token == "Authorization=Bearer ***;");
    std::string stars = "*** x***y";
    neo::detail::redact(stars, {neo::secret{"*"}});
    BOOST_TEST(stars == "*** ***");
}

BOOST_AUTO_TEST_CASE(control_characters_are_escaped_printable_text_is_kept) {
    using neo::detail::escape_text;
    // A server cannot forge a log line, clear a terminal or smuggle a C1 CSI.
    BOOST_TEST(escape_text("bad\nattempt 1/4 login: HTTP 200 ok\r\n") ==
               "bad\\nattempt 1/4 login: HTTP 200 ok\\r\\n");
    BOOST_TEST(escape_text("\x1b[2J\x1b]0;title\x07 \x7f\t") == "\\x1b[2J\\x1b]0;title\\x07 \\x7f\\t");
    BOOST_TEST(escape_text("c1 \xc2\x9b" "31m raw \x9b bad \xc0\xaf \xed\xa0\x80") ==
               "c1 \\xc2\\x9b31m raw \\x9b bad \\xc0\\xaf \\xed\\xa0\\x80");
    BOOST_TEST(escape_text(std::string("nul\0end", 7)) == "nul\\x00end");
    // Printable text, UTF-8 and backslashes are kept, so escaping twice changes nothing.
    const std::string kept = "Ung\xc3\xbcltig \xe2\x82\xb9 \xf0\x9f\x98\x80 C:\\x41 \\n";
    BOOST_TEST(escape_text(kept) == kept);
    BOOST_TEST(escape_text(escape_text("a\nb\x1b")) == escape_text("a\nb\x1b"));
    std::string in_place = "ok\n";
    neo::detail::escape_in_place(in_place);
    BOOST_TEST(in_place == "ok\\n");
}

BOOST_AUTO_TEST_CASE(capacities_convert_and_an_overflow_carries_over) {
    neo::secret big("123456");
    neo::basic_secret<16> pin = big;  // a neo::secret given to a 16-byte field
    BOOST_TEST(pin.reveal() == "123456");
    BOOST_TEST((pin == big));
    BOOST_TEST((big == pin));
    BOOST_TEST((pin == "123456"));
    neo::basic_secret<16> moved = std::move(big);
    BOOST_TEST(moved.reveal() == "123456");
    BOOST_TEST(big.empty());  // wiped when moved from
    neo::basic_secret<4> tiny = pin;  // too long for it
    BOOST_TEST(tiny.overflowed());
    BOOST_TEST(tiny.empty() == false);
    BOOST_TEST(tiny.reveal().empty());
    const neo::secret back = tiny;  // the overflow is not lost on the way back
    BOOST_TEST(back.overflowed());
    neo::login_request r;
    r.mpin = neo::secret(std::string(17, '1'));  // over the field's 16 bytes
    BOOST_TEST(r.mpin.overflowed());
    std::ostringstream os;
    os << pin << "|" << neo::basic_secret<16>();
    BOOST_TEST(os.str() == "***|");
    static_assert(sizeof(neo::login_request) < 512, "in place, but sized for what each field holds");
}

BOOST_AUTO_TEST_SUITE_END()
