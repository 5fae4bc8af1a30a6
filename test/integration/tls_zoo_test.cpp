// The certificate zoo and the protocol versions: each bad certificate or old protocol is a TLS
// error, not retried, and the server receives no request byte; the good ones log in.
#include "fixture.hpp"
#include "hostile_server.hpp"

using namespace neo_test;
using boost::system::error_code;
using neo::errc;
using neo::mock::certificate_authority;
using neo::mock::certificate_options;

namespace {

using hs = hostile_server;
using tls_stream = hs::tls_stream;

const std::string good_body = R"({"data":{"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJURVNUWUEyNCJ9.c2ln","sid":"s-1"}})";

// Answers every request with a valid login, for the cases that must succeed.
asio::awaitable<void> serve_ok(hs& s, tls_stream& t) {
    if ((co_await s.read_request(t)).empty()) co_return;
    // A named string: GCC 12 mishandles temporaries that live across a co_await.
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(good_body.size()) +
        "\r\n\r\n" + good_body;
    co_await s.write(t, answer);
}

struct zoo_result {
    error_code ec;
    neo::diagnostics diag;
    int requests = 0;
    int connections = 0;
    std::vector<std::string> sni;
};

// A server presenting `chain`/`key` (PEM), configured further by `tune`; a client trusting
// `trusted` that logs in to `host` (pinned to 127.0.0.1 when it is a name).
zoo_result attempt(const std::string& chain, const std::string& key, const std::string& trusted,
                   const std::string& host = "127.0.0.1", std::function<void(asio::ssl::context&)> tune = {}) {
    asio::io_context io;
    hostile_server srv(io, serve_ok, [&](asio::ssl::context& ctx, const certificate_authority&) {
        SSL_CTX_set_security_level(ctx.native_handle(), 0);  // so the server can present weak keys
        if (!chain.empty()) {
            ctx.use_certificate_chain(asio::buffer(chain));
            ctx.use_private_key(asio::buffer(key), asio::ssl::context::pem);
        }
        if (tune) tune(ctx);
    });
    neo::client_params p;
    const auto port = srv.origin().substr(srv.origin().rfind(':') + 1);
    p.gateway = neo::gateway::from_origin("https://" + host + ":" + port);
    if (host != "127.0.0.1") p.resolve_overrides = {{host, "127.0.0.1"}};
    p.ca_pem = trusted.empty() ? srv.ca_pem() : trusted;
    p.access_token = "zoo-token";
    p.timeouts.handshake = 2s;
    p.on_backoff = [](std::chrono::milliseconds) { return std::chrono::milliseconds(0); };
    capture_log(p);
    neo::client c{io, p};
    zoo_result r;
    int calls = 0;
    c.async_login(good_request(), r.diag, [&](error_code ec, neo::session) {
        ++calls;
        r.ec = ec;
        srv.stop();
    });
    io.run_for(20s);
    BOOST_TEST(io.stopped());
    BOOST_TEST(calls == 1);
    capture_outcome(r.ec, r.diag);
    r.requests = srv.requests;
    r.connections = srv.connections;
    r.sni = srv.server_names;
    return r;
}

void expect_tls_failure(const zoo_result& r, const char* name) {
    BOOST_TEST((r.ec == neo::condition::tls), name << ": " << r.ec.message() << " / " << r.diag.detail);
    BOOST_TEST(r.diag.attempts == 1, name << ": retried");
    BOOST_TEST(r.connections == 1, name);
    BOOST_TEST(r.requests == 0, name << ": the server received a request");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(certificate_zoo)

BOOST_AUTO_TEST_CASE(bad_certificates_are_tls_errors_with_nothing_sent) {
    certificate_authority ca("zoo root");
    struct row {
        const char* name;
        neo::mock::certificate_pem cert;
        std::string extra_chain;
        std::string trusted;
        std::string host;
        const char* detail;  // a word the verification detail must hold ("" for none)
    };
    const auto inter = ca.intermediate();
    certificate_options weak;
    weak.key = neo::mock::key_kind::rsa_1024;
    certificate_options partial;
    partial.dns_names = {"gw*.neo.test"};
    partial.ip_addresses = {};
    std::vector<row> rows;
    rows.push_back(
        {"expired", ca.issue({.not_before = -48h, .not_after = -24h}), "", ca.certificate(), "127.0.0.1", "expired"});
    rows.push_back({"not yet valid", ca.issue({.not_before = 24h, .not_after = 48h}), "", ca.certificate(), "127.0.0.1",
                    "not yet"});
    rows.push_back({"self-signed", certificate_authority::self_signed(), "", ca.certificate(), "127.0.0.1", "self"});
    rows.push_back({"untrusted root", certificate_authority("other root").issue(), "", ca.certificate(), "127.0.0.1",
                    "local issuer"});
    rows.push_back({"missing intermediate", inter.issue(), "", ca.certificate(), "127.0.0.1", "local issuer"});
    rows.push_back({"wrong host", ca.issue({.dns_names = {"example.com"}, .ip_addresses = {}}), "", ca.certificate(),
                    "localhost", "mismatch"});
    rows.push_back({"partial wildcard", ca.issue(partial), "", ca.certificate(), "gw-napi.neo.test", "mismatch"});
    rows.push_back(
        {"wrong IP", ca.issue({.ip_addresses = {"10.9.8.7"}}), "", ca.certificate(), "127.0.0.1", "mismatch"});
    rows.push_back({"weak key", ca.issue(weak), "", ca.certificate(), "127.0.0.1", "too weak"});
    for (const auto& r : rows) {
        auto res = attempt(r.cert.certificate + r.extra_chain, r.cert.private_key, r.trusted, r.host);
        expect_tls_failure(res, r.name);
        if (*r.detail)
            BOOST_TEST(res.diag.detail.find(r.detail) != std::string::npos, r.name << ": " << res.diag.detail);
    }
}

BOOST_AUTO_TEST_CASE(good_certificates_log_in) {
    certificate_authority ca("zoo root");
    const auto inter = ca.intermediate();
    // The intermediate sent in the chain: verifies to the root.
    const auto leaf = inter.issue();
    auto chained = attempt(leaf.certificate + inter.certificate(), leaf.private_key, ca.certificate());
    BOOST_TEST(!chained.ec, chained.ec.message() << " / " << chained.diag.detail);
    // A full wildcard for the host's parent domain is fine; partial ones are not (above).
    const auto w = ca.issue({.dns_names = {"*.neo.test"}, .ip_addresses = {}});
    auto named = attempt(w.certificate, w.private_key, ca.certificate(), "gw-napi.neo.test");
    BOOST_TEST(!named.ec, named.ec.message() << " / " << named.diag.detail);
    BOOST_REQUIRE(named.sni.size() == 1u);
    BOOST_TEST(named.sni[0] == "gw-napi.neo.test");  // SNI for a DNS name
    // An RSA-2048 key is fine.
    const auto rsa = ca.issue({.key = neo::mock::key_kind::rsa_2048});
    auto rsa_ok = attempt(rsa.certificate, rsa.private_key, ca.certificate());
    BOOST_TEST(!rsa_ok.ec, rsa_ok.ec.message() << " / " << rsa_ok.diag.detail);
}

BOOST_AUTO_TEST_CASE(ip_address_target_is_checked_against_ip_sans_without_sni) {
    certificate_authority ca("zoo root");
    const auto c = ca.issue({.dns_names = {}, .ip_addresses = {"127.0.0.1"}});
    auto r = attempt(c.certificate, c.private_key, ca.certificate(), "127.0.0.1");
    BOOST_TEST(!r.ec, r.ec.message() << " / " << r.diag.detail);
    BOOST_REQUIRE(r.sni.size() == 1u);
    BOOST_TEST(r.sni[0] == "");  // no SNI for an IP literal
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cipher_suites)

// A TLS 1.2 server limited to `suites` with an RSA or an EC certificate.
static zoo_result tls12_with(const char* suites, neo::mock::key_kind key) {
    certificate_authority ca("zoo root");
    const auto c = ca.issue({.key = key});
    return attempt(c.certificate, c.private_key, ca.certificate(), "127.0.0.1", [suites](asio::ssl::context& ctx) {
        SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_2_VERSION);
        BOOST_REQUIRE(SSL_CTX_set_cipher_list(ctx.native_handle(), suites) == 1);
    });
}

BOOST_AUTO_TEST_CASE(tls_1_2_servers_without_forward_secret_aead_are_refused) {
    using neo::mock::key_kind;
    // Static-RSA key exchange (no forward secrecy), and ECDHE with CBC (not AEAD).
    for (const char* suites : {"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA"}) {
        auto r = tls12_with(suites, key_kind::rsa_2048);
        expect_tls_failure(r, suites);
        BOOST_TEST(r.ec == errc::tls_handshake_failed, suites);
    }
    auto cbc = tls12_with("ECDHE-ECDSA-AES256-SHA", key_kind::ec_p256);
    expect_tls_failure(cbc, "ECDHE-ECDSA-AES256-SHA");
}

BOOST_AUTO_TEST_CASE(tls_1_2_servers_with_ecdhe_gcm_or_chacha20_are_accepted) {
    using neo::mock::key_kind;
    for (const char* suites :
         {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"}) {
        auto r = tls12_with(suites, key_kind::rsa_2048);
        BOOST_TEST(!r.ec, suites << ": " << r.ec.message() << " / " << r.diag.detail);
        BOOST_TEST(r.requests == 1, suites);
    }
    for (const char* suites : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
        auto r = tls12_with(suites, key_kind::ec_p256);
        BOOST_TEST(!r.ec, suites << ": " << r.ec.message() << " / " << r.diag.detail);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(protocol_versions)

BOOST_AUTO_TEST_CASE(tls_1_0_and_1_1_servers_are_refused) {
    for (int v : {TLS1_VERSION, TLS1_1_VERSION}) {
        auto r = attempt("", "", "", "127.0.0.1", [v](asio::ssl::context& ctx) {
            SSL_CTX_set_min_proto_version(ctx.native_handle(), v);
            SSL_CTX_set_max_proto_version(ctx.native_handle(), v);
            SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
        });
        expect_tls_failure(r, v == TLS1_VERSION ? "TLS 1.0" : "TLS 1.1");
        BOOST_TEST(r.ec == errc::tls_handshake_failed);
    }
}

BOOST_AUTO_TEST_CASE(tls_1_3_only_and_tls_1_2_only_servers_are_accepted) {
    for (int v : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        auto r = attempt("", "", "", "127.0.0.1", [v](asio::ssl::context& ctx) {
            SSL_CTX_set_min_proto_version(ctx.native_handle(), v);
            SSL_CTX_set_max_proto_version(ctx.native_handle(), v);
        });
        BOOST_TEST(!r.ec, v << ": " << r.ec.message() << " / " << r.diag.detail);
        BOOST_TEST(r.requests == 1);
    }
}

BOOST_AUTO_TEST_SUITE_END()
