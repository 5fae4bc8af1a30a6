// The error codes and conditions (neo::errc, neo::condition), their categories and words, the
// phases, and error_with_diagnostics.
#include <neo/diagnostics.hpp>
#include <neo/error.hpp>
#include <neo/logger.hpp>
#include <neo/with_diagnostics.hpp>

#include <ostream>
#include <string>

namespace neo {
namespace {

const char* errc_message(errc e) noexcept {
    switch (e) {
        case errc::no_identity:
            return "no identity: give one of mobilenumber, userid, pan";
        case errc::several_identities:
            return "more than one identity: give one of mobilenumber, userid, pan";
        case errc::invalid_mobile_number:
            return "invalid mobile number: 10 digits, or '+' and 11 to 15 digits";
        case errc::invalid_pan:
            return "invalid PAN: five letters, four digits, one letter";
        case errc::invalid_userid:
            return "invalid user id";
        case errc::no_secret:
            return "no secret: give a password or an MPIN";
        case errc::several_secrets:
            return "both a password and an MPIN given";
        case errc::invalid_mpin:
            return "invalid MPIN: 6 digits";
        case errc::invalid_password:
            return "invalid password: over 256 bytes or control characters";
        case errc::missing_credentials:
            return "no access token, and no consumer key and secret";
        case errc::invalid_gateway:
            return "invalid gateway";
        case errc::bad_request:
            return "rejected by the gateway: 400 bad request";
        case errc::unauthorized:
            return "rejected by the gateway: 401 unauthorized";
        case errc::forbidden:
            return "rejected by the gateway: 403 forbidden";
        case errc::server_error:
            return "rejected by the gateway: 500 server error";
        case errc::rejected:
            return "rejected by the gateway";
        case errc::rate_limited:
            return "rate limited by the gateway (429)";
        case errc::service_unavailable:
            return "gateway unavailable (502, 503 or 504)";
        case errc::connection_failed:
            return "connection failed";
        case errc::tls_verification_failed:
            return "TLS certificate verification failed";
        case errc::tls_handshake_failed:
            return "TLS handshake failed";
        case errc::malformed_response:
            return "malformed response";
        case errc::missing_fields:
            return "response lacks required fields";
        case errc::response_too_large:
            return "response over the size limit";
        case errc::protocol_error:
            return "HTTP protocol error";
        case errc::truncated_response:
            return "response truncated";
        case errc::redirect:
            return "redirect refused";
        case errc::timeout:
            return "timed out";
        case errc::deadline_exceeded:
            return "deadline exceeded";
        case errc::internal_error:
            return "internal error";
        case errc::invalid_otp:
            return "invalid OTP: 4 digits";
        case errc::invalid_totp:
            return "invalid TOTP code: 6 digits";
        case errc::invalid_ucc:
            return "invalid UCC: 1 to 32 letters and digits";
        case errc::invalid_session:
            return "invalid session: no token or sid, or a token without a sub claim";
        case errc::invalid_totp_secret:
            return "invalid TOTP secret: not base32";
        case errc::no_second_factor:
            return "no second factor: give an OTP or an MPIN";
        case errc::several_second_factors:
            return "both an OTP and an MPIN given for the second factor";
        case errc::invalid_params:
            return "invalid client parameters";
        case errc::invalid_proxy:
            return "invalid proxy: the origin must be http://host[:port]";
        case errc::invalid_local_address:
            return "invalid local address: not an IP literal, or not an address of this host";
        case errc::proxy_auth_required:
            return "the proxy wants authentication (HTTP 407)";
        case errc::proxy_refused:
            return "the proxy refused the tunnel";
        case errc::proxy_unavailable:
            return "the proxy is unreachable or could not reach the gateway";
        case errc::proxy_closed:
            return "the proxy closed the connection before answering";
        case errc::proxy_protocol_error:
            return "the proxy's answer is not HTTP";
    }
    return "unknown neo error";
}

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "neo.login"; }
    std::string message(int ev) const override { return errc_message(static_cast<errc>(ev)); }
    char const* message(int ev, char*, std::size_t) const noexcept override {
        return errc_message(static_cast<errc>(ev));
    }
    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        return make_error_condition(condition_of(static_cast<errc>(ev)));
    }
};

class condition_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "neo.login.condition"; }
    std::string message(int ev) const override {
        switch (static_cast<condition>(ev)) {
            case condition::invalid_input:
                return "invalid input";
            case condition::rejected:
                return "rejected";
            case condition::unavailable:
                return "unavailable";
            case condition::tls:
                return "TLS failure";
            case condition::bad_response:
                return "bad response";
            case condition::timed_out:
                return "timed out";
        }
        return "unknown condition";
    }
};

}  // namespace

condition condition_of(errc e) noexcept {
    switch (e) {
        case errc::invalid_proxy:
        case errc::invalid_local_address:
            return condition::invalid_input;
        case errc::proxy_auth_required:
        case errc::proxy_refused:
            return condition::rejected;
        case errc::proxy_unavailable:
        case errc::proxy_closed:
            return condition::unavailable;
        case errc::proxy_protocol_error:
            return condition::bad_response;
        default:
            break;
    }
    if (e >= errc::invalid_otp) return condition::invalid_input;
    if (e <= errc::invalid_gateway) return condition::invalid_input;
    if (e <= errc::rejected) return condition::rejected;
    if (e <= errc::connection_failed) return condition::unavailable;
    if (e <= errc::tls_handshake_failed) return condition::tls;
    if (e <= errc::redirect) return condition::bad_response;
    if (e <= errc::deadline_exceeded) return condition::timed_out;
    return condition::bad_response;
}

std::ostream& operator<<(std::ostream& os, errc e) {
    return os << error_category().name() << ':' << static_cast<int>(e) << " (" << errc_message(e) << ')';
}

const boost::system::error_category& error_category() noexcept {
    static const error_category_impl c;
    return c;
}
const boost::system::error_category& condition_category() noexcept {
    static const condition_category_impl c;
    return c;
}

const char* to_string(phase p) noexcept {
    switch (p) {
        case phase::none:
            return "none";
        case phase::resolve:
            return "resolve";
        case phase::connect:
            return "connect";
        case phase::handshake:
            return "handshake";
        case phase::exchange:
            return "exchange";
        case phase::shutdown:
            return "shutdown";
        case phase::backoff:
            return "backoff";
        case phase::queue:
            return "queue";
        case phase::proxy:
            return "proxy";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, phase p) {
    return os << to_string(p);
}

const char* to_string(log_level l) noexcept {
    switch (l) {
        case log_level::trace:
            return "trace";
        case log_level::debug:
            return "debug";
        case log_level::info:
            return "info";
        case log_level::warning:
            return "warning";
        case log_level::error:
            return "error";
        case log_level::off:
            return "off";
    }
    return "?";
}

namespace {

// "https://host:port/path", IPv6 in brackets; empty when the record has no host.
std::string url_of(const attempt_record& a) {
    if (a.host.empty()) return {};
    const bool v6 = a.host.find(':') != std::string::npos;
    return "https://" + (v6 ? "[" + a.host + "]" : a.host) + ":" + a.port + a.path;
}

}  // namespace

// One line out of the diagnostics (already redacted and escaped: no secret, no control character),
// as neo-login prints it after "STEP failed: MESSAGE; ".
std::string render(const diagnostics& d, render_style style) {
    std::string s;
    auto add = [&s](const std::string& part) {
        if (part.empty()) return;
        if (!s.empty()) s += "; ";
        s += part;
    };
    if (d.http_status) add("HTTP " + std::to_string(d.http_status));
    if (!d.server_code.empty()) add("server code " + d.server_code);
    add(d.server_message);
    add(d.detail);
    // The failing step's own attempts, then the operation's total (an app token request counts
    // there, not against the login).
    if (!d.step.empty())
        add(d.step + " attempts " + std::to_string(d.step_attempts) + " (" + std::to_string(d.attempts) +
            " requests in all)");
    else if (d.attempts || !s.empty())
        add("attempts " + std::to_string(d.attempts));
    if (d.failed_phase != phase::none) add(std::string("phase ") + to_string(d.failed_phase));
    if (!d.history.empty()) {
        if (auto url = url_of(d.history.back()); !url.empty()) add("last to " + url);
    }
    if (style == render_style::every_attempt)
        for (const auto& a : d.history) s += "\n  " + render(a);
    return s;
}

std::string render(const attempt_record& a) {
    std::string s = "#";  // appended, not "#" + ...: GCC 12's false -Wrestrict
    s += std::to_string(a.number);
    s += ' ';
    s += a.step;
    if (auto url = url_of(a); !url.empty()) s += " " + url;
    s += ": ";
    std::string what;
    auto add = [&what](const std::string& part) {
        if (part.empty()) return;
        if (!what.empty()) what += ", ";
        what += part;
    };
    if (a.http_status) add("HTTP " + std::to_string(a.http_status));
    if (!a.server_code.empty()) add("server code " + a.server_code);
    if (a.result) add(a.result.message());
    if (a.failed_phase != phase::none) add(std::string("in ") + to_string(a.failed_phase));
    if (!a.result && !a.http_status) add("ok");
    if (*a.verdict) add(a.verdict);
    if (a.wait.count()) add(std::string("wait ").append(std::to_string(a.wait.count())).append(" ms"));
    add(std::to_string(a.elapsed.count()).append(" ms"));
    if (a.connection_reused) add("connection reused");
    if (a.tls_resumed) add("TLS resumed");
    if (a.resolved) add("resolved");
    return s + what;
}

std::ostream& operator<<(std::ostream& os, const diagnostics& d) {
    return os << render(d);
}

const char* to_string(condition c) noexcept {
    switch (c) {
        case condition::invalid_input:
            return "invalid_input";
        case condition::rejected:
            return "rejected";
        case condition::unavailable:
            return "unavailable";
        case condition::tls:
            return "tls";
        case condition::bad_response:
            return "bad_response";
        case condition::timed_out:
            return "timed_out";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, condition c) {
    return os << to_string(c);
}

namespace {
// Boost's system_error puts the text before ": " and the code's words: without diagnostics the
// words alone, never a line that starts with ": ".
boost::system::system_error with_summary(boost::system::error_code ec, const diagnostics& d) {
    auto s = render(d);
    return s.empty() ? boost::system::system_error(ec) : boost::system::system_error(ec, s);
}
}  // namespace

error_with_diagnostics::error_with_diagnostics(boost::system::error_code ec, diagnostics diag)
    : boost::system::system_error(with_summary(ec, diag)), diag_(std::move(diag)) {}

}  // namespace neo
