// The client's verifying TLS context (TLS 1.2 floor, forward-secret AEAD suites, no
// renegotiation, the caller's CAs or the system's) and the per-connection settings: host name
// or IP check, SNI, and the session to resume.
#pragma once

#include "session_cache.hpp"

#include <neo/client_params.hpp>

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace neo::detail {

// Which cache and host:port a connection's new TLS sessions go to (OpenSSL's new-session callback
// finds it through the SSL object's ex_data). Lives as long as the connection.
struct resume_slot {
    session_cache* cache = nullptr;
    std::string key;
};

// Throws boost::system::system_error when the CA file or PEM cannot be loaded.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const client_params& p);

// Sets up one new connection: verification of `host` (a DNS name with SNI, or an IP literal
// against the IP SAN), and when `slot` is given, the cached session to resume (true when one was
// offered) and the callback that keeps the new ones.
bool prepare_connection(SSL* ssl, const std::string& host, bool host_is_ip, resume_slot* slot);

}  // namespace neo::detail
