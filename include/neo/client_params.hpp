// neo/client_params.hpp: every option of a client, in one aggregate.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/diagnostics.hpp>
#include <neo/gateway.hpp>
#include <neo/logger.hpp>
#include <neo/proxy.hpp>
#include <neo/retry_policy.hpp>
#include <neo/secret.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

NEO_VISIBLE_BEGIN
namespace neo {

/// Bounds of each phase of one HTTP exchange. Each is also cut to the time left before the
/// operation's deadline; 0 means no bound of its own.
struct timeouts {
    std::chrono::milliseconds resolve{10000};
    std::chrono::milliseconds connect{10000};  ///< for all addresses of the host together
    std::chrono::milliseconds handshake{10000};
    std::chrono::milliseconds exchange{10000};  ///< writing the request and reading the whole answer
    std::chrono::milliseconds shutdown{1000};   ///< TLS close_notify; its failure never fails a login
    /// Through a proxy: sending the CONNECT request and reading the proxy's answer.
    std::chrono::milliseconds proxy{10000};
};

/// Bounds on what a server can make us hold.
struct response_limits {
    std::size_t header_bytes = 16 * 1024;
    std::size_t body_bytes = 1024 * 1024;
};

struct client_params {
    /// Where to log in. Default: UAT.
    neo::gateway gateway = neo::gateway::uat();
    /// OAuth2 client credentials for the app token. Default: empty (then access_token is needed).
    std::string consumer_key{};
    /// At most 512 bytes.
    basic_secret<512> consumer_secret{};
    /// A ready app token; when set the OAuth2 step is skipped. Default: empty. At most 2 KiB.
    secret access_token{};
    /// Generation 2's `neo-fin-key` header. Default: "neotradeapi", as the SDK sends.
    std::string neo_fin_key = "neotradeapi";
    /// PEM file of the CAs to trust instead of the system store; read once, when the client is
    /// built. Default: empty (the system store).
    std::string ca_file{};
    /// CAs to trust as PEM text in memory. Like ca_file it replaces the system store (it is not
    /// added to it); with both set, the CAs of both are trusted. Default: empty.
    std::string ca_pem{};
    /// A context of the caller's to use instead of one the client makes; it must outlive the
    /// client. Peer and host name verification are still set on every stream. Default: null (the client makes a
    /// verifying TLS 1.2+ context once, not per login).
    boost::asio::ssl::context* tls_context = nullptr;
    /// Resume TLS sessions (TLS 1.3 tickets, TLS 1.2 sessions) across the connections of this
    /// client to the same host:port: a retry, the next step and the next login skip the full
    /// handshake. Kept per client, the newest 8 sessions per host:port (so logins in
    /// parallel resume too), at most 64 hosts, each used once; safe on a
    /// multi-threaded io_context. Applies to the context the client makes (not to a caller's
    /// `tls_context`). Default: on.
    bool tls_session_resumption = true;
    /// Keep a connection the server keeps open, for the next exchange of the same operation to
    /// the same host:port: the OAuth2 step then the login, a retry after a 429 or 503. A
    /// connection the server closed, or that failed, is never reused; one found closed when
    /// reused is replaced once, transparently. Kept for the next operations for
    /// `keep_alive_idle` (so a client, like any Asio I/O object, goes before its io_context).
    /// Default: on.
    bool keep_alive = true;
    /// With keep_alive, how long a connection left open when an operation ends is kept for the
    /// client's next operations (the second factor after the login, the next login): at most 4
    /// such connections, each checked before use. 0: none is kept past its operation.
    /// Default: 10 s.
    std::chrono::milliseconds keep_alive_idle{10000};
    /// At most this many operations (`async_login`, each step) of this client run at once, from
    /// their call (or their turn) to their end; each holds at most one connection, so this
    /// bounds the client's connections too. Others wait, in order of arrival, cancellable and
    /// within their deadline (`diagnostics::queued` says how long; `phase::queue` if the
    /// deadline passes), having done nothing yet but check their input: bad input fails at once.
    /// A waiting call holds no socket, TLS state, strand or coroutine (a few hundred bytes and a
    /// timer for its deadline); when its turn comes it takes the connection the operation that
    /// just ended left open, if the server kept it. An engine that logs in hundreds of accounts
    /// at the open keeps its event loop ticking (the TLS handshakes' CPU work reaches the loop a
    /// few at a time), and the gateway sees a bounded burst. 0: no bound. Default: 4.
    std::size_t max_in_flight = 4;
    /// Addresses to use instead of DNS for some host names, like curl's `--resolve`: host name ->
    /// IP literal. The certificate is still checked against the host name, which is also sent as
    /// SNI. For pinning a gateway's address, or for tests. Default: empty (DNS for every name).
    std::vector<std::pair<std::string, std::string>> resolve_overrides{};
    /// How long the addresses a host name resolved to are kept for this client's next
    /// connections to it: a new connection within that time does not ask the resolver (no
    /// `getaddrinfo`, no round trip to a DNS server). Only answers are kept, never a failure; a
    /// connection that fails to connect to kept addresses forgets them, so the next one
    /// resolves again. At most 64 host names. 0: resolve for every new connection.
    /// Default: 60 s, as long as a warm-up before the open and the login that follows, and no
    /// longer than the time-to-live gateways' DNS records commonly carry (60 to 300 s), so a
    /// moved gateway is followed as soon as a caching resolver would follow it.
    std::chrono::milliseconds address_cache_ttl{60000};
    /// Per-phase bounds. Defaults: 10 s each, 1 s for the TLS shutdown.
    neo::timeouts timeouts{};
    /// Retry, backoff and deadline. Defaults: 4 attempts, 250 ms base (1 s after 429), 8 s cap,
    /// 30 s deadline.
    retry_policy retry{};
    /// Header and body bounds. Defaults: 16 KiB and 1 MiB.
    response_limits limits{};
    /// Sent as User-Agent. Default: "neo-login/0.1".
    std::string user_agent = "neo-login/0.1";
    /// Where log lines go. Default: nowhere.
    neo::logger logger{};
    /// The random draw in [0, 1) for the backoff jitter. Default: null (an internal generator).
    std::function<double()> random{};
    /// Called with each backoff wait before it starts; returns how long to actually wait.
    /// Tests return zero to make waits instant while diagnostics keep the computed wait.
    /// Default: null (wait as computed).
    std::function<std::chrono::milliseconds(std::chrono::milliseconds)> on_backoff{};
    /// Metrics without parsing logs: called once per HTTP attempt (and once per connection a
    /// warm-up opens) with its record (step, endpoint, duration, HTTP status, server code, TLS
    /// resumed, connection reused, the retry verdict and wait), on the operation's strand, just
    /// after the attempt. Must not block or throw. Not set: nothing is called or allocated for
    /// it. Default: null.
    std::function<void(const attempt_record&)> on_attempt{};
    /// Called once per operation when it completes, before its handler, with its outcome (see
    /// `operation_report`). Must not block or throw. Default: null.
    std::function<void(const operation_report&)> on_operation{};
    /// An HTTP CONNECT proxy for every connection (see neo::proxy_settings and
    /// neo::proxy_from_environment). Default: none (the environment is not read).
    proxy_settings proxy{};
    /// The source address (an IPv4 or IPv6 literal) every connection is bound to before it
    /// connects, for a host with several addresses of which one is whitelisted by the gateway.
    /// With a proxy, the connection to the proxy is bound. Not an IP literal:
    /// `errc::invalid_local_address` before anything is sent; an address this host cannot bind
    /// fails the same way, at the connection. Default: empty (the system chooses).
    std::string local_address{};
};

}  // namespace neo
NEO_VISIBLE_END
