// neo/detail/request.hpp: validation and request bodies (sans I/O). Not part of the API.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/client_params.hpp>
#include <neo/login_request.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo::detail {

/// "9999999908" -> "+919999999908"; "+91..." kept; anything else -> empty.
std::string normalize_mobile(std::string_view in);
/// Upper-cased PAN when it matches [A-Z]{5}[0-9]{4}[A-Z], else empty.
std::string normalize_pan(std::string_view in);

/// Checks the request; the first problem found, or success. Sends nothing.
boost::system::error_code validate(const login_request& req);
/// Checks the gateway and the credentials of the params.
boost::system::error_code validate(const client_params& p, std::string* why = nullptr);

/// Which credentials a step needs from the params.
enum class credentials { oauth2, consumer_key };
/// Checks `ep` and the credentials the step needs.
boost::system::error_code validate(const client_params& p, const endpoint& ep, credentials need,
                                   std::string* why = nullptr);
boost::system::error_code validate(const second_factor& f);
boost::system::error_code validate(const totp_login_request& r);
/// A session usable for a following step: token and sid present, no control characters.
boost::system::error_code validate_session(std::string_view token, std::string_view sid);
/// 6 digits.
bool is_mpin(std::string_view s);

/// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);

/// The login body of protocol.md step 2. `req` must have passed `validate`.
std::string login_body(const login_request& req);
/// `{"userId":..,"sendEmail":true,"isWhitelisted":true}`.
std::string otp_generate_body(std::string_view user_id);
/// `{"userId":..,"otp":..}` or `{<identity>,"mpin":..}`. `f` must have passed `validate`.
std::string second_factor_body(const second_factor& f, std::string_view user_id);
/// `{"mobileNumber":..,"ucc":..,"totp":..}`. `r` must have passed `validate`.
std::string totp_login_body(const totp_login_request& r);
/// `{"mpin":..}`.
std::string totp_validate_body(std::string_view mpin);
/// `{"grant_type":"client_credentials"}`.
std::string_view app_token_body() noexcept;
/// "Basic " + base64(key ":" secret).
std::string basic_authorization(std::string_view key, std::string_view secret);

std::string base64_encode(std::string_view in);
/// Standard or URL-safe alphabet, padding optional; false on any other character.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace neo::detail
NEO_VISIBLE_END
