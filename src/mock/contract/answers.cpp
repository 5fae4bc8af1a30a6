// The shapes of the gateway's answers (see answers.hpp).
#include "answers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <ctime>

namespace neo::mock {

const char* to_string(route r) noexcept {
    switch (r) {
        case route::app_token:
            return "app_token";
        case route::login:
            return "login";
        case route::unknown:
            return "unknown";
        case route::otp_generate:
            return "otp_generate";
        case route::second_factor:
            return "second_factor";
        case route::logout:
            return "logout";
        case route::totp_login:
            return "totp_login";
        case route::totp_validate:
            return "totp_validate";
        case route::limits:
            return "limits";
    }
    return "?";
}

}  // namespace neo::mock

namespace neo::mock::contract {

namespace http = boost::beast::http;
namespace json = boost::json;

response_t make_response(unsigned status, std::string body, std::string_view content_type) {
    response_t res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "neo-mock-gateway");
    res.set(http::field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string error_array(std::string_view code, std::string_view message) {
    json::object e{{"code", code}, {"message", message}};
    return json::serialize(json::object{{"error", json::array{e}}});
}

std::string gen2_error(unsigned code, std::string_view message) {
    return json::serialize(
        json::object{{"status", "error"}, {"message", message}, {"errorCode", std::to_string(code)}});
}

std::string gen2_failure(int st_code, std::string_view message) {
    return json::serialize(json::object{{"stCode", st_code}, {"errMsg", message}, {"status", "failure"}});
}

response_t ok(json::object data) {
    return make_response(200, json::serialize(json::object{{"data", std::move(data)}}));
}

response_t canned(unsigned status) {
    switch (status) {
        case 400:
            return make_response(400, error_array("10300", "Invalid or missing input parameters"));
        case 401:
            return make_response(
                401,
                R"({"code":"900901","message":"Invalid Credentials","description":"Access failure for API: /login/1.0, version: 1.0 status: (900901) - Invalid Credentials. Make sure you have provided the correct security credentials"})");
        case 403:
            return make_response(403, error_array("10403", "Forbidden"));
        case 429:
            return make_response(429,
                                 R"({"code":429,"error":"Rate limit exceeded","message":"too many request received"})");
        case 500:
            return make_response(500, error_array("10500", "Unexpected error"));
        case 502:
        case 503:
        case 504:
            return make_response(status,
                                 "<html><head><title>" + std::to_string(status) + "</title></head><body><h1>" +
                                     std::to_string(status) + " Service Temporarily Unavailable</h1></body></html>",
                                 "text/html");
        default:
            return make_response(status, error_array(std::to_string(status), "scripted answer"));
    }
}

std::string http_date(std::chrono::system_clock::time_point t) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
                  months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

route route_of(const request_t& req) {
    const std::string_view target = req.target();
    if (target == "/oauth2/token") return route::app_token;
    if (target == "/login/1.0/login/v2/validate" || target == "/api/1.0/login/v2/validate") {
        const std::string_view body = req.body();
        const bool factor = req.find("sid") != req.end() || req.find("Auth") != req.end() ||
                            body.find("\"otp\"") != std::string_view::npos ||
                            body.find("\"userId\"") != std::string_view::npos;
        return factor ? route::second_factor : route::login;
    }
    if (target == "/login/1.0/login/otp/generate" || target == "/api/1.0/login/otp/generate")
        return route::otp_generate;
    if (target == "/login/1.0/logout" || target == "/api/1.0/logout") return route::logout;
    if (target == "/login/1.0/tradeApiLogin") return route::totp_login;
    if (target == "/login/1.0/tradeApiValidate") return route::totp_validate;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/quick/user/limits" || path == "/Orders/2.0/quick/user/limits" ||
        path == "/orderapi/1.0/quick/user/limits")
        return route::limits;
    return route::unknown;
}

}  // namespace neo::mock::contract
