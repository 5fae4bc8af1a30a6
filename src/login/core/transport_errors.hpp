// What a transport failure means for the caller: the Asio, Beast and OpenSSL error codes of each
// phase mapped to `neo::errc`, with the detail text. No I/O.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>

namespace neo::detail {

using boost::system::error_code;

// A failed TLS handshake. `verify_result` is SSL_get_verify_result of the connection (used when
// the certificate check is what failed); `tunnelled` when it ran inside a proxy's tunnel.
error_code handshake_error(const error_code& ec, long verify_result, bool tunnelled, std::string& detail);

// A failed read of the answer; `got_header` when its header had been read whole.
error_code read_error(const error_code& ec, bool got_header, std::string& detail);

// A failed read of the proxy's answer to CONNECT (never a timeout: the caller bounds the phase).
error_code proxy_read_error(const error_code& ec, std::string& detail);

}  // namespace neo::detail
