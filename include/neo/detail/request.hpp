// neo/detail/request.hpp: validation and request bodies (sans I/O). Not part of the API.
#pragma once

#include <neo/client_params.hpp>
#include <neo/login_request.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace neo::detail {

/// "9999999908" -> "+919999999908"; "+91..." kept; anything else -> empty.
std::string normalize_mobile(std::string_view in);
/// Upper-cased PAN when it matches [A-Z]{5}[0-9]{4}[A-Z], else empty.
std::string normalize_pan(std::string_view in);

/// Checks the request; the first problem found, or success. Sends nothing.
boost::system::error_code validate(const login_request& req);
/// Checks the gateway and the credentials of the params.
boost::system::error_code validate(const client_params& p, std::string* why = nullptr);

/// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);

/// The login body of protocol.md step 2. `req` must have passed `validate`.
std::string login_body(const login_request& req);
/// `{"grant_type":"client_credentials"}`.
std::string_view app_token_body() noexcept;
/// "Basic " + base64(key ":" secret).
std::string basic_authorization(std::string_view key, std::string_view secret);

std::string base64_encode(std::string_view in);
/// Standard or URL-safe alphabet, padding optional; false on any other character.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace neo::detail
