// neo/diagnostics.hpp: the detail behind an error_code.
#pragma once

#include <neo/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo {

/// The phases of one HTTP exchange.
/// `queue`: waiting, before the first exchange, for a slot of client_params::max_in_flight.
/// `proxy`: through a proxy, asking it for the tunnel (CONNECT) and reading its answer.
enum class phase { none, resolve, connect, handshake, exchange, shutdown, backoff, queue, proxy };
const char* to_string(phase p) noexcept;
std::ostream& operator<<(std::ostream& os, phase p);

/// One HTTP attempt of an operation.
struct attempt_record {
    int number = 0;  ///< 1-based, across the steps of one operation
    /// "app_token", "login", "otp_generate", "second_factor", "logout", "totp_login", "totp_validate"
    std::string step{};
    boost::system::error_code result{};  ///< empty on success
    unsigned http_status = 0;            ///< 0 when no answer was read
    phase failed_phase = phase::none;
    std::chrono::milliseconds elapsed{0};
    /// The wait before the next attempt (what was asked for; 0 for the last attempt).
    std::chrono::milliseconds wait{0};
    std::optional<std::chrono::seconds> retry_after{};
    /// Where it went: the endpoint's host, port and path (never a query string: the gateway's
    /// paths carry none, and a caller's would not be shown).
    std::string host{};
    std::string port{};
    std::string path{};
    std::string server_code{};  ///< the gateway's code in the answer, if any (e.g. "10300", "900901")
    /// What the retry decision made of it: "succeeded", "retrying" (after `wait`), or why it
    /// stopped ("not retried", "no attempts left", "cancelled", ...); a warm-up's connection:
    /// "connected" or "not retried". Static text: copying a record copies no string for it.
    const char* verdict = "";
    /// The TLS handshake resumed an earlier session (no full handshake).
    bool tls_resumed = false;
    /// The attempt went over a connection kept open by an earlier exchange (no handshake at all).
    bool connection_reused = false;
    /// The attempt's new connection asked the resolver for its host's addresses. False for a
    /// kept connection, an IP literal, a host pinned by `client_params::resolve_overrides`, and
    /// a host whose addresses were kept from an earlier resolution
    /// (`client_params::address_cache_ttl`).
    bool resolved = false;
};

/// Filled by the `async_*` overloads that take it; written just before the handler runs.
/// Never holds a secret or a token: server messages are redacted.
struct diagnostics {
    unsigned http_status = 0;      ///< of the last answer read, 0 if none
    std::string server_code{};     ///< e.g. "10300", "900901", "invalid_client", "401"
    std::string server_message{};  ///< e.g. "Invalid Credentials"
    std::string detail{};          ///< the library's own words: TLS reason, limit hit, field missing
    phase failed_phase = phase::none;
    /// Every HTTP attempt of the operation, across its steps (e.g. the OAuth2 app token and the
    /// login count two).
    int attempts = 0;
    /// The last step attempted ("login", "app_token", ... as in `attempt_record::step`; the one
    /// that failed when the operation failed) and how many attempts that step alone made.
    std::string step{};
    int step_attempts = 0;
    std::vector<attempt_record> history{};
    std::optional<std::chrono::seconds> retry_after{};  ///< the last one received
    /// Time waited for a slot of client_params::max_in_flight before the first exchange.
    std::chrono::milliseconds queued{0};
    /// The gateway's clock minus ours, in whole seconds, from the `Date` header of the last
    /// answer that carried a valid one (the header has one-second resolution, so a correct clock
    /// reads 0 or -1). Beyond 15 s either way the client logs a warning: a TOTP made from our
    /// clock is then likely refused; `neo::totp::code` takes this offset. Empty when no answer
    /// carried a Date.
    std::optional<std::chrono::seconds> clock_offset{};

    void clear() { *this = diagnostics{}; }
};

/// How `render` lays diagnostics out.
enum class render_style {
    one_line,      ///< the summary
    every_attempt  ///< the summary, then one line per attempt
};

/// The diagnostics in words: the text `neo-login` prints after "STEP failed: MESSAGE; ", and
/// the text of `error_with_diagnostics::what()`. Parts, each only when known, joined by "; ":
/// HTTP status, server code, server message, detail, "STEP attempts K (N requests in all)" (the
/// failing step's own attempts, then every request of the operation), "phase P", "last to
/// https://HOST:PORT/PATH". Already redacted and escaped (no secret, no control character);
/// empty diagnostics give an empty string. E.g. "HTTP 401; server code 10200; Invalid
/// Credentials; login attempts 1 (2 requests in all); phase exchange; last to
/// https://127.0.0.1:40425/login/1.0/login/v2/validate".
std::string render(const diagnostics& d, render_style style = render_style::one_line);
/// One attempt in words: "#2 login POST https://host:port/path: HTTP 503, server code 1, backoff
/// 250 ms, TLS resumed".
std::string render(const attempt_record& a);
/// `render(d)`.
std::ostream& operator<<(std::ostream& os, const diagnostics& d);

/// What the client's `on_operation` hook receives, once per operation (`async_login`, each step,
/// a warm-up) when it completes: its first step's name, its result, its diagnostics (every
/// attempt) and how long it took from its call.
struct operation_report {
    const char* operation = "";  ///< "login", "otp_generate", "second_factor", "logout", "totp_login", "totp_validate", "warm_up"
    boost::system::error_code result{};
    const diagnostics& diag;
    std::chrono::milliseconds elapsed{0};
};

}  // namespace neo
NEO_VISIBLE_END
