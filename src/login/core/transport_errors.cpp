// Transport errors to `neo::errc` (see transport_errors.hpp).
#include "transport_errors.hpp"

#include <neo/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace neo::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
bool is_http_parse_error(const error_code& ec) {
    return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}
}  // namespace

error_code handshake_error(const error_code& ec, long verify_result, bool tunnelled, std::string& detail) {
    if (ec.category() == asio::error::get_ssl_category()) {
        if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            detail = "certificate verify failed: ";
            detail += X509_verify_cert_error_string(verify_result);
            return errc::tls_verification_failed;
        }
        detail = "TLS handshake: " + ec.message();
        return errc::tls_handshake_failed;
    }
    if (tunnelled) {
        // The tunnel ended before TLS did: the proxy's doing or the gateway's; nothing was sent.
        detail = "the tunnel closed during the TLS handshake: " + ec.message();
        return errc::proxy_closed;
    }
    // The peer went away during the handshake: nothing was sent, a retry is safe.
    detail = "handshake: " + ec.message();
    return errc::connection_failed;
}

error_code read_error(const error_code& ec, bool got_header, std::string& detail) {
    detail = "read: " + ec.message();
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return errc::response_too_large;
    if (ec == http::error::end_of_stream) return errc::connection_failed;
    if (ec == http::error::partial_message) return errc::truncated_response;
    if (is_http_parse_error(ec)) return errc::protocol_error;  // any other framing error of the parser
    if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::broken_pipe)
        return got_header ? errc::truncated_response : errc::connection_failed;
    if (ec.category() == asio::error::get_ssl_category()) return errc::protocol_error;
    return got_header ? errc::truncated_response : errc::connection_failed;
}

error_code proxy_read_error(const error_code& ec, std::string& detail) {
    if (ec == http::error::header_limit) {
        detail = "the proxy's answer is over the header limit";
        return errc::proxy_protocol_error;
    }
    if (is_http_parse_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
        detail = "the proxy's answer is not HTTP: " + ec.message();
        return errc::proxy_protocol_error;
    }
    detail = "proxy: " + ec.message();
    return errc::proxy_closed;
}

}  // namespace neo::detail
