// The retry policy's pure functions: which errors are retried, the backoff, Retry-After and
// HTTP dates.
#include "common/text.hpp"

#include <neo/retry_policy.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace neo {

bool is_retryable(const boost::system::error_code& ec, bool request_sent, const retry_policy& p) noexcept {
    if (ec.category() != error_category()) return false;
    switch (static_cast<errc>(ec.value())) {
        case errc::rate_limited:
        case errc::service_unavailable:
        case errc::proxy_unavailable:  // nothing reached the gateway
        case errc::proxy_closed:
            return true;
        case errc::connection_failed:
        case errc::timeout:
        case errc::truncated_response:
            return !request_sent || p.retry_ambiguous;
        default:
            return false;
    }
}

std::chrono::milliseconds backoff_delay(const retry_policy& p, int retry, double draw, bool after_429) noexcept {
    using ms = std::chrono::milliseconds;
    if (retry < 1) retry = 1;
    if (!(draw >= 0.0)) draw = 0.0;  // NaN too
    if (draw >= 1.0) draw = std::nextafter(1.0, 0.0);
    const double base = static_cast<double>((after_429 ? p.initial_backoff_429 : p.initial_backoff).count());
    const double cap = static_cast<double>(p.max_backoff.count());
    const double grown = base * std::ldexp(1.0, std::min(retry - 1, 62));
    const double ceiling = std::max(0.0, std::min(cap, grown));
    return ms(static_cast<ms::rep>(draw * ceiling));
}

namespace {

constexpr std::int64_t max_retry_after = 86400;

// A number of exactly `n` digits.
bool fixed_number(std::string_view s, std::size_t n, int& out) {
    if (s.size() != n || !common::all_digits(s)) return false;
    out = 0;
    for (char c : s) out = out * 10 + (c - '0');
    return true;
}

int month_of(std::string_view m) {
    static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (names[i] == m) return i + 1;
    return 0;
}

bool weekday_ok(std::string_view d, bool long_form) {
    static constexpr std::array<std::string_view, 7> s{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 7> l{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};
    for (auto n : long_form ? l : s)
        if (n == d) return true;
    return false;
}

// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool parse_time(std::string_view t, int& h, int& mi, int& s) {
    return t.size() == 8 && t[2] == ':' && t[5] == ':' && fixed_number(t.substr(0, 2), 2, h) &&
           fixed_number(t.substr(3, 2), 2, mi) && fixed_number(t.substr(6, 2), 2, s) && h < 24 && mi < 60 && s < 61;
}

std::optional<std::int64_t> http_date_seconds(std::string_view v) {
    int day = 0, year = 0, h = 0, mi = 0, s = 0, mon = 0;
    if (v.size() == 29 && v[3] == ',') {  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        if (!weekday_ok(v.substr(0, 3), false) || v[4] != ' ' || !fixed_number(v.substr(5, 2), 2, day) || v[7] != ' ' ||
            !(mon = month_of(v.substr(8, 3))) || v[11] != ' ' || !fixed_number(v.substr(12, 4), 4, year) ||
            v[16] != ' ' || !parse_time(v.substr(17, 8), h, mi, s) || v.substr(25) != " GMT")
            return std::nullopt;
    } else if (const auto comma = v.find(','); comma != std::string_view::npos && comma > 3) {
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        if (!weekday_ok(v.substr(0, comma), true)) return std::nullopt;
        const auto r = v.substr(comma);
        if (r.size() != 24 || r[1] != ' ' || !fixed_number(r.substr(2, 2), 2, day) || r[4] != '-' ||
            !(mon = month_of(r.substr(5, 3))) || r[8] != '-' || !fixed_number(r.substr(9, 2), 2, year) ||
            r[11] != ' ' || !parse_time(r.substr(12, 8), h, mi, s) || r.substr(20) != " GMT")
            return std::nullopt;
        year += year < 70 ? 2000 : 1900;
    } else if (v.size() == 24) {  // asctime: Sun Nov  6 08:49:37 1994
        if (!weekday_ok(v.substr(0, 3), false) || v[3] != ' ' || !(mon = month_of(v.substr(4, 3))) || v[7] != ' ' ||
            v[10] != ' ' || !parse_time(v.substr(11, 8), h, mi, s) || v[19] != ' ' ||
            !fixed_number(v.substr(20, 4), 4, year))
            return std::nullopt;
        if (v[8] == ' ') {
            if (!fixed_number(v.substr(9, 1), 1, day)) return std::nullopt;
        } else if (!fixed_number(v.substr(8, 2), 2, day)) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    static constexpr int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day < 1 || day > mdays[mon - 1]) return std::nullopt;
    return days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + h * 3600 + mi * 60 +
           s;
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    if (v.empty()) return std::nullopt;
    if (v.front() >= '0' && v.front() <= '9') {
        // Valid delay-seconds too large to hold is still a delay, longer than anything allowed: it is
        // capped like any long one (and then fails fast against max_retry_after). Past the cap the
        // remaining characters are only checked to be digits, so nothing can overflow.
        std::int64_t n = 0;
        for (char c : v) {
            if (c < '0' || c > '9') return std::nullopt;
            if (n <= max_retry_after) n = n * 10 + (c - '0');
        }
        return std::chrono::seconds(std::min(n, max_retry_after));
    }
    const auto when = http_date_seconds(v);
    if (!when) return std::nullopt;
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const std::int64_t delta = *when - now_s;
    return std::chrono::seconds(std::clamp<std::int64_t>(delta, 0, max_retry_after));
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value) {
    const auto when = http_date_seconds(value);
    if (!when) return std::nullopt;
    return std::chrono::system_clock::time_point(std::chrono::seconds(*when));
}

}  // namespace neo
