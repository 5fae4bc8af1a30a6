// neo/login_request.hpp: who logs in, and with what.
#pragma once

#include <neo/fixed_string.hpp>
#include <neo/secret.hpp>

namespace neo {

/// A user identity field: at most 64 bytes, stored in place (see fixed_string).
using identity = fixed_string<64>;

/// The seed page's `login(password, mobilenumber, userid, pan)`.
/// Exactly one of `mobilenumber`, `userid`, `pan`, and exactly one of `password`, `mpin`.
/// Every member is stored in place, so writing the request as a braced aggregate inside a
/// `co_await` expression is safe with every compiler (GCC 12 included).
struct login_request {
    /// "9999999908" (sent as "+919999999908") or "+919999999908".
    identity mobilenumber;
    /// Sent under the all-lower-case key `userid`.
    identity userid;
    /// Upper-cased, then checked against [A-Z]{5}[0-9]{4}[A-Z].
    identity pan;
    secret password;
    /// 6 digits, instead of the password.
    secret mpin;
};

}  // namespace neo
