// neo/proxy.hpp: an HTTP CONNECT proxy on the way to the gateway.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/secret.hpp>

#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

/// An HTTP proxy that the client asks, with `CONNECT host:port`, for a tunnel to each gateway
/// host; TLS to the gateway then runs inside the tunnel, so the certificate and host name checks
/// and SNI are the gateway's, never the proxy's. A kept-alive connection is a kept tunnel.
struct proxy_settings {
    /// `http://host[:port]` (port 80 when absent; a trailing '/' is allowed). Empty: no proxy,
    /// every connection goes straight to the gateway. Default: empty.
    std::string origin{};
    /// Sent as `Proxy-Authorization: Basic base64(user:password)` when `user` is not empty.
    std::string user{};
    /// At most 256 bytes.
    basic_secret<256> password{};
    /// Hosts reached directly, read as curl reads NO_PROXY: a comma-separated list (spaces
    /// around entries ignored) of
    /// - names, each matching itself and its subdomains, case-insensitively (a leading `.` or
    ///   `*.` is ignored: `.example.com` matches example.com and a.example.com, never
    ///   notexample.com); a name never matches an IP address;
    /// - IP literals (`10.1.2.3`, `::1`, `[::1]`), matching that address exactly, never as a
    ///   suffix (`0.1` does not match 127.0.0.1);
    /// - CIDR blocks, IPv4 and IPv6 (`127.0.0.0/8`, `::1/128`), matching the addresses inside;
    /// - any of these with `:port` (`host:8443`, `[::1]:443`, as Python's urllib reads them),
    ///   matching that port only;
    /// - `*`, matching every host.
    /// Default: empty.
    std::string no_proxy{};

    /// True when a connection to `host` (on any port: entries with a port do not match) goes
    /// through the proxy.
    bool applies_to(std::string_view host) const;
    /// True when a connection to `host` on `port` goes through the proxy.
    bool applies_to(std::string_view host, std::string_view port) const;
};

/// Proxy settings from the environment, as curl and Python's `requests` read them:
/// `HTTPS_PROXY` (else `https_proxy`), with `NO_PROXY` (else `no_proxy`). A `user:password@` in
/// the URL becomes `user` and `password` (percent-decoded). An `https://` proxy URL is not
/// supported and is returned as is (the client then refuses it as `errc::invalid_proxy`).
/// Returns an empty origin when no proxy is set. Opt-in: the client never reads the environment
/// by itself.
proxy_settings proxy_from_environment();

}  // namespace neo
NEO_VISIBLE_END
