// The mock contract of docs/protocol.md (see contract.hpp).
#include "contract.hpp"

#include "tokens.hpp"
#include "totp_check.hpp"

#include "common/text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <optional>

namespace neo::mock::contract {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

using common::string_field;

bool digits(std::string_view s, std::size_t min, std::size_t max) {
    return min > 0 && common::digits_between(s, min, max);
}

// A PAN as the gateway accepts it: [A-Z]{5}[0-9]{4}[A-Z], upper case.
bool is_pan(std::string_view p) {
    if (p.size() != 10) return false;
    for (std::size_t i = 0; i < 10; ++i) {
        const bool letter = i < 5 || i == 9;
        const char c = p[i];
        if (letter ? !(c >= 'A' && c <= 'Z') : !(c >= '0' && c <= '9')) return false;
    }
    return true;
}

std::optional<response_t> rate_limited(backend& b, const std::string& key) {
    if (!b.over_rate_limit(key)) return std::nullopt;
    auto res = canned(429);
    if (const auto& after = b.params().rate_limit_retry_after)
        res.set(http::field::retry_after, std::to_string(after->count()));
    return res;
}

// The sid/Auth pair of a following step: 400 10512 when absent, 401 unless it names a live
// session of the expected kind.
std::optional<response_t> check_pair(const request_t& req, backend& b, bool trade, bool gen2) {
    const auto sid = req["sid"];
    const auto auth = req["Auth"];
    if (sid.empty() || auth.empty()) {
        if (gen2) return make_response(400, gen2_error(400, "Required header not found."));
        return make_response(400, error_array("10512", "Required header not found."));
    }
    if (b.session_valid(sid, auth, trade, gen2)) return std::nullopt;
    if (gen2) return make_response(401, gen2_error(401, "Invalid session"));
    return make_response(401, error_array("10401", "Invalid or expired session"));
}

// With the mock's own TOTP (totp_check.hpp), never the library's.
bool totp_ok(const backend& b, std::string_view code) {
    if (code.size() != 6) return false;
    const auto now = b.clock_now();
    for (int skew : {-1, 0, 1})
        if (totp_code(b.params().fixture.totp_secret, now + std::chrono::seconds(30 * skew)) == code) return true;
    return false;
}

// The identity and secret rules of protocol.md step 2 (also the MPIN second factor): an error
// answer, or nullopt when the body names the fixture user with the right secret.
std::optional<response_t> check_credentials(const fixture& fx, const json::object& o, bool mpin_only) {
    const auto mobile = string_field(o, "mobileNumber"), pan = string_field(o, "pan"), userid = string_field(o, "userid");
    const auto password = string_field(o, "password"), mpin = string_field(o, "mpin");
    const int identities = !mobile.empty() + !pan.empty() + !userid.empty();
    if (identities != 1)
        return make_response(400, error_array("10300", "Exactly one of mobileNumber, pan, userid is required"));
    if (!mobile.empty() && !(mobile.front() == '+' && digits(std::string_view(mobile).substr(1), 11, 15)))
        return make_response(400, error_array("10300", "mobileNumber must be + and digits"));
    if (!pan.empty() && !is_pan(pan)) return make_response(400, error_array("10300", "pan is invalid"));
    if (mpin_only ? (mpin.empty() || !password.empty()) : password.empty() == mpin.empty())
        return make_response(
            400, error_array("10300", mpin_only ? "mpin is required" : "Exactly one of password, mpin is required"));
    if (!mpin.empty() && !digits(mpin, 6, 6)) return make_response(400, error_array("10300", "mpin must be 6 digits"));
    const bool who = mobile.empty() ? (pan.empty() ? userid == fx.userid : pan == fx.pan) : mobile == fx.mobile_number;
    const bool what = password.empty() ? mpin == fx.mpin : password == fx.password;
    if (!who || !what) return make_response(401, error_array("10200", "Invalid credentials"));
    return std::nullopt;
}

// The second factor: the SDK's two shapes, {"userId":<sub>,"otp":<OTP or, after a user-id login,
// the MPIN>}, or {"mobileNumber"|"pan":...,"mpin":...}. Nothing else.
response_t second_factor(const request_t& req, const json::object& o, backend& b, std::string_view bearer) {
    const auto& fx = b.params().fixture;
    if (auto bad = check_pair(req, b, false, false)) return std::move(*bad);
    if (o.contains("otp")) {
        const auto user = string_field(o, "userId"), otp = string_field(o, "otp");
        if (user.empty() || !(digits(otp, 4, 4) || digits(otp, 6, 6)) || o.size() != 2)
            return make_response(400, error_array("10300", "userId and a 4-digit otp (or 6-digit mpin) are required"));
        if (user != fx.sub) return make_response(401, error_array("10200", "Invalid userId"));
        if (otp.size() == 6 ? otp != fx.mpin : !b.take_otp(req["sid"], bearer, otp))
            return make_response(
                401, error_array("10200", otp.size() == 6 ? "Invalid credentials" : "Invalid or expired OTP"));
    } else if (o.contains("userid") || o.contains("userId")) {
        return make_response(400, error_array("10300", "an mpin goes with mobileNumber or pan"));
    } else if (auto bad = check_credentials(fx, o, true)) {
        return std::move(*bad);
    }
    return ok(b.issue_session(true, false));
}

// The protected read route (gateway.hpp, route::limits): the headers each SDK sends, then the
// session, then the form body.
response_t limits(const request_t& req, backend& b) {
    const auto& fx = b.params().fixture;
    const std::string_view target = req.target();
    const bool gen2 = target.substr(0, target.find('?')) == "/quick/user/limits";
    const std::string auth(req[http::field::authorization]);
    if (gen2) {
        if (!auth.empty() && auth != fx.consumer_key) return canned(401);
    } else {
        const std::string_view prefix = "Bearer ";
        if (auth.rfind(prefix, 0) != 0 || !b.app_token_valid(auth.substr(prefix.size()))) return canned(401);
        if (req["neo-fin-key"] != fx.neo_fin_key)
            return make_response(401, error_array("10401", "Invalid or missing neo-fin-key"));
    }
    const auto sid = req["Sid"];
    const auto token = req["Auth"];
    if (sid.empty() || token.empty()) return make_response(400, gen2_error(400, "Required header not found."));
    if (!b.session_valid(sid, token, true, gen2)) {
        if (gen2) return make_response(200, gen2_failure(100022, "invalid session token"));
        return canned(401);
    }
    if (req[http::field::content_type].substr(0, 33) != "application/x-www-form-urlencoded" ||
        req.body().rfind("jData=", 0) != 0)
        return make_response(400, gen2_error(400, "a form body with jData is required"));
    return make_response(200, json::serialize(json::object{{"stat", "Ok"},
                                                            {"stCode", 200},
                                                            {"Net", "250000.00"},
                                                            {"MarginUsed", "0.00"},
                                                            {"CollateralValue", "0.00"}}));
}

}  // namespace

response_t answer(const request_t& req, route r, backend& b) {
    if (r == route::unknown || req.method() != http::verb::post)
        return make_response(401, error_array("10401", "Verify resource and path of the request"));
    if (r == route::limits) return limits(req, b);
    const std::string auth(req[http::field::authorization]);
    const auto& fx = b.params().fixture;
    const bool gen2 = r == route::totp_login || r == route::totp_validate;
    std::string bearer;  // generation 1's app token
    if (r == route::app_token) {
        if (auth != basic_credentials(fx.consumer_key, fx.consumer_secret))
            return make_response(401, R"({"error_description":"invalid_client","error":"invalid_client"})");
    } else if (gen2) {
        if (auth != fx.consumer_key) return canned(401);
        if (req["neo-fin-key"] != fx.neo_fin_key)
            return make_response(401, gen2_error(401, "Invalid or missing neo-fin-key"));
        if (auto res = rate_limited(b, auth)) return std::move(*res);
    } else {
        const std::string_view prefix = "Bearer ";
        bearer = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : std::string();
        if (!b.app_token_valid(bearer)) return canned(401);
        if (auto res = rate_limited(b, bearer)) return std::move(*res);
    }
    if (r == route::logout) {
        if (auto bad = check_pair(req, b, true, false)) return std::move(*bad);
        b.end_session(req["sid"]);
        return ok(json::object{{"status", "success"}, {"message", "logged out"}});
    }
    if (req[http::field::content_type].substr(0, 16) != "application/json")
        return make_response(400, error_array("10300", "Content-Type must be application/json"));
    boost::system::error_code jec;
    auto body = json::parse(req.body(), jec);
    if (jec || !body.is_object()) return make_response(400, error_array("10300", "Invalid JSON body"));
    const auto& o = body.get_object();

    switch (r) {
        case route::app_token: {
            if (string_field(o, "grant_type") != "client_credentials")
                return make_response(
                    400, R"({"error_description":"unsupported grant_type","error":"unsupported_grant_type"})");
            const std::string token = b.issue_app_token();
            return make_response(200,
                                 json::serialize(json::object{{"access_token", token},
                                                              {"scope", "default"},
                                                              {"token_type", "Bearer"},
                                                              {"expires_in", b.params().app_token_lifetime.count()}}));
        }
        case route::login:
            if (auto bad = check_credentials(fx, o, false)) return std::move(*bad);
            return ok(b.issue_session(false, false, bearer));
        case route::otp_generate: {
            const auto user = string_field(o, "userId");
            if (user.empty()) return make_response(400, error_array("10300", "userId is required"));
            if (user != fx.sub) return make_response(401, error_array("10200", "Invalid userId"));
            b.otp_sent(user, bearer);
            return ok(json::object{{"message", "OTP sent"}, {"otpGenerated", true}});
        }
        case route::second_factor:
            return second_factor(req, o, b, bearer);
        case route::totp_login: {
            const auto mobile = string_field(o, "mobileNumber"), ucc = string_field(o, "ucc"), code = string_field(o, "totp");
            if (mobile.empty() || ucc.empty() || !digits(code, 6, 6))
                return make_response(400, gen2_error(400, "mobileNumber, ucc and a 6-digit totp are required"));
            if (ucc != fx.ucc) return make_response(200, gen2_failure(429, "Invalid UCC"));
            if (mobile != fx.mobile_number || !totp_ok(b, code))
                return make_response(401, gen2_error(401, "Invalid credentials or TOTP."));
            return ok(b.issue_session(false, true));
        }
        case route::totp_validate: {
            if (auto bad = check_pair(req, b, false, true)) return std::move(*bad);
            const auto mpin = string_field(o, "mpin");
            if (!digits(mpin, 6, 6)) return make_response(400, gen2_error(400, "mpin must be 6 digits"));
            if (mpin != fx.mpin) return make_response(200, gen2_failure(401, "Invalid MPIN"));
            return ok(b.issue_session(true, true));
        }
        default:
            return canned(401);
    }
}

}  // namespace neo::mock::contract
