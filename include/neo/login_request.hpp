// neo/login_request.hpp: what each step of the login family sends (who logs in, and with what).
#pragma once

#include <neo/detail/config.hpp>

#include <neo/fixed_string.hpp>
#include <neo/secret.hpp>

NEO_VISIBLE_BEGIN
namespace neo {

/// A user identity field: at most 64 bytes, stored in place (see fixed_string).
using identity = fixed_string<64>;

/// The seed page's `login(password, mobilenumber, userid, pan)`.
/// Exactly one of `mobilenumber`, `userid`, `pan`, and exactly one of `password`, `mpin`.
/// Every member is stored in place, so writing the request as a braced aggregate inside a
/// `co_await` expression is safe with every compiler (GCC 12 included).
struct login_request {
    /// "9999999908" (sent as "+919999999908") or "+919999999908".
    identity mobilenumber{};
    /// Sent under the all-lower-case key `userid`.
    identity userid{};
    /// Upper-cased, then checked against [A-Z]{5}[0-9]{4}[A-Z].
    identity pan{};
    /// At most 256 bytes.
    basic_secret<256> password{};
    /// 6 digits, instead of the password.
    basic_secret<16> mpin{};
};

/// Generation 1, the second factor of `client::async_session_2fa`: exactly one of `otp` and `mpin`.
/// Give the identity used to log in (exactly one of `mobilenumber`, `userid` or `pan`) with an
/// MPIN. The body is the official SDK's: an OTP, or an MPIN after a `userid` login, goes as
/// `{"userId":"<sub of the view token>","otp":"<code>"}`; an MPIN after a mobile or PAN login as
/// `{"mobileNumber"|"pan":...,"mpin":"<6 digits>"}`.
/// Stored in place, like login_request.
struct second_factor {
    /// 4 digits, as sent after `client::async_generate_otp`.
    basic_secret<16> otp{};
    /// 6 digits, instead of an OTP.
    basic_secret<16> mpin{};
    identity mobilenumber{};
    identity userid{};
    identity pan{};
};

/// Generation 2, `client::async_totp_login`: mobile number, client code and a current TOTP.
/// Stored in place, like login_request.
struct totp_login_request {
    /// "9999999908" (sent as "+919999999908") or "+919999999908".
    identity mobilenumber{};
    /// The client code, e.g. "TESTYA24" (letters and digits, at most 32).
    identity ucc{};
    /// 6 digits: the code of the moment, e.g. from `neo::totp`.
    basic_secret<16> totp{};
};

}  // namespace neo
NEO_VISIBLE_END
