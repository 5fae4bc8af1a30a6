// The gateways: UAT and prod endpoints of both generations, and any origin (a local mock).
#include <neo/error.hpp>
#include <neo/gateway.hpp>

#include <boost/system/system_error.hpp>

#include <charconv>

namespace neo {
namespace {

constexpr std::string_view oauth = "/oauth2/token";
// Generation 2: the SDK logs UAT in on d-mis (its "dev" host), production on mis.
constexpr std::string_view gen2_prod_host = "mis.kotaksecurities.com";
constexpr std::string_view gen2_uat_host = "d-mis.kotaksecurities.com";

gateway with_paths(std::string_view oauth_host, std::string_view host, std::string_view prefix,
                   std::string_view gen2_host) {
    const auto ep = [](std::string_view h, std::string_view a, std::string_view b = {}) {
        return endpoint{std::string(h), "443", std::string(a) + std::string(b)};
    };
    return {ep(oauth_host, oauth),
            ep(host, prefix, "/login/v2/validate"),
            ep(host, prefix, "/login/otp/generate"),
            ep(host, prefix, "/logout"),
            ep(gen2_host, "/login/1.0/tradeApiLogin"),
            ep(gen2_host, "/login/1.0/tradeApiValidate")};
}

[[noreturn]] void bad_origin(std::string_view origin, const char* why) {
    // The origin is not a secret (it is a URL the caller chose), but keep it short.
    std::string msg = "invalid gateway origin '";
    msg.append(origin.substr(0, 200));
    msg += "': ";
    msg += why;
    throw boost::system::system_error(make_error_code(errc::invalid_gateway), msg);
}

bool host_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

}  // namespace

gateway gateway::uat() {
    return with_paths("nsbxapi.kotaksecurities.com", "nsbxapi-gw.kotaksecurities.com", "/api/1.0", gen2_uat_host);
}

gateway gateway::prod() {
    return with_paths("napi.kotaksecurities.com", "gw-napi.kotaksecurities.com", "/login/1.0", gen2_prod_host);
}

gateway gateway::from_origin(std::string_view origin, environment paths) {
    constexpr std::string_view scheme = "https://";
    if (origin.substr(0, scheme.size()) != scheme) {
        if (origin.substr(0, 7) == "http://") bad_origin(origin, "plain http is refused; use https://");
        bad_origin(origin, "must start with https://");
    }
    std::string_view rest = origin.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#@") != std::string_view::npos)
        bad_origin(origin, "an origin has no path, query, fragment or user info");
    std::string_view host, port = "443";
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) bad_origin(origin, "unclosed '[' in the host");
        host = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') bad_origin(origin, "unexpected text after the host");
            port = rest.substr(1);
        }
        if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
            bad_origin(origin, "invalid IPv6 address");
    } else {
        const auto colon = rest.find(':');
        host = rest.substr(0, colon);
        if (colon != std::string_view::npos) port = rest.substr(colon + 1);
        if (host.empty()) bad_origin(origin, "no host");
        for (char c : host)
            if (!host_char_ok(c)) bad_origin(origin, "invalid character in the host");
    }
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || p == 0 || p > 65535)
        bad_origin(origin, "the port must be a number from 1 to 65535");
    gateway g = of(paths);
    for (endpoint* ep : {&g.app_token, &g.login, &g.otp_generate, &g.logout, &g.totp_login, &g.totp_validate}) {
        ep->host = std::string(host);
        ep->port = std::to_string(p);
    }
    return g;
}

std::string check_endpoint(const endpoint& ep) {
    if (ep.host.empty()) return "no host";
    for (char c : ep.host)
        if (!host_char_ok(c) && c != ':') return "invalid character in the host";
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(ep.port.data(), ep.port.data() + ep.port.size(), p);
    if (ec != std::errc{} || ptr != ep.port.data() + ep.port.size() || p == 0 || p > 65535) return "invalid port";
    if (ep.target.empty() || ep.target.front() != '/') return "the path must start with '/'";
    for (unsigned char c : ep.target)
        if (c <= 0x20 || c >= 0x7f) return "invalid character in the path";
    return {};
}

}  // namespace neo
