// An HTTP answer turned into a step's result or a typed error: status, content type, error shapes.
#include <neo/detail/response.hpp>
#include <neo/error.hpp>
#include <neo/session.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>

namespace neo::detail {
namespace json = boost::json;

const char* to_string(step_kind s) noexcept {
    switch (s) {
        case step_kind::app_token:
            return "app_token";
        case step_kind::login:
            return "login";
        case step_kind::otp_generate:
            return "otp_generate";
        case step_kind::second_factor:
            return "second_factor";
        case step_kind::logout:
            return "logout";
        case step_kind::totp_login:
            return "totp_login";
        case step_kind::totp_validate:
            return "totp_validate";
    }
    return "?";
}

boost::system::error_code status_error(unsigned status) noexcept {
    if (status >= 200 && status < 300) return {};
    if (status >= 300 && status < 400) return errc::redirect;
    switch (status) {
        case 400:
            return errc::bad_request;
        case 401:
            return errc::unauthorized;
        case 403:
            return errc::forbidden;
        case 429:
            return errc::rate_limited;
        case 500:
            return errc::server_error;
        case 502:
        case 503:
        case 504:
            return errc::service_unavailable;
        default:
            return errc::rejected;
    }
}

namespace {

// A string or a number as text; empty for anything else.
std::string scalar_text(const json::value* v) {
    if (!v) return {};
    if (v->is_string()) return std::string(v->get_string().subview().substr(0, server_text_kept));
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    return {};
}

bool is_success_code(const json::value* v) {
    return v && ((v->is_int64() && v->get_int64() == 200) || (v->is_uint64() && v->get_uint64() == 200) ||
                 (v->is_string() && v->get_string() == "200"));
}

}  // namespace

bool extract_server_error(const json::value& body, std::string& code, std::string& message) {
    const auto* o = body.if_object();
    if (!o) return false;
    if (const auto* e = o->if_contains("error"); e && e->is_array() && !e->get_array().empty()) {
        const auto& first = e->get_array().front();
        if (const auto* fo = first.if_object()) {
            code = scalar_text(fo->if_contains("code"));
            message = scalar_text(fo->if_contains("message"));
        } else {
            message = scalar_text(&first);
        }
        return true;
    }
    for (const char* k : {"stCode", "errorCode", "code"}) {
        if (auto c = scalar_text(o->if_contains(k)); !c.empty()) {
            code = std::move(c);
            break;
        }
    }
    if (code.empty()) code = scalar_text(o->if_contains("error"));
    for (const char* k : {"message", "errMsg", "error_description", "error", "description"}) {
        if (auto m = scalar_text(o->if_contains(k)); !m.empty()) {
            message = std::move(m);
            break;
        }
    }
    return !code.empty() || !message.empty();
}

classified classify_response(step_kind step, unsigned status, std::string_view content_type, std::string_view body) {
    classified r;
    boost::system::error_code jec;
    json::value v;
    if (!body.empty()) v = json::parse(body, jec);
    const bool is_json = !body.empty() && !jec;

    if (auto ec = status_error(status)) {
        r.ec = ec;
        if (is_json)
            extract_server_error(v, r.server_code, r.server_message);
        else if (!body.empty()) {
            r.detail = "non-JSON error body";
            if (!content_type.empty()) r.detail += " (" + std::string(content_type.substr(0, server_text_kept)) + ")";
        }
        return r;
    }
    // OTP generation and logout need nothing from a 2xx answer but the absence of an error in it.
    const bool ack_only = step == step_kind::otp_generate || step == step_kind::logout;
    if (ack_only && !is_json) return r;
    if (!is_json) {
        r.ec = errc::malformed_response;
        r.detail = body.empty() ? "empty body" : "body is not valid JSON";
        return r;
    }
    auto* o = v.if_object();
    if (!o && ack_only) return r;
    if (!o) {
        r.ec = errc::malformed_response;
        r.detail = "body is not a JSON object";
        return r;
    }
    // Generation 2 answers 200 with an error inside; so do some proxies.
    const auto* st = o->if_contains("stCode");
    const auto* status_field = o->if_contains("status");
    const bool failure_status = status_field && status_field->is_string() &&
                                (status_field->get_string() == "failure" || status_field->get_string() == "error");
    const auto* err = o->if_contains("error");
    if ((st && !is_success_code(st)) || failure_status || (err && !err->is_null() && !o->contains("data"))) {
        r.ec = errc::rejected;
        extract_server_error(v, r.server_code, r.server_message);
        r.detail = "error body inside HTTP 200";
        return r;
    }
    if (ack_only) {
        r.result = std::move(*o);
        return r;
    }
    if (step == step_kind::app_token) {
        const auto* at = o->if_contains("access_token");
        if (!at || !at->is_string() || at->get_string().empty()) {
            r.ec = errc::missing_fields;
            r.detail = "no access_token in the answer";
            return r;
        }
        r.result = std::move(*o);
        return r;
    }
    auto* data = o->if_contains("data");
    if (!data || !data->is_object()) {
        r.ec = extract_server_error(v, r.server_code, r.server_message) ? errc::rejected : errc::missing_fields;
        r.detail = "no data object in the answer";
        return r;
    }
    // What session_from_data requires, checked without building (and copying) a session.
    auto non_empty_string = [&](std::string_view k) {
        const auto* f = data->get_object().if_contains(k);
        return f && f->is_string() && !f->get_string().empty();
    };
    if (!non_empty_string("token") || !non_empty_string("sid")) {
        r.ec = errc::missing_fields;
        r.detail = "data lacks token or sid";
        return r;
    }
    r.result = std::move(data->get_object());
    return r;
}

}  // namespace neo::detail
