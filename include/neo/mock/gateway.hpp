// neo/mock/gateway.hpp: a local TLS gateway that speaks the login family, for tests.
#pragma once

#include <neo/detail/config.hpp>
#include <neo/detail/link_check.hpp>

#include <neo/client_params.hpp>
#include <neo/mock/pki.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo::mock {

/// The endpoints the mock serves (both environments' paths). The login path serves the second
/// factor too: a request to it with a `sid` or `Auth` header, or an `otp` or `userId` in its
/// body, is routed as `second_factor`.
/// `limits` is the one protected read route after the login, as the official SDKs call it:
/// generation 1 `POST /Orders/2.0/quick/user/limits?sId=HS_SERVER_ID` (UAT:
/// `/orderapi/1.0/quick/user/limits`) with `Authorization: Bearer APP_TOKEN`, `Sid`, `Auth` and
/// `neo-fin-key`; generation 2 `POST BASE_URL/quick/user/limits` with `Sid` and `Auth` (and
/// `Authorization`, when sent, the consumer key). Both send `jData=JSON` as
/// application/x-www-form-urlencoded. A session the mock does not know (expired, logged out,
/// revoked) gets the gateway's rejections: generation 1 HTTP 401 with the `900901` shape,
/// generation 2 HTTP 200 with `{"stCode":100022,"errMsg":"invalid session token",...}`.
enum class route { app_token, login, unknown, otp_generate, second_factor, logout, totp_login, totp_validate, limits };
const char* to_string(route r) noexcept;

/// Misbehaviour at the connection level.
enum class fault {
    none,
    close_before_tls,      ///< accept, then close before the TLS handshake (per connection)
    stall_before_tls,      ///< accept, then never handshake (per connection)
    stall,                 ///< read the request, never answer
    close_without_answer,  ///< read the request, close
    close_mid_answer,      ///< read the request, send the header and half the body, close (no close_notify)
    /// read the request, answer without Content-Length (the body ends at the close), close
    /// without close_notify, as some HTTP/1.0-style servers do
    close_delimited_answer,
};

/// One scripted answer for one request to a route.
struct answer {
    unsigned status = 200;
    /// Extra headers, e.g. {"Retry-After", "2"}.
    std::vector<std::pair<std::string, std::string>> headers{};
    /// The body. Unset: for 200, the contract's normal processing; for any other status, a body of
    /// the shape the real gateway sends for it.
    std::optional<std::string> body{};
    std::chrono::milliseconds delay{0};
    fault action = fault::none;
};

/// The fixture user and app the contract accepts.
struct fixture {
    std::string mobile_number = "+919999999908";
    std::string userid = "testuser";
    std::string pan = "AVRFT7865T";
    std::string password = "mock-password";
    std::string mpin = "123456";
    std::string ucc = "TESTYA24";
    /// The tokens' `sub` claim: the user id the OTP generation and the second factor name. Unlike
    /// the UCC, as on the real gateway, so a client that confuses the two fails.
    std::string sub = "a7c3e9d2-5b1f-4e8a-9c6d-0f2b8e4a1d37";
    std::string greeting_name = "Test User";
    std::string consumer_key = "mock-consumer-key";
    std::string consumer_secret = "mock-consumer-secret";
    /// The OTP "sent" by the OTP generation endpoint; accepted once per generation, and only with
    /// the view session it was sent for: the newest live view session issued under the app token
    /// (Bearer) of the generation request, presented again under that same Bearer (the official
    /// SDK keeps one Bearer for every step; the generation request names no session).
    std::string otp = "4321";
    /// Generation 2's TOTP seed (base32); codes of the current step and one step either side are
    /// accepted.
    std::string totp_secret = "JBSWY3DPEHPK3PXPMOCKSEED";
    std::string neo_fin_key = "neotradeapi";
};

/// One request as the mock received it.
struct recorded_request {
    neo::mock::route route = route::unknown;
    std::string method{};
    std::string target{};
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body{};
    unsigned status = 0;  ///< what the mock answered; 0 if it never answered
    /// The value of a header (case-insensitive name), empty if absent.
    std::string header(std::string_view name) const;
};

/// One consistent snapshot of what a mock gateway has seen since it started (or since
/// reset_counters()), taken under one lock: the counters agree with each other.
struct gateway_stats {
    std::size_t requests = 0;                         ///< every request read, recorded or not
    std::map<route, std::size_t> requests_by_route{};  ///< the same, per route (absent: none)
    std::size_t connections = 0;                      ///< accepted
    std::size_t handshakes = 0;                       ///< completed TLS handshakes
    std::size_t resumed_handshakes = 0;               ///< of which resumed an earlier session
    std::size_t clean_closes = 0;                     ///< connections the client closed with close_notify
    std::size_t peak_concurrent_requests = 0;         ///< most requests read and not yet answered at once
    std::size_t live_sessions = 0;                    ///< as live_sessions()
};

struct gateway_params {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: any free port; read it back with port()
    /// The server's certificate chain and key (PEM). Empty: a throwaway CA made in memory issues
    /// one for 127.0.0.1 and localhost; ca_pem() returns that CA.
    std::string certificate_chain_pem{};
    std::string private_key_pem{};
    neo::mock::fixture fixture{};
    std::chrono::seconds token_lifetime{3600};      ///< of view and trade tokens (the JWT's exp)
    std::chrono::seconds app_token_lifetime{3600};  ///< the OAuth2 expires_in
    /// Requests per bearer token per window before answering 429; 0 = off.
    unsigned rate_limit = 0;
    std::chrono::seconds rate_window{1};
    std::optional<std::chrono::seconds> rate_limit_retry_after{};
    /// Bound on reading a request and on the handshake, per connection.
    std::chrono::milliseconds io_timeout{10000};
    /// The newest requests kept for requests() (a ring: older ones are dropped, so a long run
    /// holds bounded memory); request_count() counts every request all the same. Default: 10000.
    std::size_t max_records = 10000;
    /// The mock's clock is ours plus this: its Date headers and its TOTP checks. For tests of a
    /// client whose clock is off. Default: 0.
    std::chrono::seconds clock_offset{0};
    /// Called after each answer (on the mock's strand), e.g. to log it. Default: none.
    std::function<void(const recorded_request&)> on_request{};
};

/// A Beast TLS server on loopback implementing the mock contract of docs/protocol.md.
/// Thread safety: every member function may be called from any thread.
class gateway {
public:
    /// Runs on its own io_context and thread. (The last argument of the constructors is never
    /// passed: see neo/detail/link_check.hpp.)
    explicit gateway(gateway_params params = {}, detail::link_check = NEO_DETAIL_LINK_CHECK_HERE);
    /// Runs on the caller's executor; the caller runs its io_context.
    explicit gateway(boost::asio::any_io_executor ex, gateway_params params = {},
                     detail::link_check = NEO_DETAIL_LINK_CHECK_HERE);
    gateway(const gateway&) = delete;
    gateway& operator=(const gateway&) = delete;
    /// Stops (see stop()).
    ~gateway();

    std::uint16_t port() const noexcept;
    /// "https://127.0.0.1:PORT", for neo::gateway::from_origin.
    std::string origin() const;
    /// The CA that signed the server certificate (empty if the caller gave the certificate).
    const std::string& ca_pem() const noexcept;
    /// The fixture in use (the one in `gateway_params`): its user, password, MPIN, TOTP seed
    /// (`fixture().totp_secret`), app credentials.
    const neo::mock::fixture& fixture() const noexcept;
    /// Client params pointed at this mock: its origin (prod paths), its CA, and the fixture's
    /// consumer key and secret. Everything else is left at its default.
    neo::client_params client_params() const;
    /// Writes ca_pem() to a new file at `path` (mode 0644), created exclusively: an existing
    /// file or a symbolic link at `path` is never followed or overwritten (throws instead).
    void write_ca_file(const std::string& path) const;

    /// Answers for the next requests to `r`, one each, in order; then the contract again.
    void script(route r, std::vector<answer> answers);
    /// Faults for the next accepted connections, one each, in order.
    void script_connections(std::vector<fault> faults);

    /// Every counter at once (the getters below each read one).
    gateway_stats stats() const;
    /// The newest requests (at most `max_records`), oldest first.
    std::vector<recorded_request> requests() const;
    /// Every request to `r` since the start (or the last reset), recorded or dropped.
    std::size_t request_count(route r) const;
    std::size_t connections() const;         ///< accepted
    std::size_t handshakes() const;          ///< completed TLS handshakes
    std::size_t resumed_handshakes() const;  ///< of which resumed an earlier session
    /// The most requests being answered at once (read, answer not yet written), e.g. to check a
    /// client's bound on operations in flight.
    std::size_t peak_concurrent_requests() const;
    /// Connections the client ended with a TLS close_notify (not a bare TCP close).
    std::size_t clean_closes() const;
    /// Back to the state of a new mock: forgets records, scripts, counters, rate limits, issued
    /// app, view and trade tokens, live sessions and generated OTPs (every token issued before
    /// is refused from then on). The listener and its port stay.
    void reset();
    /// Forgets records, scripts and counters only: tokens and sessions issued stay valid.
    void reset_counters();

    /// Sessions (view and trade) currently live: issued, not expired, not logged out, not revoked.
    std::size_t live_sessions() const;
    /// Revokes every live session, as the gateway does when a session is ended elsewhere: later
    /// calls with them get the rejection shapes (see `route::limits`), and they count as neither
    /// live nor logged out. Returns how many were revoked. (`neo-mock-gateway` does this on SIGUSR1.)
    std::size_t revoke_sessions();
    /// Every token the mock has issued (app, view and trade tokens), e.g. to check that none of
    /// them reached a log.
    std::vector<std::string> issued_tokens() const;

    /// Closes the listener and every connection; the caller's io_context then runs out of the
    /// mock's work. With its own thread: joins it. Idempotent.
    void stop();

private:
    struct NEO_HIDDEN impl;
    std::shared_ptr<impl> impl_{};
};

/// `neo::mock::gateway` under a name that says what it is: a server (`neo::gateway`, also
/// `neo::gateway_endpoints`, is the endpoints a client logs in to).
using gateway_server = gateway;

}  // namespace neo::mock
NEO_VISIBLE_END
