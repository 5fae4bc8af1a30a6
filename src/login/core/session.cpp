// A session out of the gateway's `data` object, and the claims of its JWT.
#include <neo/detail/request.hpp>
#include <neo/logger.hpp>
#include <neo/session.hpp>
#include "common/text.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace neo {
namespace json = boost::json;

namespace {

std::int64_t integer(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double() && v->get_double() >= 0 && v->get_double() < 9.2e18)
        return static_cast<std::int64_t>(v->get_double());
    return 0;
}

}  // namespace

std::optional<token_claims> decode_claims(std::string_view token) {
    const auto dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return std::nullopt;
    const auto dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return std::nullopt;
    const auto payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
    if (payload.empty() || payload.size() > 64 * 1024) return std::nullopt;
    std::string decoded;
    if (!detail::base64_decode(payload, decoded)) return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(decoded, ec);
    if (ec || !v.is_object()) return std::nullopt;
    token_claims c;
    auto& o = v.get_object();
    c.sub = common::string_field(o, "sub");
    c.iss = common::string_field(o, "iss");
    c.jti = common::string_field(o, "jti");
    c.iat = integer(o, "iat");
    c.exp = integer(o, "exp");
    if (const auto* s = o.if_contains("scope")) {
        if (s->is_string())
            c.scope.emplace_back(s->get_string());
        else if (s->is_array())
            for (const auto& e : s->get_array())
                if (e.is_string()) c.scope.emplace_back(e.get_string());
    }
    c.all = std::move(o);
    return c;
}

std::string to_string(const session& s) {
    std::string out = "session{ucc=" + escape_text(s.ucc.substr(0, 64));
    std::string kind = s.k_type;
    if (kind.empty() && s.claims && !s.claims->scope.empty()) kind = s.claims->scope.front();
    if (!kind.empty()) out += ", kind=" + escape_text(kind.substr(0, 32));
    if (s.claims && s.claims->exp > 0) {
        // UTC, to the second, from the claim (no time zone database needed); at most year 9999.
        const std::int64_t t = std::min<std::int64_t>(s.claims->exp, 253402300799);
        const std::int64_t days = t / 86400, secs = t % 86400;
        // civil_from_days (H. Hinnant), for dates from 1970.
        const std::int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
        const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        const std::int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        const std::int64_t y = yoe + era * 400 + (m <= 2);
        char buf[128];
        std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                      static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(secs / 3600),
                      static_cast<long long>(secs % 3600 / 60), static_cast<long long>(secs % 60));
        out += ", expires=";
        out += buf;
    }
    if (!s.data_center.empty()) out += ", data_center=" + escape_text(s.data_center.substr(0, 64));
    if (!s.base_url.empty()) out += ", base_url=" + escape_text(s.base_url.substr(0, 256));
    out += s.token.empty() ? ", token=(none)" : ", token=***";
    out += s.sid.empty() ? ", sid=(none)}" : ", sid=***}";
    return out;
}

std::ostream& operator<<(std::ostream& os, const session& s) {
    return os << to_string(s);
}

std::optional<std::chrono::system_clock::time_point> session::expires_at() const {
    using clock = std::chrono::system_clock;
    if (!claims || claims->exp <= 0) return std::nullopt;
    // A server may send any exp; past what the clock can hold (year 2262 with nanoseconds) the
    // conversion would overflow. Found by the jwt_claims fuzzer.
    constexpr auto max_seconds = std::chrono::duration_cast<std::chrono::seconds>(clock::duration::max()).count();
    if (claims->exp >= max_seconds) return clock::time_point::max();
    return clock::time_point(std::chrono::seconds(claims->exp));
}

std::optional<session> session_from_data(const json::object& data) {
    return session_from_data(json::object(data));
}

std::optional<session> session_from_data(json::object&& data) {
    session s;
    s.token = common::string_field(data, "token");
    s.sid = common::string_field(data, "sid");
    if (s.token.empty() || s.sid.empty()) return std::nullopt;
    s.rid = common::string_field(data, "rid");
    s.hs_server_id = common::string_field(data, "hsServerId");
    s.ucc = common::string_field(data, "ucc");
    s.greeting_name = common::string_field(data, "greetingName");
    s.data_center = common::string_field(data, "dataCenter");
    s.base_url = common::string_field(data, "baseUrl");
    s.k_type = common::string_field(data, "kType");
    if (const auto* c = data.if_contains("caches"); c && c->is_object()) {
        s.caches.last_updated_ts = common::string_field(c->get_object(), "lastUpdatedTS");
        s.caches.multiplewatchlists = common::string_field(c->get_object(), "multiplewatchlists");
        s.caches.watchlist = common::string_field(c->get_object(), "watchlist");
    }
    if (const auto* p = data.if_contains("isUserPwdExpired"); p && p->is_bool()) s.is_user_pwd_expired = p->get_bool();
    s.claims = decode_claims(s.token);
    s.data = std::move(data);
    return s;
}

}  // namespace neo
