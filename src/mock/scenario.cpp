// Mock scenarios: a script of answers and faults per route, read from JSON.
#include <neo/mock/scenario.hpp>

#include <boost/json/parse.hpp>

#include <charconv>
#include <stdexcept>

namespace neo::mock {
namespace json = boost::json;

namespace {

unsigned parse_status(std::string_view s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 100 || v > 599)
        throw std::invalid_argument("invalid status '" + std::string(s) + "'");
    return v;
}

fault parse_fault(std::string_view s) {
    if (s == "none") return fault::none;
    if (s == "close_before_tls") return fault::close_before_tls;
    if (s == "stall_before_tls") return fault::stall_before_tls;
    if (s == "stall") return fault::stall;
    if (s == "close" || s == "close_without_answer") return fault::close_without_answer;
    if (s == "close_mid_answer") return fault::close_mid_answer;
    if (s == "close_delimited_answer") return fault::close_delimited_answer;
    throw std::invalid_argument("unknown fault '" + std::string(s) + "'");
}

answer parse_answer(const json::value& v) {
    const auto* o = v.if_object();
    if (!o) throw std::invalid_argument("an answer must be a JSON object");
    answer a;
    for (const auto& [k, val] : *o) {
        if (k == "status" && val.is_int64())
            a.status = parse_status(std::to_string(val.get_int64()));
        else if (k == "retry_after" && val.is_string())
            a.headers.emplace_back("Retry-After", std::string(val.get_string()));
        else if (k == "retry_after" && val.is_int64())
            a.headers.emplace_back("Retry-After", std::to_string(val.get_int64()));
        else if (k == "body" && val.is_string())
            a.body = std::string(val.get_string());
        else if (k == "delay_ms" && val.is_int64() && val.get_int64() >= 0)
            a.delay = std::chrono::milliseconds(val.get_int64());
        else if (k == "action" && val.is_string())
            a.action = parse_fault(val.get_string());
        else if (k == "headers" && val.is_object()) {
            for (const auto& [hk, hv] : val.get_object()) {
                if (!hv.is_string()) throw std::invalid_argument("header values must be strings");
                a.headers.emplace_back(std::string(hk), std::string(hv.get_string()));
            }
        } else {
            throw std::invalid_argument("unexpected answer field '" + std::string(k) + "'");
        }
    }
    return a;
}

std::vector<answer> parse_answers(const json::value& v, const char* name) {
    if (!v.is_array()) throw std::invalid_argument(std::string(name) + " must be an array");
    std::vector<answer> out;
    for (const auto& e : v.get_array()) out.push_back(parse_answer(e));
    return out;
}

}  // namespace

std::vector<answer> parse_answer_list(std::string_view list) {
    std::vector<answer> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        answer a;
        if (!item.empty() && (item.front() < '0' || item.front() > '9')) {
            a.action = parse_fault(item);
        } else {
            const auto colon = item.find(':');
            a.status = parse_status(item.substr(0, colon));
            if (colon != std::string_view::npos)
                a.headers.emplace_back("Retry-After", std::string(item.substr(colon + 1)));
        }
        out.push_back(std::move(a));
    }
    return out;
}

route route_from_name(std::string_view name) {
    for (auto r : {route::app_token, route::login, route::otp_generate, route::second_factor, route::logout,
                   route::totp_login, route::totp_validate, route::limits})
        if (name == to_string(r)) return r;
    throw std::invalid_argument("unknown route '" + std::string(name.substr(0, 64)) + "'");
}

scenario parse_scenario(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec) throw std::invalid_argument("scenario is not valid JSON: " + ec.message());
    const auto* o = v.if_object();
    if (!o) throw std::invalid_argument("a scenario must be a JSON object");
    scenario s;
    for (const auto& [k, val] : *o) {
        if (k == "app_token")
            s.app_token = parse_answers(val, "app_token");
        else if (k == "login")
            s.login = parse_answers(val, "login");
        else if (k == "connections") {
            if (!val.is_array()) throw std::invalid_argument("connections must be an array");
            for (const auto& f : val.get_array()) {
                if (!f.is_string()) throw std::invalid_argument("connections holds fault names");
                s.connections.push_back(parse_fault(f.get_string()));
            }
        } else {
            const auto r = route_from_name(k);  // throws for an unexpected field
            s.more.emplace_back(r, parse_answers(val, std::string(k).c_str()));
        }
    }
    return s;
}

void apply(gateway& g, const scenario& s) {
    if (!s.app_token.empty()) g.script(route::app_token, s.app_token);
    if (!s.login.empty()) g.script(route::login, s.login);
    if (!s.connections.empty()) g.script_connections(s.connections);
    for (const auto& [r, answers] : s.more) g.script(r, answers);
}

}  // namespace neo::mock
