// neo/login_request.hpp: who logs in, and with what.
#pragma once

#include <neo/secret.hpp>

#include <string>

namespace neo {

/// The seed page's `login(password, mobilenumber, userid, pan)`.
/// Exactly one of `mobilenumber`, `userid`, `pan`, and exactly one of `password`, `mpin`.
struct login_request {
    /// "9999999908" (sent as "+919999999908") or "+919999999908".
    std::string mobilenumber;
    /// Sent under the all-lower-case key `userid`.
    std::string userid;
    /// Upper-cased, then checked against [A-Z]{5}[0-9]{4}[A-Z].
    std::string pan;
    secret password;
    /// 6 digits, instead of the password.
    secret mpin;
};

} // namespace neo
