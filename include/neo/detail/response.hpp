// neo/detail/response.hpp: turning an HTTP answer into a result or a typed error (sans I/O).
#pragma once

#include <neo/detail/config.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo::detail {

enum class step_kind { app_token, login, otp_generate, second_factor, logout, totp_login, totp_validate };
const char* to_string(step_kind s) noexcept;

struct classified {
    boost::system::error_code ec{};
    std::string server_code{};
    std::string server_message{};
    std::string detail{};
    /// On success: the `data` object (the steps that yield a session), the whole body (app token),
    /// or the body if it is a JSON object (OTP generation, logout: nothing is required of it).
    boost::json::object result{};
};

/// Server text (a code, a message, a header in `detail`) is kept up to this many bytes here, long
/// enough that any secret starting within the first `server_text_shown` bytes is whole in it: the
/// text is redacted first and only then cut to `server_text_shown`, so no fragment of a secret
/// survives a cut.
inline constexpr std::size_t server_text_shown = 512;
inline constexpr std::size_t server_text_kept = server_text_shown + 4096;

/// The error code for an HTTP status (3xx, 4xx, 5xx); success for 2xx.
boost::system::error_code status_error(unsigned status) noexcept;

/// Reads the server's code and message out of any error shape of protocol.md; false if none.
bool extract_server_error(const boost::json::value& body, std::string& code, std::string& message);

/// The whole classification of one answer.
classified classify_response(step_kind step, unsigned status, std::string_view content_type, std::string_view body);

}  // namespace neo::detail
NEO_VISIBLE_END
