// neo/error.hpp: the library's error codes and the conditions that group them.
#pragma once

#include <neo/detail/config.hpp>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/error_condition.hpp>

#include <iosfwd>
#include <type_traits>

NEO_VISIBLE_BEGIN
namespace neo {

/// Every failure the library reports itself. Cancellation by the caller is reported as
/// `boost::asio::error::operation_aborted`, never as one of these.
enum class errc : int {
    // invalid input: nothing was sent (condition::invalid_input)
    no_identity = 1,        ///< none of mobilenumber, userid, pan given
    several_identities,     ///< more than one of mobilenumber, userid, pan given
    invalid_mobile_number,  ///< not 10 digits, nor '+' followed by 11 to 15 digits
    invalid_pan,            ///< not [A-Z]{5}[0-9]{4}[A-Z] once upper-cased
    invalid_userid,         ///< empty, too long, or holds control characters
    no_secret,              ///< neither password nor mpin given
    several_secrets,        ///< both password and mpin given
    invalid_mpin,           ///< an MPIN that is not 6 digits
    invalid_password,       ///< a password with control characters or over 256 bytes
    missing_credentials,    ///< no access_token, and no consumer key and secret
    invalid_gateway,        ///< a gateway whose origin or paths are unusable

    // the gateway said no (condition::rejected)
    bad_request,   ///< HTTP 400
    unauthorized,  ///< HTTP 401
    forbidden,     ///< HTTP 403
    server_error,  ///< HTTP 500
    rejected,      ///< another non-retryable status, or an error body inside a 200

    // the gateway could not serve us (condition::unavailable)
    rate_limited,         ///< HTTP 429, or a Retry-After longer than the time left
    service_unavailable,  ///< HTTP 502, 503 or 504
    connection_failed,    ///< refused, reset or closed connection, resolve failure

    // TLS (condition::tls)
    tls_verification_failed,  ///< untrusted, expired or wrong-host certificate
    tls_handshake_failed,     ///< protocol version or another handshake failure

    // the answer could not be used (condition::bad_response)
    malformed_response,  ///< not JSON, or JSON of the wrong shape
    missing_fields,      ///< a 200 without data.token and data.sid (or access_token)
    response_too_large,  ///< over the header or body limit
    protocol_error,      ///< broken HTTP framing
    truncated_response,  ///< the connection ended in the middle of the answer
    redirect,            ///< a 3xx answer (never followed)

    // time (condition::timed_out)
    timeout,            ///< one phase took longer than its bound
    deadline_exceeded,  ///< the whole call took longer than its deadline

    internal_error,  ///< a bug or an allocation failure inside the library

    // more invalid input (condition::invalid_input), added with the rest of the login family
    invalid_otp,             ///< an OTP second factor that is not 4 digits
    invalid_totp,            ///< a TOTP code that is not 6 digits
    invalid_ucc,             ///< a client code (UCC) that is empty, too long or not alphanumeric
    invalid_session,         ///< a session without token or sid, or a view token without a `sub` claim
    invalid_totp_secret,     ///< a TOTP seed that is not base32 (or is empty)
    no_second_factor,        ///< neither an OTP nor an MPIN given for the second factor
    several_second_factors,  ///< both an OTP and an MPIN given for the second factor
    invalid_params,          ///< a client parameter out of range (e.g. a user agent over 1 KiB)

    // added with proxies and source addresses
    invalid_proxy,          ///< (invalid_input) a proxy origin that is not http://host[:port], or bad credentials
    invalid_local_address,  ///< (invalid_input) not an IP literal, or an address this host cannot bind
    proxy_auth_required,    ///< (rejected) the proxy answered the CONNECT with 407
    proxy_refused,          ///< (rejected) the proxy answered the CONNECT with another non-2xx status (403, ...)
    proxy_unavailable,      ///< (unavailable) the proxy is unreachable, or answered 502, 503 or 504
    proxy_closed,           ///< (unavailable) the proxy closed the connection before answering the CONNECT
    proxy_protocol_error,   ///< (bad_response) the proxy's answer is not HTTP, or is over the header limit
};

/// Coarse groups of `errc`, for decisions such as a process exit status.
enum class condition : int {
    invalid_input = 1,
    rejected,
    unavailable,
    tls,
    bad_response,
    timed_out,
};

/// The group's name: "invalid_input", "rejected", "unavailable", "tls", "bad_response",
/// "timed_out" (`ec.default_error_condition().message()` gives the same words for an error code).
const char* to_string(condition c) noexcept;
std::ostream& operator<<(std::ostream& os, condition c);

const boost::system::error_category& error_category() noexcept;
const boost::system::error_category& condition_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}
inline boost::system::error_condition make_error_condition(condition c) noexcept {
    return {static_cast<int>(c), condition_category()};
}

/// The condition `e` belongs to.
condition condition_of(errc e) noexcept;

/// Prints the code's message, e.g. for test frameworks.
std::ostream& operator<<(std::ostream& os, errc e);

}  // namespace neo
NEO_VISIBLE_END

namespace boost::system {
template <>
struct is_error_code_enum<neo::errc> : std::true_type {};
template <>
struct is_error_condition_enum<neo::condition> : std::true_type {};
}  // namespace boost::system
