// The proxy's pure parts: settings from the environment, NO_PROXY matching, the CONNECT request
// and what its answer's status means. No I/O.
#include <neo/detail/proxy.hpp>
#include <neo/detail/request.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <utility>

namespace neo {
namespace beast = boost::beast;
namespace {

bool host_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

const char* env(const char* upper, const char* lower) {
    const char* v = std::getenv(upper);
    if (!v || !*v) v = std::getenv(lower);
    return v && *v ? v : nullptr;
}

std::optional<boost::asio::ip::address> ip_literal(std::string_view s) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(s), ec);
    if (ec) return std::nullopt;
    return a;
}

// The first `bits` bits of two addresses of one family agree.
bool same_prefix(const boost::asio::ip::address& a, const boost::asio::ip::address& b, unsigned bits) {
    if (a.is_v4() != b.is_v4()) return false;
    std::array<unsigned char, 16> x{}, y{};
    std::size_t size = 16;
    if (a.is_v4()) {
        const auto u = a.to_v4().to_bytes(), v = b.to_v4().to_bytes();
        std::copy(u.begin(), u.end(), x.begin());
        std::copy(v.begin(), v.end(), y.begin());
        size = 4;
    } else {
        x = a.to_v6().to_bytes();
        y = b.to_v6().to_bytes();
    }
    if (bits > size * 8) return false;
    for (std::size_t i = 0; i < size && bits > 0; ++i) {
        const unsigned take = std::min(bits, 8u);
        const auto mask = static_cast<unsigned char>(0xff00u >> take);
        if ((x[i] & mask) != (y[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

// One NO_PROXY entry split into its host part and its port ("" when it names none): "[v6]:443",
// "host:443", "1.2.3.4:443"; an unbracketed IPv6 literal ("::1") has no port.
std::pair<std::string_view, std::string_view> split_port(std::string_view entry) {
    if (entry.front() == '[') {
        const auto close = entry.find(']');
        if (close == std::string_view::npos) return {entry, {}};
        const auto rest = entry.substr(close + 1);
        return {entry.substr(1, close - 1),
                rest.size() > 1 && rest.front() == ':' ? rest.substr(1) : std::string_view{}};
    }
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos || entry.find(':', colon + 1) != std::string_view::npos) return {entry, {}};
    return {entry.substr(0, colon), entry.substr(colon + 1)};
}

// Whether one entry (trimmed, not empty, not "*") names this host (and port, when it has one).
bool entry_matches(std::string_view entry, std::string_view host, std::optional<boost::asio::ip::address> host_ip,
                   std::string_view port) {
    auto [name, entry_port] = split_port(entry);
    if (!entry_port.empty() && entry_port != port) return false;
    if (const auto slash = name.find('/'); slash != std::string_view::npos) {
        // CIDR: an address and a prefix length, matched against an IP literal host only.
        unsigned bits = 0;
        const auto len = name.substr(slash + 1);
        const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
        const auto net = ip_literal(name.substr(0, slash));
        return ec == std::errc() && end == len.data() + len.size() && !len.empty() && net && host_ip &&
               same_prefix(*net, *host_ip, bits);
    }
    if (const auto ip = ip_literal(name)) return host_ip && *ip == *host_ip;  // exactly
    if (host_ip) return false;  // a name never matches an IP literal, nor a suffix of one
    // A name matches itself and its subdomains; a leading "." or "*." is ignored.
    if (name.substr(0, 2) == "*.") name.remove_prefix(2);
    if (!name.empty() && name.front() == '.') name.remove_prefix(1);
    if (name.empty()) return false;
    if (beast::iequals(name, host)) return true;
    return host.size() > name.size() && host[host.size() - name.size() - 1] == '.' &&
           beast::iequals(host.substr(host.size() - name.size()), name);
}

}  // namespace

bool proxy_settings::applies_to(std::string_view host) const {
    return applies_to(host, {});
}

bool proxy_settings::applies_to(std::string_view host, std::string_view port) const {
    if (origin.empty()) return false;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);  // "example.com." is example.com
    const auto host_ip = ip_literal(host);
    std::string_view list = no_proxy;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto entry = trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (entry == "*") return false;
        if (!entry.empty() && entry_matches(entry, host, host_ip, port)) return false;
    }
    return true;
}

proxy_settings proxy_from_environment() {
    proxy_settings p;
    const char* url = env("HTTPS_PROXY", "https_proxy");
    if (!url) return p;
    std::string_view u = url;
    const auto scheme_end = u.find("://");
    const auto at = u.find('@', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
    if (scheme_end != std::string_view::npos && at != std::string_view::npos && u.find('/', scheme_end + 3) > at) {
        const auto info = u.substr(scheme_end + 3, at - scheme_end - 3);
        const auto colon = info.find(':');
        p.user = percent_decoded(info.substr(0, colon));
        if (colon != std::string_view::npos) {
            std::string pw = percent_decoded(info.substr(colon + 1));
            p.password = secret(std::move(pw));
        }
        p.origin = std::string(u.substr(0, scheme_end + 3)) + std::string(u.substr(at + 1));
    } else {
        // A bare "host:port", as some set it, means http.
        p.origin = scheme_end == std::string_view::npos ? "http://" + std::string(u) : std::string(u);
    }
    if (const char* np = env("NO_PROXY", "no_proxy")) p.no_proxy = np;
    return p;
}

namespace detail {

std::string parse_proxy_origin(std::string_view origin, std::string& host, std::string& port) {
    constexpr std::string_view scheme = "http://";
    if (origin.size() < scheme.size() || !beast::iequals(origin.substr(0, scheme.size()), scheme))
        return "the proxy origin must start with http:// (a TLS proxy is not supported)";
    std::string_view rest = origin.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#@") != std::string_view::npos)
        return "the proxy origin has no path, query or user info (credentials go in user and password)";
    std::string_view h, pt = "80";
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return "unclosed '[' in the proxy host";
        h = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return "unexpected text after the proxy host";
            pt = rest.substr(1);
        }
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(std::string(h), ec);
        if (h.empty() || ec) return "invalid IPv6 address for the proxy";
    } else {
        const auto colon = rest.find(':');
        h = rest.substr(0, colon);
        if (colon != std::string_view::npos) pt = rest.substr(colon + 1);
        if (h.empty()) return "no proxy host";
        for (char c : h)
            if (!host_char_ok(c)) return "invalid character in the proxy host";
    }
    unsigned n = 0;
    auto [ptr, ec] = std::from_chars(pt.data(), pt.data() + pt.size(), n);
    if (pt.empty() || ec != std::errc{} || ptr != pt.data() + pt.size() || n == 0 || n > 65535)
        return "the proxy port must be a number from 1 to 65535";
    host = std::string(h);
    port = std::to_string(n);
    return {};
}

std::string connect_request(std::string_view host, std::string_view port, const proxy_settings& p,
                            std::string_view user_agent) {
    const bool v6 = host.find(':') != std::string_view::npos;
    std::string authority;
    authority.append(v6 ? "[" : "").append(host).append(v6 ? "]:" : ":").append(port);
    std::string out;
    out.reserve(128 + 2 * authority.size() + user_agent.size() + 4 * (p.user.size() + p.password.size()));
    out.append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\n");
    if (!user_agent.empty()) out.append("User-Agent: ").append(user_agent).append("\r\n");
    if (!p.user.empty()) {
        std::string auth = basic_authorization(p.user, p.password.reveal());
        out.append("Proxy-Authorization: ").append(auth).append("\r\n");
        wipe(auth);
    }
    out.append("\r\n");
    return out;
}

boost::system::error_code proxy_status_error(unsigned status) noexcept {
    if (status >= 200 && status < 300) return {};
    if (status == 407) return errc::proxy_auth_required;
    if (status == 502 || status == 503 || status == 504) return errc::proxy_unavailable;
    return errc::proxy_refused;
}

}  // namespace detail
}  // namespace neo
