// neo/session.hpp: what a successful login yields.
#pragma once

#include <neo/detail/config.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo {

/// The claims of a view or trade token, read without verifying the signature (no key is published).
struct token_claims {
    /// The user's id on the gateway: a UUID (as the mock's `fixture::sub`), not the client code
    /// (that is `session::ucc`).
    std::string sub{};
    std::vector<std::string> scope{};  ///< e.g. {"View"} or {"Trade"}
    std::int64_t iat = 0;              ///< issued at, seconds since the epoch (0 if absent)
    std::int64_t exp = 0;              ///< expires at, seconds since the epoch (0 if absent)
    std::string iss{};
    std::string jti{};
    boost::json::object all{};  ///< every claim as decoded
};

/// Decodes the payload of a JWT-shaped token; nullopt when it is not one.
std::optional<token_claims> decode_claims(std::string_view token);

/// The `caches` object of the login answer.
struct session_caches {
    std::string last_updated_ts{};
    std::string multiplewatchlists{};
    std::string watchlist{};
};

/// The parsed `data` object of a successful login answer.
struct session {
    std::string token{};  ///< the view (or trade) token; a secret: never log it
    std::string sid{};
    std::string rid{};
    std::string hs_server_id{};
    std::string ucc{};
    std::string greeting_name{};
    session_caches caches{};
    std::optional<bool> is_user_pwd_expired{};
    std::string data_center{};
    /// Generation 2's validated session: the host for every later call (`baseUrl`).
    std::string base_url{};
    /// Generation 2: "View" or "Trade" (`kType`).
    std::string k_type{};
    boost::json::object data{};  ///< the whole `data` object, unknown fields included
    std::optional<token_claims> claims{};

    /// When the token expires, from its `exp` claim; nullopt when it carries none.
    std::optional<std::chrono::system_clock::time_point> expires_at() const;
};

/// What a session prints as, in a log line or a debugger: the client code, the kind (`k_type`
/// or the token's scope), the expiry, the data center and base URL. Never the token, the sid or
/// any other field of `data`: `session{ucc=TESTYA24, kind=Trade, expires=2026-12-04T09:15:00Z,
/// token=***, sid=***}`. Logging `s.data` itself would print the token: print the session.
std::string to_string(const session& s);
std::ostream& operator<<(std::ostream& os, const session& s);

/// Builds a session from a `data` object; nullopt unless `data.token` and `data.sid` are
/// non-empty strings.
std::optional<session> session_from_data(const boost::json::object& data);
/// As above, taking the object over instead of copying it.
std::optional<session> session_from_data(boost::json::object&& data);

}  // namespace neo
NEO_VISIBLE_END
