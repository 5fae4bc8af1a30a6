// neo/detail/proxy.hpp: the proxy's pure parts (origin parsing, the CONNECT request, its answer).
#pragma once

#include <neo/detail/config.hpp>

#include <neo/error.hpp>
#include <neo/proxy.hpp>

#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo::detail {

/// Splits `http://host[:port][/]` into host (brackets removed from IPv6) and port ("80" when
/// absent). Empty on success; otherwise why not.
std::string parse_proxy_origin(std::string_view origin, std::string& host, std::string& port);

/// The whole CONNECT request for `host:port`, with Proxy-Authorization when `p.user` is set.
/// It may hold the proxy password: the caller wipes it.
std::string connect_request(std::string_view host, std::string_view port, const proxy_settings& p,
                            std::string_view user_agent);

/// What a proxy's status to CONNECT means: empty for 2xx, else proxy_auth_required (407),
/// proxy_unavailable (502, 503, 504) or proxy_refused.
boost::system::error_code proxy_status_error(unsigned status) noexcept;

}  // namespace neo::detail
NEO_VISIBLE_END
