// neo/gateway.hpp: where the login family lives (UAT, prod, or any https origin).
#pragma once

#include <neo/detail/config.hpp>

#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

/// Which set of documented paths to use. `live` is the SDK's name for prod.
enum class environment { uat, prod, live = prod };

/// The two login flows: generation 1 (OAuth2 app token, password or MPIN login, second factor)
/// and generation 2 (TOTP login, MPIN validation), as `client::async_warm_up` prepares for them.
enum class generation { one = 1, two = 2 };

/// One HTTPS endpoint: host (a DNS name or an IP literal, IPv6 without brackets), port, path.
struct endpoint {
    std::string host{};
    std::string port = "443";
    std::string target{};
};

/// The endpoints of the login family for one environment.
struct gateway {
    // generation 1
    endpoint app_token{};     ///< OAuth2 client-credentials token
    endpoint login{};         ///< password/MPIN login (view token), also the second factor (trade token)
    endpoint otp_generate{};  ///< sends the OTP for the second factor
    endpoint logout{};        ///< ends a trade session
    // generation 2 (the current API)
    endpoint totp_login{};     ///< tradeApiLogin: mobile number, UCC and TOTP (view token)
    endpoint totp_validate{};  ///< tradeApiValidate: MPIN (trade token and base URL)

    /// UAT: nsbxapi.kotaksecurities.com/oauth2/token, nsbxapi-gw.kotaksecurities.com/api/1.0/
    /// {login/v2/validate, login/otp/generate, logout}; generation 2 on
    /// d-mis.kotaksecurities.com/login/1.0/{tradeApiLogin, tradeApiValidate}, UAT's host in the
    /// official SDK (production's mis.kotaksecurities.com would log a UAT user into production).
    static gateway uat();
    /// Prod ("Live"): napi.kotaksecurities.com/oauth2/token, gw-napi.kotaksecurities.com/login/1.0/
    /// {login/v2/validate, login/otp/generate, logout}; generation 2 on
    /// mis.kotaksecurities.com/login/1.0/{tradeApiLogin, tradeApiValidate}.
    static gateway prod();
    static gateway live() { return prod(); }
    static gateway of(environment env) { return env == environment::uat ? uat() : prod(); }

    /// Every endpoint of `paths` moved to `origin`, which must be `https://HOST[:PORT]`
    /// (an optional trailing '/' is allowed; IPv6 as `[::1]`). Throws `boost::system::system_error`
    /// with `errc::invalid_gateway` and a message that says what is wrong.
    static gateway from_origin(std::string_view origin, environment paths = environment::prod);
};

/// `neo::gateway` under a name that cannot be mistaken for the mock's server
/// (`neo::mock::gateway`, also `neo::mock::gateway_server`): the endpoints of one environment.
using gateway_endpoints = gateway;

/// Why `ep` is unusable, or an empty string when it is fine.
std::string check_endpoint(const endpoint& ep);

}  // namespace neo
NEO_VISIBLE_END
