// neo/api_call.hpp: after the login. What a later Neo API call needs from the session (headers and
// the base URL), and what its answer says about the session (gone, or an IP that is not
// whitelisted).
#pragma once

#include <neo/detail/config.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo {

/// What the answer of a post-login Neo API call says about the session it was made with.
enum class api_verdict {
    /// Nothing in the answer says the session is gone (a success, or another error).
    session_stands,
    /// The gateway no longer accepts the session: HTTP 401 (whatever the body), the API
    /// gateway's `{"code":"900901","message":"Invalid Credentials",...}` shape, or
    /// `{"stCode":100022,"errMsg":"invalid session token",...}` (under any status). Invalidate it
    /// (`session_manager::invalidate(const session&)`) and await a new one.
    session_gone,
    /// `{"stCode":100008,...}`: the caller's IP address is not whitelisted for the application.
    /// A new login cannot cure it: whitelist the address (or bind `client_params::local_address`
    /// to one that is).
    ip_not_whitelisted,
};

/// Judges an answer by its HTTP status and body (JSON or anything else; at most its first 64 KiB
/// are read, and nothing in it is kept or logged).
api_verdict judge_api_answer(unsigned http_status, std::string_view body) noexcept;

/// "session_stands", "session_gone", "ip_not_whitelisted".
const char* to_string(api_verdict v) noexcept;

/// The headers a post-login call sends, as the official SDKs send them, and where to send it.
/// Generation 2 (kotak-neo-python): `Authorization` (the consumer key), `Sid`, `Auth` (the trade
/// token), to the session's `baseUrl`. Generation 1 (kotak-neo-api): `Authorization: Bearer`
/// and the app token, `Sid`, `Auth`, `neo-fin-key`, to the origin of the gateway's login host.
/// The values are secrets: never log them.
struct api_headers {
    /// `https://host[:port]`, without a trailing '/': the SDK's paths (e.g. `/quick/user/limits`) go after it.
    std::string base_url{};
    /// (name, value), in the SDK's order.
    std::vector<std::pair<std::string, std::string>> fields{};

    /// The value of the field `name` (case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const noexcept;
};

}  // namespace neo
NEO_VISIBLE_END
