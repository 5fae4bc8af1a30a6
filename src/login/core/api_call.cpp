// Judging a post-login answer: see neo/api_call.hpp.
#include <neo/api_call.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <charconv>

namespace neo {

namespace {

// A code that may be sent as a number or as a string of digits.
bool code_is(const boost::json::value* v, std::int64_t want) {
    if (!v) return false;
    if (v->is_int64()) return v->get_int64() == want;
    if (v->is_uint64()) return v->get_uint64() == static_cast<std::uint64_t>(want);
    if (v->is_string()) {
        const auto& s = v->get_string();
        std::int64_t n = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        return ec == std::errc{} && p == s.data() + s.size() && n == want;
    }
    return false;
}

}  // namespace

api_verdict judge_api_answer(unsigned http_status, std::string_view body) noexcept {
    if (http_status == 401) return api_verdict::session_gone;
    if (body.size() > 64 * 1024) body = body.substr(0, 64 * 1024);
    try {
        boost::system::error_code ec;
        const auto v = boost::json::parse(body, ec);
        const auto* o = ec ? nullptr : v.if_object();
        if (!o) return api_verdict::session_stands;
        if (code_is(o->if_contains("stCode"), 100008)) return api_verdict::ip_not_whitelisted;
        if (code_is(o->if_contains("stCode"), 100022) || code_is(o->if_contains("code"), 900901))
            return api_verdict::session_gone;
    } catch (...) {  // out of memory: nothing says the session is gone
    }
    return api_verdict::session_stands;
}

const char* to_string(api_verdict v) noexcept {
    switch (v) {
        case api_verdict::session_gone:
            return "session_gone";
        case api_verdict::ip_not_whitelisted:
            return "ip_not_whitelisted";
        case api_verdict::session_stands:
            break;
    }
    return "session_stands";
}

const std::string* api_headers::find(std::string_view name) const noexcept {
    for (const auto& [k, v] : fields) {
        if (k.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; same && i < k.size(); ++i)
            same = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return &v;
    }
    return nullptr;
}

}  // namespace neo
