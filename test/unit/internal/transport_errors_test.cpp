// Transport error codes of each phase to neo::errc, without sockets.
#include "core/transport_errors.hpp"

#include <neo/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using neo::errc;

namespace {

// An error as Asio's SSL stream reports an OpenSSL failure: the packed error in the ssl category.
error_code ssl_error(int reason) {
    return error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), asio::error::get_ssl_category());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transport_errors)

BOOST_AUTO_TEST_CASE(handshake_failures) {
    std::string detail;
    auto e = neo::detail::handshake_error(ssl_error(SSL_R_CERTIFICATE_VERIFY_FAILED), X509_V_ERR_CERT_HAS_EXPIRED,
                                          false, detail);
    BOOST_TEST(e == errc::tls_verification_failed);
    BOOST_TEST(detail == "certificate verify failed: certificate has expired");
    e = neo::detail::handshake_error(ssl_error(SSL_R_NO_SHARED_CIPHER), 0, false, detail);
    BOOST_TEST(e == errc::tls_handshake_failed);
    BOOST_TEST(detail.rfind("TLS handshake: ", 0) == 0u);
    e = neo::detail::handshake_error(asio::error::connection_reset, 0, false, detail);
    BOOST_TEST(e == errc::connection_failed);  // nothing sent: retryable
    BOOST_TEST(detail.rfind("handshake: ", 0) == 0u);
    e = neo::detail::handshake_error(asio::ssl::error::stream_truncated, 0, true, detail);
    BOOST_TEST(e == errc::proxy_closed);  // inside a tunnel: the proxy's or the gateway's end
    BOOST_TEST(detail.find("tunnel closed") != std::string::npos);
    e = neo::detail::handshake_error(ssl_error(SSL_R_CERTIFICATE_VERIFY_FAILED), X509_V_ERR_HOSTNAME_MISMATCH, true,
                                     detail);
    BOOST_TEST(e == errc::tls_verification_failed);  // a TLS verdict stays one through a tunnel
}

BOOST_AUTO_TEST_CASE(read_failures_before_and_after_the_header) {
    struct row {
        error_code ec;
        bool got_header;
        errc expected;
    };
    const row rows[] = {
        {http::error::body_limit, true, errc::response_too_large},
        {http::error::header_limit, false, errc::response_too_large},
        {http::error::buffer_overflow, true, errc::response_too_large},
        {http::error::end_of_stream, false, errc::connection_failed},
        {http::error::partial_message, true, errc::truncated_response},
        {http::error::bad_chunk, true, errc::protocol_error},
        {http::error::bad_version, false, errc::protocol_error},
        {http::error::bad_content_length, true, errc::protocol_error},
        {asio::ssl::error::stream_truncated, false, errc::connection_failed},
        {asio::ssl::error::stream_truncated, true, errc::truncated_response},
        {asio::error::eof, true, errc::truncated_response},
        {asio::error::connection_reset, false, errc::connection_failed},
        {asio::error::broken_pipe, true, errc::truncated_response},
        {ssl_error(SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC), true, errc::protocol_error},
        {asio::error::network_unreachable, false, errc::connection_failed},
        {asio::error::network_unreachable, true, errc::truncated_response},
    };
    for (const auto& r : rows) {
        std::string detail;
        const auto e = neo::detail::read_error(r.ec, r.got_header, detail);
        BOOST_TEST(e == r.expected, r.ec.message() << (r.got_header ? " (after the header)" : ""));
        BOOST_TEST(detail == "read: " + r.ec.message());
    }
}

BOOST_AUTO_TEST_CASE(proxy_answers_that_end_badly) {
    std::string detail;
    BOOST_TEST(neo::detail::proxy_read_error(http::error::header_limit, detail) == errc::proxy_protocol_error);
    BOOST_TEST(detail == "the proxy's answer is over the header limit");
    BOOST_TEST(neo::detail::proxy_read_error(http::error::bad_version, detail) == errc::proxy_protocol_error);
    BOOST_TEST(detail.rfind("the proxy's answer is not HTTP", 0) == 0u);
    BOOST_TEST(neo::detail::proxy_read_error(http::error::end_of_stream, detail) == errc::proxy_closed);
    BOOST_TEST(neo::detail::proxy_read_error(http::error::partial_message, detail) == errc::proxy_closed);
    BOOST_TEST(neo::detail::proxy_read_error(asio::error::connection_reset, detail) == errc::proxy_closed);
    BOOST_TEST(detail.rfind("proxy: ", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
