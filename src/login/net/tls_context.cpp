// The client's verifying TLS context and per-connection settings (see tls_context.hpp).
#include "tls_context.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace neo::detail {

namespace ssl = boost::asio::ssl;

namespace {

[[noreturn]] void throw_tls_setup(const char* what, const std::string& where, const boost::system::system_error& e) {
    std::string msg = what;
    if (!where.empty()) msg += " '" + where + "'";
    msg += ": ";
    msg += e.code().message();
    throw boost::system::system_error(e.code(), msg);
}

int resume_slot_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL hands over each new session (TLS 1.2 after the handshake, TLS 1.3 with each ticket).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* slot = static_cast<resume_slot*>(SSL_get_ex_data(ssl, resume_slot_index()));
    if (!slot) return 0;
    slot->cache->keep(slot->key, session);
    return 1;  // we keep the reference
}

}  // namespace

std::unique_ptr<ssl::context> make_tls_context(const client_params& p) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    // tls_client allows every version; TLS 1.2 is the floor, TLS 1.3 stays allowed.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // At least OpenSSL's security level 2 (RSA/DH keys of 2048 bits, no SHA-1 signatures),
    // whatever the system's openssl.cnf says.
    if (SSL_CTX_get_security_level(ctx->native_handle()) < 2) SSL_CTX_set_security_level(ctx->native_handle(), 2);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    // No renegotiation (TLS 1.2): a server's HelloRequest is refused, never acted on.
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
    // Under TLS 1.2 only forward-secret AEAD suites: ECDHE with AES-GCM or ChaCha20-Poly1305 (no
    // static-RSA key exchange, no CBC). TLS 1.3's suites all qualify and are left as they are.
    SSL_CTX_set_cipher_list(ctx->native_handle(),
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    // OpenSSL's 2 x 16 KiB record buffers are freed while a connection waits: memory per login
    // in flight is what an engine with many accounts pays.
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // The decrypted answers (tokens) are wiped from OpenSSL's record buffers once read.
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CLEANSE_PLAINTEXT);
    ctx->set_verify_mode(ssl::verify_peer);
    try {
        if (!p.ca_file.empty()) ctx->load_verify_file(p.ca_file);
    } catch (const boost::system::system_error& e) {
        throw_tls_setup("cannot load the CA file", p.ca_file, e);
    }
    try {
        if (!p.ca_pem.empty()) ctx->add_certificate_authority(boost::asio::buffer(p.ca_pem));
    } catch (const boost::system::system_error& e) {
        throw_tls_setup("cannot load the CA PEM", {}, e);
    }
    if (p.ca_file.empty() && p.ca_pem.empty()) ctx->set_default_verify_paths();
    if (p.tls_session_resumption) {
        // Sessions are kept by the client (per host:port), not in OpenSSL's internal store.
        SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx->native_handle(), on_new_session);
    }
    return ctx;
}

bool prepare_connection(SSL* ssl, const std::string& host, bool host_is_ip, resume_slot* slot) {
    // Also on a connection made from the caller's own context (client_params::tls_context),
    // which is left as it is: the plaintext of what the gateway sends leaves no copy.
    SSL_set_options(ssl, SSL_OP_CLEANSE_PLAINTEXT);
    // SNI and host name check for a DNS name, IP SAN check (no SNI) for an IP literal.
    if (!host_is_ip) {
        SSL_set_tlsext_host_name(ssl, host.c_str());
        SSL_set1_host(ssl, host.c_str());
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl));
    if (!slot) return false;
    // Resume the last session with this host:port (a TLS 1.3 ticket or a TLS 1.2 session).
    SSL_set_ex_data(ssl, resume_slot_index(), slot);
    bool offered = false;
    if (SSL_SESSION* cached = slot->cache->take(slot->key)) {
        offered = SSL_set_session(ssl, cached) == 1;
        SSL_SESSION_free(cached);
    }
    return offered;
}

}  // namespace neo::detail
