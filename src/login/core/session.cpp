// A session out of the gateway's `data` object, and the claims of its JWT.
#include <neo/detail/request.hpp>
#include <neo/session.hpp>
#include "common/text.hpp"

#include <boost/json/parse.hpp>

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
